#!/usr/bin/env bash
# Builds the simulated cluster's binaries from the Go module proxy, pinned by sim/tools/*/go.{mod,sum}:
# kube-apiserver, kube-controller-manager, kube-scheduler, kubectl (k8s.io/kubernetes), etcd, kwok,
# actionlint (checks the CI workflow), restic (the backup jobs' tool, the same version as their image),
# kube-state-metrics (the monitoring's, run against the simulated cluster: test/sim/kube-state-metrics.test.ts),
# and the Pulumi engine's pieces: the CLI (github.com/pulumi/pulumi/pkg/v3) and the kubernetes
# provider plugin (github.com/pulumi/pulumi-kubernetes/provider/v4), see docs/engine.md.
#
#   sim/build-tools.sh               # build what is missing (a warm run is a 0.1 s no-op)
#   sim/build-tools.sh kwok etcd     # only these (optional extra targets: kwokctl etcdctl)
#   sim/build-tools.sh --force kwok  # rebuild even if cached
#   sim/build-tools.sh --check       # exit 0 when every default binary is cached, 1 otherwise; builds nothing
#   sim/build-tools.sh --list        # "name version path" per default target; builds nothing
#   sim/build-tools.sh --key         # hash of tools/*/go.{mod,sum} + this script, e.g. for a CI cache key
#
# Output, outside the clone so every clone and CI run on the machine shares it, keyed by version:
#   ${GPU_JUPYTERHUB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gpu-jupyterhub}/tools/bin/<name>-<version>
#   .../tools/share/kwok-<version>/kwok.yaml (kwok's default stages)   .../tools/logs/<name>-<version>.log
# A cold build takes 17 to 21 minutes on 2 cores for the cluster (kube-apiserver alone 10 to 11) and
# about 18 more for the Pulumi CLI and provider; it fills ~7 GB of Go build cache and ~2 GB of modules.
# Needs Go >= the go line of tools/*/go.mod (1.26.0), and node for the provider's generate step.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${GPU_JUPYTERHUB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gpu-jupyterhub}/tools
BIN=$CACHE/bin
LOG=$CACHE/logs
say() { echo "[build-tools] $*"; }

# The installed Go only (a go/toolchain line must never download another toolchain), and modules
# strictly from the committed go.mod/go.sum. Static binaries.
export GOTOOLCHAIN=local
export GOFLAGS="-mod=readonly -buildvcs=false"
export CGO_ENABLED=0

DEFAULT_TARGETS=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok pulumi pulumi-resource-kubernetes actionlint restic kube-state-metrics)
# Rough cold build times on 2 cores, for the progress lines (the later k8s binaries reuse the apiserver's work).
declare -A EXPECTED=([etcd]=2m [kube-apiserver]=11m [kube-controller-manager]=4m [kube-scheduler]=1m
  [kubectl]=1m [kwok]=2m [kwokctl]=1m [etcdctl]=1m [pulumi]=10m [pulumi-resource-kubernetes]=8m [actionlint]=1m [restic]=3m [kube-state-metrics]=4m)

