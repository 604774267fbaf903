#!/usr/bin/env bash
# Builds promtool and prometheus v3.5.0 (the bundled Prometheus's image version) from the Go module
# proxy, pinned by sim/tools/promtool/go.{mod,sum}, into the cache sim/build-tools.sh uses, and
# prints promtool's path. The monitoring tests run them: `promtool check config` on the rendered
# prometheus.yml (Debian's prometheus package is built without Kubernetes service discovery, so its
# promtool refuses kubernetes_sd_configs), `check rules`, `test rules`, and a real Prometheus
# scraping a real hub. A cold build of both takes about 10 minutes on 2 cores (9 m 51 s measured, modules downloaded); a warm run is a no-op.
#
#   tools/ensure-promtool.sh            # build what is missing; print promtool's path
#   tools/ensure-promtool.sh --prometheus   # the same, print prometheus's path
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODULE=$ROOT/sim/tools/promtool
CACHE=${GPU_JUPYTERHUB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gpu-jupyterhub}/tools
VERSION=v3.5.0 # github.com/prometheus/prometheus v0.305.0 is release v3.5.0
grep -q 'github.com/prometheus/prometheus v0.305.0' "$MODULE/go.mod" || {
  echo "ensure-promtool: $MODULE/go.mod no longer pins v0.305.0; name its release in ${BASH_SOURCE[0]}" >&2
  exit 1
}
export GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0
mkdir -p "$CACHE/bin" "$CACHE/logs"
for name in promtool prometheus; do
  out=$CACHE/bin/$name-$VERSION
  [[ -x $out ]] && continue
  command -v go >/dev/null || { echo "ensure-promtool: Go is needed to build $name (README)" >&2; exit 1; }
  echo "ensure-promtool: building $name $VERSION (about 5 minutes cold; log $CACHE/logs/$name-$VERSION.log)" >&2
  (cd "$MODULE" && go build -trimpath -ldflags=-s -o "$out.tmp" "github.com/prometheus/prometheus/cmd/$name") \
    >"$CACHE/logs/$name-$VERSION.log" 2>&1 || { tail -20 "$CACHE/logs/$name-$VERSION.log" >&2; exit 1; }
  mv "$out.tmp" "$out"
done
if [[ ${1:-} == --prometheus ]]; then echo "$CACHE/bin/prometheus-$VERSION"; else echo "$CACHE/bin/promtool-$VERSION"; fi
