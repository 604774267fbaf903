#!/usr/bin/env bash
# Creates or updates the Python venv .work/venv from hub/requirements.txt (the hub's Python and its tests).
# Idempotent: a venv whose stored hash of the requirements and interpreter matches is reused untouched.
# Needs only python3 (>= 3.10); PYTHON=/path/to/python picks another interpreter.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.work/venv"
requirements="$root/hub/requirements.txt"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

say() { echo "python-env: $*" >&2; }

command -v "$python" >/dev/null || { say "$python not found; install Python 3.10 or newer"; exit 1; }
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' ||
  { say "$("$python" --version 2>&1) is too old; JupyterHub 5 and OAuthenticator 17 need Python 3.10 or newer"; exit 1; }

mkdir -p "$root/.work"
# One at a time: a second run (another `npm test`) waits instead of deleting the venv under the first.
exec 9>"$root/.work/python-env.lock"
if command -v flock >/dev/null; then flock 9; fi

# The interpreter's version is part of the hash: a new Python needs a new venv.
want="$("$python" -c 'import hashlib, sys; print(hashlib.sha256(sys.version.encode() + open(sys.argv[1], "rb").read()).hexdigest())' "$requirements")"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  say ".work/venv is up to date"
  exit 0
fi

if [[ -x "$venv/bin/python" && -f "$stamp" ]]; then
  say "hub/requirements.txt or $python changed: recreating .work/venv"
else
  say "creating .work/venv with $("$python" --version 2>&1)"
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

say "installing hub/requirements.txt"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input --progress-bar off \
  -r "$requirements"
echo "$want" >"$stamp"
say "ready: $("$venv/bin/python" -m pip list --disable-pip-version-check 2>/dev/null |
  grep -iE '^(jupyterhub|jupyterhub-kubespawner|oauthenticator|jupyterhub-idle-culler) ' | awk '{print $1 "=" $2}' | tr '\n' ' ')"