FORCE=0 MODE=build TARGETS=()
for a in "$@"; do
  case $a in
    --force) FORCE=1 ;;
    --list) MODE=list ;;
    --check) MODE=check ;;
    --key) cat "$HERE"/tools/*/go.mod "$HERE"/tools/*/go.sum "$HERE"/tools/*/main.go "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16; exit 0 ;;
    -h | --help) sed -n '2,20p' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) echo "unknown flag $a" >&2; exit 2 ;;
    *) TARGETS+=("$a") ;;
  esac
done
((${#TARGETS[@]})) || TARGETS=("${DEFAULT_TARGETS[@]}")

# Version of module $2 as pinned in tools/$1/go.mod (no go command: keeps warm runs fast).
modver() { awk -v m="$2" '($1==m && $2 ~ /^v[0-9]/){print $2; exit} ($1=="require" && $2==m){print $3; exit}' "$HERE/tools/$1/go.mod"; }
K8S_VER=$(modver k8s k8s.io/kubernetes)
ETCD_VER=$(modver etcd go.etcd.io/etcd/server/v3)
KWOK_VER=$(modver kwok sigs.k8s.io/kwok)
PULUMI_VER=$(modver pulumi github.com/pulumi/pulumi/pkg/v3)
ACTIONLINT_VER=$(modver actionlint github.com/rhysd/actionlint)
RESTIC_VER=$(modver restic github.com/restic/restic)
KSM_VER=$(modver kube-state-metrics k8s.io/kube-state-metrics/v2)
[[ -n $K8S_VER && -n $ETCD_VER && -n $KWOK_VER && -n $PULUMI_VER && -n $ACTIONLINT_VER && -n $RESTIC_VER && -n $KSM_VER ]] || { echo "cannot read versions from $HERE/tools/*/go.mod" >&2; exit 1; }
# The proxy serves the kubernetes provider only as this pseudo-version, which is the commit of release
# v4.25.0; the plugin reports (and is cached as) the release it is.
KUBE_PROVIDER_MOD=github.com/pulumi/pulumi-kubernetes/provider/v4
KUBE_PROVIDER_PSEUDO=$(modver pulumi-kubernetes $KUBE_PROVIDER_MOD)
case $KUBE_PROVIDER_PSEUDO in
  v4.0.0-20260115033456-f47bc2d6f199) KUBE_PROVIDER_VER=v4.25.0 ;;
  *) echo "tools/pulumi-kubernetes/go.mod pins $KUBE_PROVIDER_PSEUDO: name its release in ${BASH_SOURCE[0]}" >&2; exit 1 ;;
esac

# target -> "module-dir|version|package"
spec() {
  case $1 in
    kube-apiserver | kube-controller-manager | kube-scheduler | kubectl) echo "k8s|$K8S_VER|k8s.io/kubernetes/cmd/$1" ;;
    etcd) echo "etcd|$ETCD_VER|go.etcd.io/etcd/server/v3" ;; # server/main.go is package main
    etcdctl) echo "etcd|$ETCD_VER|go.etcd.io/etcd/etcdctl/v3" ;;
    kwok | kwokctl) echo "kwok|$KWOK_VER|sigs.k8s.io/kwok/cmd/$1" ;;
    pulumi) echo "pulumi|$PULUMI_VER|github.com/pulumi/pulumi/pkg/v3/cmd/pulumi" ;;
    pulumi-resource-kubernetes) echo "pulumi-kubernetes|$KUBE_PROVIDER_VER|." ;; # our main.go: upstream's, minus go generate
    actionlint) echo "actionlint|$ACTIONLINT_VER|github.com/rhysd/actionlint/cmd/actionlint" ;; # checks .github/workflows (test/ci)
    restic) echo "restic|$RESTIC_VER|github.com/restic/restic/cmd/restic" ;; # test/backup: the backup CronJobs' tool (restic/restic image)
    kube-state-metrics) echo "kube-state-metrics|$KSM_VER|k8s.io/kube-state-metrics/v2" ;; # the monitoring's image version
    *) echo "unknown target $1 (known: ${DEFAULT_TARGETS[*]} kwokctl etcdctl)" >&2; return 1 ;;
  esac
}

stages_file() { echo "$CACHE/share/kwok-$KWOK_VER/kwok.yaml"; }

if [[ $MODE == list ]]; then
  for t in "${TARGETS[@]}"; do IFS='|' read -r _ ver _ < <(spec "$t"); echo "$t $ver $BIN/$t-$ver"; done
  echo "kwok-stages $KWOK_VER $(stages_file)"
  exit 0
