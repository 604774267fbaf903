"""serve_hub.py's real hub signing users in through a real OpenID Connect provider instead of
Authentik's stand-in: no JUPYTERHUB_TEST_AUTHENTICATOR, so the real GenericOAuthenticator does the
whole authorization-code flow (redirect, code exchange with the client secret, userinfo) against the
provider the Node test started (sim/identity-provider/).

    .work/venv/bin/python test/hub/serve_hub_oidc.py PLAN.json

PLAN.json: {"hub_port": N, "auth": {authorize_url, token_url, userdata_url, callback_url,
logout_redirect_url}, "client_secret_file": PATH, "kubeconfig": PATH (optional)}. The client secret
is read from its file (the caller's, mode 0600) into the hub's OAUTH_CLIENT_SECRET, never printed.

Everything else as serve_hub.py: one JSON line {"url", "pid", "log"} once /hub/health answers, then
serves until standard input closes or SIGTERM/SIGINT, and stops the hub and its services.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import serve_hub
from conftest import render_settings
from test_real_hub import ProxyApiStub, RunningHub, launch_hub

AUTH_KEYS = ("authorize_url", "token_url", "userdata_url", "callback_url", "logout_redirect_url")


def launch(folder: Path, plan: dict[str, Any], proxy: ProxyApiStub) -> tuple[subprocess.Popen, RunningHub]:
    """test_real_hub.launch_hub's hub, with the plan's OAuth endpoints and secret and no stand-in."""
    url = f"http://127.0.0.1:{plan['hub_port']}"
    settings = json.loads(render_settings(serve_hub.STACK))
    settings["auth"].update({key: plan["auth"][key] for key in AUTH_KEYS})
    kubeconfig = Path(plan["kubeconfig"]) if plan.get("kubeconfig") else serve_hub.kubeconfig(folder)
    client_secret = Path(plan["client_secret_file"]).read_text(encoding="utf-8").strip()
    process, _, settings_file, log_file = launch_hub(
        folder,
        settings,
        url,
        proxy.server_port,
        kubeconfig=kubeconfig,
        authenticator=None,
        extra_env={"OAUTH_CLIENT_SECRET": client_secret},
    )
    return process, RunningHub(url, log_file, settings_file, proxy, [])


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: serve_hub_oidc.py PLAN.json", file=sys.stderr)
        return 2
    plan = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))

    # serve_hub.main() starts the proxy stub, waits for /hub/health, prints the line and stops
    # everything; only how the hub is launched differs.
    serve_hub.start_hub = lambda folder, proxy: launch(folder, plan, proxy)
    return serve_hub.main()


if __name__ == "__main__":
    sys.exit(main())
