"""JupyterHub's configuration: the hub settings document turned into traits.

Static on purpose: everything that differs between deployments is in the settings JSON
(components/jupyterhub/hub-settings.ts, mounted from the ConfigMap), and every secret reaches the
hub as an environment variable that JupyterHub, the proxy client or OAuthenticator read themselves:
CONFIGPROXY_AUTH_TOKEN, JPY_COOKIE_SECRET, JUPYTERHUB_CRYPT_KEY, OAUTH_CLIENT_SECRET, and
JUPYTERHUB_DB_PASSWORD or JUPYTERHUB_DB_URL, which only this file reads.

Files are found beside this one, so the same files work from the ConfigMap mount and from the repo.
The settings are checked against settings.schema.json (hub_settings.py) before anything is set.
"""

import os
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit

HERE = Path(os.path.abspath(__file__)).parent  # not resolve(): ConfigMap files are symlinks into ..data/
sys.path.insert(0, str(HERE))

from hub_settings import load_settings  # noqa: E402
from identity import pin_to_subject  # noqa: E402
from profile_access import check_spawn_request, user_access, visible_profiles  # noqa: E402

c = get_config()  # noqa: F821 (traitlets provides it)

SETTINGS_PATH = Path(os.environ.get("JUPYTERHUB_SETTINGS", "/usr/local/etc/jupyterhub/settings.json"))
settings = load_settings(SETTINGS_PATH)
hub, auth, culler = settings["hub"], settings["auth"], settings["culler"]
PROFILES = settings["profiles"]
ADMIN_GROUPS = frozenset(auth["admin_groups"])


def database_url(database: dict) -> str:
    # The external database's URL; set beside a postgres database it wins, so tests can use sqlite.
    url = os.environ.get("JUPYTERHUB_DB_URL")
    if url:
        return url
    if database["type"] != "postgres":
        raise SystemExit("database.type is 'external' but JUPYTERHUB_DB_URL is not set")
    password = os.environ.get("JUPYTERHUB_DB_PASSWORD")
    if not password:
        raise SystemExit("database.type is 'postgres' but JUPYTERHUB_DB_PASSWORD is not set")
    user = quote(database["user"], safe="")
    return (
        f"postgresql+psycopg2://{user}:{quote(password, safe='')}"
        f"@{database['host']}:{database['port']}/{database['name']}"
    )


# --- hub and proxy ---
c.JupyterHub.hub_bind_url = hub["bind_url"]
c.JupyterHub.hub_connect_url = hub["connect_url"]
c.JupyterHub.log_level = hub["log_level"]
c.JupyterHub.concurrent_spawn_limit = hub["concurrent_spawn_limit"]
c.JupyterHub.active_server_limit = hub["active_server_limit"] or 0
c.JupyterHub.cleanup_servers = False  # user pods and the proxy outlive a hub restart or upgrade
# After a restart, answer only once every server is checked: with the default 10 s the check of many
# servers finishes in the background, and JupyterHub adds their proxy routes only when the slowest of
# them has answered, so users whose spawn ended around the restart looped through the hub for minutes
# (npm run class, docs/sim.md). The wait is bounded by each server's http_timeout.
c.JupyterHub.init_spawners_timeout = -1
c.JupyterHub.db_url = database_url(settings["database"])
# A refused spawn (check_profile below) answers the API request only while the hub still waits for
# the spawn; z2jh's slow_spawn_timeout=0 would answer 202 and bury the refusal in the progress events.
c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 10}
c.ConfigurableHTTPProxy.should_start = False  # CHP runs in its own Deployment
c.ConfigurableHTTPProxy.api_url = settings["proxy"]["api_url"]

# --- sign-in: the identity provider over OAuth2/OIDC; the groups claim decides who may sign in and
# who is admin; each username stays bound to the subject that first used it (identity.py) ---
# JUPYTERHUB_TEST_AUTHENTICATOR (module.Class) lets the tests stand in for Authentik; never set in production.
c.JupyterHub.authenticator_class = os.environ.get("JUPYTERHUB_TEST_AUTHENTICATOR") or "generic-oauth"
oauth = c.GenericOAuthenticator
oauth.login_service = auth["login_service"]
oauth.client_id = auth["client_id"]
oauth.authorize_url = auth["authorize_url"]
oauth.token_url = auth["token_url"]
oauth.userdata_url = auth["userdata_url"]
oauth.oauth_callback_url = auth["callback_url"]
oauth.scope = list(auth["scope"])
oauth.username_claim = auth["username_claim"]
oauth.manage_groups = True
oauth.auth_state_groups_key = auth["auth_state_groups_key"]
oauth.allowed_groups = set(auth["allowed_groups"])
oauth.admin_groups = set(ADMIN_GROUPS)
if auth["logout_redirect_url"]:  # the provider's end-session URL: logging out ends its session too
    oauth.logout_redirect_url = auth["logout_redirect_url"]