fi
if [[ $MODE == check ]]; then
  for t in "${TARGETS[@]}"; do IFS='|' read -r _ ver _ < <(spec "$t"); [[ -x $BIN/$t-$ver ]] || exit 1; done
  [[ -s $(stages_file) ]] || exit 1
  exit 0
fi

mkdir -p "$BIN" "$LOG"
# One build at a time per cache (a CI job and a developer on the same machine share it).
exec 9>"$CACHE/.lock"
if ! flock -n 9; then say "another build-tools.sh is building into $CACHE; waiting for it ..."; flock 9; fi

need_go() {
  command -v go >/dev/null || { echo "Go is needed to build the simulated cluster's tools (https://go.dev/dl/, >= 1.26); none on PATH" >&2; exit 1; }
  local want have
  want=$(awk '$1=="go"{print $2; exit}' "$HERE/tools/k8s/go.mod")
  have=$(go env GOVERSION); have=${have#go}
  if [[ $(printf '%s\n%s\n' "$want" "$have" | sort -V | head -1) != "$want" ]]; then
    echo "Go $have is too old: the pinned modules need Go >= $want (GOTOOLCHAIN=local: no toolchain download)" >&2; exit 1
  fi
}

ldflags() { # $1 target, $2 version
  local f="-s -w" t=$1 v=$2
  case $t in
    kube-state-metrics) f+=" -X github.com/prometheus/common/version.Version=${v#v}" ;; # before kube-*
    kube-* | kubectl)
      # Same variables as upstream hack/lib/version.sh. buildDate = the tag's time from the proxy, so
      # builds are reproducible; the commit is not in the module zip, so gitCommit stays empty.
      local date mm major minor p
      date=$(cd "$HERE/tools/k8s" && go list -m -f '{{if .Time}}{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}{{end}}' k8s.io/kubernetes)
      mm=${v#v}; major=${mm%%.*}; minor=${mm#*.}; minor=${minor%%.*}
      for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        f+=" -X $p.gitVersion=$v -X $p.gitMajor=$major -X $p.gitMinor=$minor"
        f+=" -X $p.gitTreeState=clean -X $p.gitCommit= -X $p.buildDate=${date:-1970-01-01T00:00:00Z}"
      done ;;
    etcd | etcdctl) f+=" -X go.etcd.io/etcd/api/v3/version.GitSHA=$v-gomodule" ;;
    kwok | kwokctl) f+=" -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${K8S_VER#v}" ;;
    pulumi) f+=" -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$v" ;;
    pulumi-resource-kubernetes) f+=" -X $KUBE_PROVIDER_MOD/pkg/version.Version=${v#v}" ;;
    actionlint) f+=" -X github.com/rhysd/actionlint.version=${v#v}" ;;
    restic) f+=" -X main.version=${v#v}" ;;
  esac
  echo "$f"
}

