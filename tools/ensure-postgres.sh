#!/usr/bin/env bash
# Installs Debian's PostgreSQL server binaries (for the tests that run a real database, e.g. the
# hub database's password-follows-secret script) when they are missing. The server is not started:
# each test starts its own on a free port. Debian's `postgresql` package also creates the
# `postgres` user the tests run the server as.
set -euo pipefail
found() { compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null && id postgres >/dev/null 2>&1; }
if found; then
  echo "ensure-postgres: $(ls -d /usr/lib/postgresql/*/bin/postgres | tail -1)" >&2
  exit 0
fi
if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
  echo "ensure-postgres: PostgreSQL's server is missing; install it as root: apt-get update && apt-get install -y postgresql" >&2
  exit 1
fi
echo "ensure-postgres: installing Debian's postgresql (apt-get, about a minute)" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
echo "ensure-postgres: $(ls -d /usr/lib/postgresql/*/bin/postgres | tail -1)" >&2
