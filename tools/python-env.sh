#!/usr/bin/env bash
# Creates or updates a Python venv from a pinned requirements file. Without arguments: .work/venv from
# hub/requirements.txt (the hub's Python and its tests). Other venvs, each apart so their pins never meet:
#   tools/python-env.sh --venv .work/singleuser-venv --requirements sim/singleuser/requirements.txt
#   tools/checkov-env.sh (= --venv .work/checkov-venv --requirements tools/checkov-requirements.txt)
# Paths are relative to the repository root. Idempotent: a venv whose stored hash of the requirements
# and interpreter matches is reused untouched. One lock per venv, so two runs for the same venv wait for
# each other and runs for different venvs do not. Needs only python3 (>= 3.10) and PyPI;
# PYTHON=/path/to/python picks another interpreter.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv_arg=".work/venv"
requirements_arg="hub/requirements.txt"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --venv) venv_arg="${2:?--venv needs a directory}"; shift 2 ;;
    --requirements) requirements_arg="${2:?--requirements needs a file}"; shift 2 ;;
    *) echo "usage: tools/python-env.sh [--venv DIR] [--requirements FILE]" >&2; exit 2 ;;
  esac
done
abs() { if [[ "$1" == /* ]]; then echo "$1"; else echo "$root/$1"; fi; }
venv="$(abs "$venv_arg")"
requirements="$(abs "$requirements_arg")"
name="${venv#"$root"/}"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

say() { echo "python-env: $*" >&2; }

[[ -f "$requirements" ]] || { say "no requirements file $requirements_arg"; exit 2; }
command -v "$python" >/dev/null || { say "$python not found; install Python 3.10 or newer"; exit 1; }
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' ||
  { say "$("$python" --version 2>&1) is too old; JupyterHub 5 and OAuthenticator 17 need Python 3.10 or newer"; exit 1; }

mkdir -p "$(dirname "$venv")"
# One at a time per venv: a second run (another `npm test`) waits instead of deleting the venv under the first.
exec 9>"$venv.lock"
if command -v flock >/dev/null; then flock 9; fi

# The interpreter's version is part of the hash: a new Python needs a new venv.
want="$("$python" -c 'import hashlib, sys; print(hashlib.sha256(sys.version.encode() + open(sys.argv[1], "rb").read()).hexdigest())' "$requirements")"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  say "$name is up to date"
  exit 0
fi

if [[ -x "$venv/bin/python" && -f "$stamp" ]]; then
  say "$requirements_arg or $python changed: recreating $name"
else
  say "creating $name with $("$python" --version 2>&1)"
fi
rm -rf "$venv"  # rather than upgrading in place: no packages left over from old pins
if ! "$python" -m venv "$venv" 2>/dev/null; then
  # Debian and Ubuntu ship venv's ensurepip in a separate package.
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

say "installing $requirements_arg"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input --progress-bar off \
  -r "$requirements"
echo "$want" >"$stamp"
# The pinned names (name==version lines) as installed; pip lists jupyter-server as jupyter_server.
pinned="$(sed -nE 's/^([A-Za-z0-9_.-]+)==.*/\1/p' "$requirements" | sed 's/[-_.]/[-_.]/g' | tr '\n' '|')"
say "ready: $name: $("$venv/bin/python" -m pip list --disable-pip-version-check 2>/dev/null |
  grep -iE "^(${pinned%|}) " | awk '{print $1 "=" $2}' | tr '\n' ' ')"
