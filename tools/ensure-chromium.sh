#!/usr/bin/env bash
# Installs Debian's Chromium (for the spawn-page browser test) when it is missing. Never downloads a
# browser build of its own: the package comes from Debian's archive. About 50 s on a new machine.
set -euo pipefail
if [[ -x /usr/bin/chromium ]]; then
  echo "ensure-chromium: $(/usr/bin/chromium --version 2>/dev/null | head -1)" >&2
  exit 0
fi
if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
  echo "ensure-chromium: /usr/bin/chromium is missing; install it as root: apt-get update && apt-get install -y chromium" >&2
  exit 1
fi
echo "ensure-chromium: installing Debian's chromium (apt-get, about a minute)" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
echo "ensure-chromium: $(/usr/bin/chromium --version 2>/dev/null | head -1)" >&2
