#!/usr/bin/env bash
# Creates or updates the venv .work/checkov-venv from tools/checkov-requirements.txt (the manifest scan,
# npm run scan). Kept apart from the hub's .work/venv: checkov's own pins must not meet JupyterHub's.
# Idempotent: a venv whose stored hash of the requirements and interpreter matches is reused untouched.
# Needs only python3 (>= 3.9) and PyPI; PYTHON=/path/to/python picks another interpreter.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.work/checkov-venv"
requirements="$root/tools/checkov-requirements.txt"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

say() { echo "checkov-env: $*" >&2; }

command -v "$python" >/dev/null || { say "$python not found; install Python 3.9 or newer"; exit 1; }
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 9))' ||
  { say "$("$python" --version 2>&1) is too old; checkov needs Python 3.9 or newer"; exit 1; }

mkdir -p "$root/.work"
# One at a time: a second scan (another test run) waits instead of deleting the venv under the first.
exec 9>"$root/.work/checkov-env.lock"
if command -v flock >/dev/null; then flock 9; fi

want="$("$python" -c 'import hashlib, sys; print(hashlib.sha256(sys.version.encode() + open(sys.argv[1], "rb").read()).hexdigest())' "$requirements")"
if [[ -x "$venv/bin/checkov" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi

say "creating .work/checkov-venv with $("$python" --version 2>&1) (about 30 s, 300 MB)"
rm -rf "$venv"  # rather than upgrading in place: no packages left over from old pins
if ! "$python" -m venv "$venv" 2>/dev/null; then
  rm -rf "$venv"
  if command -v apt-get >/dev/null && [[ "$(id -u)" == 0 ]]; then
    say "python3 -m venv failed (no ensurepip?): installing python3-venv"
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    "$python" -m venv "$venv"
  else
    say "python3 -m venv failed; install your distribution's python3-venv package"
    exit 1
  fi
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input --progress-bar off \
  -r "$requirements"
echo "$want" >"$stamp"
say "ready: checkov $("$venv/bin/checkov" --version)"