c.Authenticator.post_auth_hook = pin_to_subject(auth["subject_claim"], auth["login_service"])
c.Authenticator.admin_users = set(hub["admin_users"])
c.Authenticator.enable_auth_state = True


# --- spawner: the settings' defaults, then the profile the user picked ---
def profile_list(spawner) -> list[dict]:
    entries = visible_profiles(PROFILES, *user_access(spawner.user, ADMIN_GROUPS))
    return usage_hooks.annotate(spawner.user, entries) if usage_hooks else entries  # prices, budget left


def check_profile(spawner) -> None:
    """Refuse a profile the user may not use, or a bad custom image, before KubeSpawner creates anything.
    A request without a profile gets the default's name, so KubeSpawner applies the profile checked."""
    options = dict(spawner.user_options or {})
    options["profile"] = check_spawn_request(options, profile_list(spawner), spawner.user.name)
    if usage_hooks:  # the month's budget must cover the profile's minimum hours (usage_hooks.py)
        usage_hooks.check(spawner, options["profile"], options)
    spawner.user_options = options


# KubeSpawner that retries a create lost to a ResourceQuota update conflict and compiles the spawn
# page's template once (platform_spawner.py).
# JUPYTERHUB_TEST_SPAWNER (module.Class): the tests' stand-in for Kubernetes (test/hub/local_spawner.py);
# never set in production.
c.JupyterHub.spawner_class = os.environ.get("JUPYTERHUB_TEST_SPAWNER") or "platform_spawner.PlatformSpawner"
for key, value in settings["spawner"].items():
    setattr(c.KubeSpawner, key, value)
c.KubeSpawner.profile_list = profile_list
c.KubeSpawner.pre_spawn_hook = check_profile
# KubeSpawner 7.0 applies user_options itself in start(); without a hook JupyterHub 5.3+ warns at
# every spawn that they were "unhandled", which reads as if profiles were ignored.
c.KubeSpawner.apply_user_options = lambda spawner, user_options: None
c.KubeSpawner.additional_profile_form_template_paths = [str(HERE / "templates")]

# --- culling: the hub-wide idle culler, plus each profile's own idle timeout and maximum runtime ---
# The services talk to the hub in the same pod: through the hub Service, NetworkPolicy would apply.
hub_port = urlsplit(hub["bind_url"]).port or 8081
api_url = f"http://127.0.0.1:{hub_port}/hub/api"
CULLER_SCOPES = ["list:users", "read:users:activity", "read:servers", "delete:servers"]
c.JupyterHub.services = []
c.JupyterHub.load_roles = []
if culler["enabled"]:
    # `=true` on flags: idle-culler 1.x (tornado options) takes it, and 2.x requires it.
    idle_culler = [
        sys.executable,
        "-m",
        "jupyterhub_idle_culler",
        f"--url={api_url}",
        f"--timeout={culler['timeout']}",
        f"--cull-every={culler['every']}",
        f"--concurrency={culler['concurrency']}",
    ]
    if culler["max_age"]:
        idle_culler.append(f"--max-age={culler['max_age']}")
    if culler["remove_named_servers"]:
        idle_culler.append("--remove-named-servers=true")
    if culler["users"]:
        idle_culler.append("--cull-users=true")
    c.JupyterHub.services.append({"name": "jupyterhub-idle-culler", "command": idle_culler})
    c.JupyterHub.load_roles.append(
        {
            "name": "jupyterhub-idle-culler",
            "scopes": CULLER_SCOPES + (["admin:users"] if culler["users"] else []),
            "services": ["jupyterhub-idle-culler"],
        }
    )
    if any(p.get("idle_timeout") or p.get("max_runtime") for p in PROFILES):
        # Every minute (the limits are 30 minutes and more, and one user list a minute costs the hub
        # little), or as often as the hub-wide culler looks when that is more often.
        profile_culler = [
            sys.executable,
            str(HERE / "profile_culler.py"),
            f"--url={api_url}",
            f"--settings={SETTINGS_PATH}",
            f"--every={min(60, culler['every'])}",
        ]
        c.JupyterHub.services.append({"name": "profile-culler", "command": profile_culler})
        c.JupyterHub.load_roles.append(
            {"name": "profile-culler", "scopes": CULLER_SCOPES, "services": ["profile-culler"]}
        )

