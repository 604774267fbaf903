"""serve_hub.py's real hub, with KubeSpawner pointed at a cluster instead of a closed port: the
hub-on-sim test (test/sim/hub-spawn.test.ts) passes a kubeconfig of the hub's ServiceAccount in the
simulated cluster, so KubeSpawner (outside a pod it falls back to load_kube_config) creates real
claims and pods there with exactly the rights the rendered RBAC gives the hub.

    .work/venv/bin/python test/hub/serve_hub_on_sim.py KUBECONFIG

Everything else as serve_hub.py: one JSON line {"url", "pid", "log"} once /hub/health answers, then
serves until standard input closes or SIGTERM/SIGINT, and stops the hub and its services.
"""

from __future__ import annotations

import sys
from pathlib import Path

import serve_hub


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: serve_hub_on_sim.py KUBECONFIG", file=sys.stderr)
        return 2
    kubeconfig = Path(sys.argv[1]).resolve()
    if not kubeconfig.is_file():
        print(f"serve_hub_on_sim: no kubeconfig at {kubeconfig}", file=sys.stderr)
        return 2
    # start_hub() takes the kubeconfig from this module-level function: this one leads to the cluster.
    serve_hub.kubeconfig = lambda folder: kubeconfig
    return serve_hub.main()


if __name__ == "__main__":
    sys.exit(main())
