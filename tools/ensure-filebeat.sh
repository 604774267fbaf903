#!/usr/bin/env bash
# Builds Filebeat 7.17.29 (the OSS build: github.com/elastic/beats/v7/filebeat, Apache-2.0, the same
# code as the image docker.elastic.co/beats/filebeat-oss:7.17.29 the audit shipper runs) from the Go
# module proxy, pinned by sim/tools/filebeat/go.{mod,sum} (beats' own replace directives copied there:
# a dependency's replaces do not apply), into the cache sim/build-tools.sh uses, and prints its path.
# The audit shipper's tests run it: `filebeat test config` on the rendered filebeat.yml and a real run
# over audit lines the hub's Python writes. v7.17.29 is the newest release the module proxy serves
# here (v7.17.30 to .32 refused); beats 8.x and 9.x keep the module path /v7 with v8/v9 tags, so no
# module version names them (the pseudo-versions tried were refused too). A cold build takes about
# 8 minutes on 2 cores (7 m 49 s measured with an empty module and build cache, on a machine
# busy with other builds); a warm run is a no-op.
#
#   tools/ensure-filebeat.sh     # build if missing; print filebeat's path
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODULE=$ROOT/sim/tools/filebeat
CACHE=${GPU_JUPYTERHUB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gpu-jupyterhub}/tools
VERSION=7.17.29 # config/schema/audit.ts FILEBEAT_VERSION: the image's tag
grep -q "github.com/elastic/beats/v7 v$VERSION" "$MODULE/go.mod" || {
  echo "ensure-filebeat: $MODULE/go.mod no longer pins v$VERSION; name its release in ${BASH_SOURCE[0]}" >&2
  exit 1
}
export GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0
mkdir -p "$CACHE/bin" "$CACHE/logs"
out=$CACHE/bin/filebeat-$VERSION
if [[ ! -x $out ]]; then
  command -v go >/dev/null || { echo "ensure-filebeat: Go is needed to build filebeat (README)" >&2; exit 1; }
  log=$CACHE/logs/filebeat-$VERSION.log
  echo "ensure-filebeat: building filebeat $VERSION (about 8 minutes cold; log $log)" >&2
  start=$SECONDS
  (cd "$MODULE" && go build -trimpath -ldflags=-s -o "$out.tmp" github.com/elastic/beats/v7/filebeat) \
    >"$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }
  mv "$out.tmp" "$out"
  echo "ensure-filebeat: built in $((SECONDS - start)) s" >&2
fi
echo "$out"