# --- metrics: Prometheus reads /hub/metrics with a service token of scope read:metrics only ---
# The token comes from Secret `hub` (key metrics-token) when monitoring is enabled; without it
# /hub/metrics stays closed (authenticate_prometheus, JupyterHub's default, is left on).
metrics_token = os.environ.get("JUPYTERHUB_METRICS_TOKEN")
if metrics_token:
    c.JupyterHub.services.append({"name": "metrics-scraper", "api_token": metrics_token})
    c.JupyterHub.load_roles.append(
        {"name": "metrics-scraper", "scopes": ["read:metrics"], "services": ["metrics-scraper"]}
    )

# --- the idle-GPU notifier (monitoring.notifier): emails a user whose GPU stays idle, once per idle period ---
notifier = settings.get("idle_gpu_notifier")
if notifier:
    from idle_gpu_notices import CUSTOM_SCOPES as NOTICE_SCOPES

    smtp_password = os.environ.get("IDLE_GPU_NOTIFIER_SMTP_PASSWORD")  # Secret hub, with smtp_user
    c.JupyterHub.services.append(
        {
            "name": "idle-gpu-notifier",
            "command": [
                sys.executable,
                str(HERE / "idle_gpu_notifier.py"),
                f"--api-url={api_url}",
                f"--prometheus-url={notifier['prometheus_url']}",
                f"--hub-url={settings['public_url']}",
                f"--every={notifier['every']}",
                f"--stop-after={notifier['stop_after']}",
                f"--smtp-host={notifier['smtp_host']}",
                f"--smtp-port={notifier['smtp_port']}",
                f"--smtp-from={notifier['smtp_from']}",
                *(["--smtp-starttls"] if notifier["smtp_starttls"] else []),
                *([f"--smtp-user={notifier['smtp_user']}"] if notifier.get("smtp_user") else []),
                *([f"--subject={notifier['subject']}"] if "subject" in notifier else []),
                *([f"--body={notifier['body']}"] if "body" in notifier else []),
            ],
            # A service gets only the environment given here (and JupyterHub's own variables).
            # What it has done is kept in the hub's database (idle_gpu_memory.py), so a restart sends no second email.
            "environment": {
                "IDLE_GPU_NOTIFIER_DB_URL": c.JupyterHub.db_url,
                **({"IDLE_GPU_NOTIFIER_SMTP_PASSWORD": smtp_password} if smtp_password else {}),
            },
        }
    )
    c.JupyterHub.custom_scopes = NOTICE_SCOPES  # its notices on the users' pages (block at the end)
    # The pod's name is in the server's state; the email claim in the auth state. The service runs in
    # the hub's pod, which holds both already.
    c.JupyterHub.load_roles.append(
        {
            "name": "idle-gpu-notifier",
            "scopes": [
                "list:users",
                "read:users:name",
                "read:servers",
                "admin:server_state",
                "admin:auth_state",
                "delete:servers",
                *NOTICE_SCOPES,
            ],
            "services": ["idle-gpu-notifier"],
        }
    )

# --- usage accounting and budgets (settings' usage): runtime in CU in the database's schema `usage` ---
usage_hooks = None
if settings.get("usage"):
    import stop_causes
    from usage_audit import audited_login
    from usage_hooks import UsageHooks

    usage_db_url = os.environ.get("JUPYTERHUB_USAGE_DB_URL") or c.JupyterHub.db_url
    usage_hooks = UsageHooks(settings["usage"], PROFILES, usage_db_url)
    usage_hooks.recover_from_hub_db(c.JupyterHub.db_url)
    c.EventLogger.handlers = [usage_hooks.event_handler()]  # JupyterHub's server-action events
    c.KubeSpawner.post_stop_hook = usage_hooks.post_stop
    stop_causes.install()  # who asked for each stop: user, admin, a service, or the server died (stop_causes.py)
    c.Authenticator.post_auth_hook = audited_login(c.Authenticator.post_auth_hook)  # audit lines: login
    for service in c.JupyterHub.services:  # the profile culler names its causes (idle-cull, max-runtime)
        if service["name"] == "profile-culler":
            service["environment"] = {"JUPYTERHUB_USAGE_DB_URL": usage_db_url}
    # budget_enforcer.py: stops a server over budget after the grace; opens runs whose start was missed
    c.JupyterHub.services.append(
        {
            "name": "budget-enforcer",
            "command": [
                sys.executable,
                str(HERE / "budget_enforcer.py"),
                f"--url={api_url}",
                f"--settings={SETTINGS_PATH}",
                "--every=60",
            ],
            "environment": {
                "JUPYTERHUB_USAGE_DB_URL": usage_db_url,
                # its audit lines to budget-enforcer.jsonl for the shipper too (usage_audit.py)
                **{k: v for k, v in os.environ.items() if k in ("JUPYTERHUB_AUDIT_DIR", "JUPYTERHUB_AUDIT_MAX_BYTES")},
            },
        }
    )
    # Its notices on the users' pages (budget_notices.py; shown by the block at the end)
    from budget_notices import CUSTOM_SCOPES as BUDGET_NOTICE_SCOPES

    c.JupyterHub.custom_scopes = {**c.JupyterHub.get("custom_scopes", {}), **BUDGET_NOTICE_SCOPES}
    c.JupyterHub.load_roles.append(
        {
            "name": "budget-enforcer",
            "scopes": ["list:users", "read:users:groups", "read:servers", "delete:servers", *BUDGET_NOTICE_SCOPES],
            "services": ["budget-enforcer"],
        }
    )

    # --- usage: the admins' report, GET /hub/api/usage?month=YYYY-MM[&user=][&group=] (usage_handlers.py) ---
    from usage_handlers import usage_handlers

    c.JupyterHub.extra_handlers = [
        *c.JupyterHub.get("extra_handlers", []),
        *usage_handlers(usage_hooks, settings["usage"], ADMIN_GROUPS),
    ]
    # ... and as a page, /hub/usage (usage_page.py), with a "Usage" link in the admins' nav bar
    # (templates/page.html extends JupyterHub's own).
    from usage_page import usage_page_handlers

    c.JupyterHub.extra_handlers.extend(usage_page_handlers(usage_hooks, settings["usage"], ADMIN_GROUPS))
    c.JupyterHub.template_paths = [str(HERE / "templates")]