# Plain kwok needs Stage objects (kwokctl generates them, kwok does not): the same default set as
# kwokctl (node-initialize, node-heartbeat-with-lease, pod-ready/complete/delete), from the module source.
kwok_stages() {
  local out dir f
  out=$(stages_file)
  [[ -s $out && $FORCE == 0 ]] && return 0
  mkdir -p "${out%/*}"
  dir=$(cd "$HERE/tools/kwok" && go mod download sigs.k8s.io/kwok && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
  {
    echo "# generated by sim/build-tools.sh from sigs.k8s.io/kwok@$KWOK_VER kustomize/stage (kwokctl's defaults)"
    for f in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease \
      pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
      echo "---"; cat "$dir/kustomize/stage/$f.yaml"
    done
  } >"$out.tmp.$$" && mv -f "$out.tmp.$$" "$out"
  say "kwok $KWOK_VER: stages $out"
}

# Upstream's `go generate` step for the provider's main: the schema with its version set, and the
# terraform mapping, written next to tools/pulumi-kubernetes/main.go (git-ignored) for go:embed.
kube_provider_embeds() {
  local dir out=$HERE/tools/pulumi-kubernetes
  dir=$(cd "$out" && go mod download "$KUBE_PROVIDER_MOD" && go list -m -f '{{.Dir}}' "$KUBE_PROVIDER_MOD")
  node -e '
    const fs = require("node:fs");
    const [src, out, version] = process.argv.slice(1);
    const schema = JSON.parse(fs.readFileSync(`${src}/schema.json`, "utf8"));
    schema.version = version;
    fs.writeFileSync(`${out}/schema-embed.json`, JSON.stringify(schema));
    const mapping = JSON.parse(fs.readFileSync(`${src}/terraform-mapping.json`, "utf8"));
    fs.writeFileSync(`${out}/terraform-mapping-embed.json`, JSON.stringify(mapping));
  ' "$dir/cmd/pulumi-resource-kubernetes" "$out" "${KUBE_PROVIDER_VER#v}"
}

fmt_t() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# Prints a line every 30 s while a build runs, so a CI log shows it is alive.
ticker() {
  local name=$1 start=$SECONDS sleeper=
  trap 'kill $sleeper 2>/dev/null; exit 0' TERM # also ends the sleep, which would keep a caller's pipe open
  while :; do
    sleep 30 &
    sleeper=$!
    wait "$sleeper"
    say "  ... $name still building: $(fmt_t $((SECONDS - start))) (load $(cut -d' ' -f1 /proc/loadavg))"
  done
}

T0=$SECONDS built=0 cached=0 failed=() n=0 checked_go=0
for t in "${TARGETS[@]}"; do
  n=$((n + 1))
  IFS='|' read -r dir ver pkg < <(spec "$t")
  out=$BIN/$t-$ver
  if [[ -x $out && $FORCE == 0 ]]; then
    cached=$((cached + 1))
  else
    ((checked_go)) || { need_go; checked_go=1; }
    [[ $t == pulumi-resource-kubernetes ]] && kube_provider_embeds
    say "[$n/${#TARGETS[@]}] $t $ver: building $pkg (about ${EXPECTED[$t]:-?} cold on 2 cores; log $LOG/$t-$ver.log)"
    s=$SECONDS
    ticker "$t" &
    tick=$!
    if (cd "$HERE/tools/$dir" && go build -trimpath -ldflags "$(ldflags "$t" "$ver")" -o "$out.tmp.$$" "$pkg") >"$LOG/$t-$ver.log" 2>&1; then
      kill "$tick" 2>/dev/null; wait "$tick" 2>/dev/null || true
      mv -f "$out.tmp.$$" "$out"
      say "[$n/${#TARGETS[@]}] $t $ver: built in $(fmt_t $((SECONDS - s))) ($(du -h "$out" | cut -f1))"
      built=$((built + 1))
    else
      kill "$tick" 2>/dev/null; wait "$tick" 2>/dev/null || true
      rm -f "$out.tmp.$$"
      say "[$n/${#TARGETS[@]}] $t $ver: FAILED after $(fmt_t $((SECONDS - s))), see $LOG/$t-$ver.log" >&2
      tail -20 "$LOG/$t-$ver.log" >&2
      failed+=("$t")
      continue
    fi
  fi
  ln -sfn "$t-$ver" "$BIN/$t"
  if [[ $t == kwok ]]; then kwok_stages; fi
done
if ((built > 0 || ${#failed[@]} > 0)); then
  say "done in $(fmt_t $((SECONDS - T0))): built $built, cached $cached, failed ${#failed[@]} ${failed[*]:-}; $BIN"
else
  say "all ${#TARGETS[@]} tools cached in $BIN (k8s $K8S_VER, etcd $ETCD_VER, kwok $KWOK_VER, pulumi $PULUMI_VER, kubernetes provider $KUBE_PROVIDER_VER, restic $RESTIC_VER, kube-state-metrics $KSM_VER)"
fi
((${#failed[@]} == 0))
