#!/usr/bin/env bash
# Creates or updates the venv .work/checkov-venv from tools/checkov-requirements.txt (the manifest scan,
# npm run scan), with tools/python-env.sh. Kept apart from the hub's .work/venv: checkov's own pins must
# not meet JupyterHub's. Idempotent; the first install takes about 30 s and 300 MB.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec bash "$root/tools/python-env.sh" --venv .work/checkov-venv --requirements tools/checkov-requirements.txt