# --- capacity (settings' capacity): free places on each card, a full profile refused at once, the line ---
if settings["capacity"]["enabled"]:
    from capacity_handlers import capacity_handlers, script_url, server_lookup
    from live_capacity import LiveCapacity

    capacity = LiveCapacity(settings)
    capacity_page = {"refresh": capacity.refresh, "script": script_url()}  # what the form's template needs
    if capacity.queue_enabled and settings.get("idle_gpu_notifier"):  # offers by email too (capacity_mail.py)
        from capacity_mail import auth_state_email, offer_mailer
        from idle_gpu_notifier import smtp_sender

        mail = settings["idle_gpu_notifier"]
        login = mail.get("smtp_user"), os.environ.get("IDLE_GPU_NOTIFIER_SMTP_PASSWORD")  # as the notifier logs in
        send = smtp_sender(mail["smtp_host"], mail["smtp_port"], mail["smtp_from"], mail["smtp_starttls"], *login)
        capacity.on_offer = offer_mailer(send, auth_state_email(), settings["public_url"], capacity.profiles)
    # capacity's handlers first, then any set above (the usage report)
    c.JupyterHub.extra_handlers = [
        *capacity_handlers(capacity, PROFILES, ADMIN_GROUPS),
        *c.JupyterHub.get("extra_handlers", []),
    ]

    # Sync hooks: the figures are in memory once the watch cache has loaded; until then (the first
    # second after a hub start, or while the API cannot be read) there are no figures and no refusals.
    def profile_list_with_places(spawner) -> list[dict]:
        entries = profile_list(spawner)
        if capacity.loaded():
            lookup = server_lookup(spawner.user.settings["users"])
            admin = user_access(spawner.user, ADMIN_GROUPS)[1]  # admins also see who is in line
            for entry in entries:
                entry["capacity"] = capacity.card(entry["slug"], spawner.user.name, lookup, admin)
                entry["capacity_page"] = capacity_page
        return entries

    def check_profile_and_place(spawner) -> None:
        check_profile(spawner)  # who may start what, the budget: refusals that do not depend on the cluster
        if capacity.loaded():
            allowed = [entry["slug"] for entry in profile_list(spawner)]
            lookup = server_lookup(spawner.user.settings["users"])
            starting = lambda: spawner.pending == "spawn"  # noqa: E731 (the place is held while this holds)
            capacity.check(spawner.user.name, spawner.user_options, spawner.pod_name, allowed, lookup, starting)

    c.KubeSpawner.profile_list = profile_list_with_places
    c.KubeSpawner.pre_spawn_hook = check_profile_and_place

# --- notices on the users' hub pages (hub_notices.py): the idle-GPU notifier's, and the budget's (from the
# check before a spawn and the budget enforcer); JupyterHub's announcement slot shows them all. Services
# put theirs up through the hub's API. Last: it adds to the handlers set above. ---
notice_boards = []
if notifier:
    from idle_gpu_notices import IdleGpuNotices

    notice_boards.append(IdleGpuNotices())
if usage_hooks:
    notice_boards.append(usage_hooks.notices)
if notice_boards:
    from hub_notices import HubNotices

    handlers = [handler for board in notice_boards for handler in board.handlers()]
    c.JupyterHub.extra_handlers = [*c.JupyterHub.get("extra_handlers", []), *handlers]
    c.JupyterHub.template_vars = {"announcement": HubNotices(notice_boards).announcement}
