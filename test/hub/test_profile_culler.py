"""hub/profile_culler.py's decision: which servers outlived their profile's idle_timeout or max_runtime."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from profile_culler import Hub, Stop, servers_to_stop

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def ago(**delta: float) -> str:
    return (NOW - timedelta(**delta)).isoformat().replace("+00:00", "Z")  # the hub's format


def user(
    name: str,
    profile: str | None,
    *,
    started: str,
    last_activity: str | None = None,
    server: str = "",
    pending: str | None = None,
) -> dict[str, Any]:
    options = {"profile": profile} if profile else {}
    return {
        "name": name,
        "servers": {
            server: {
                "name": server,
                "started": started,
                "pending": pending,
                "last_activity": last_activity or started,
                "user_options": options,
            }
        },
    }


@pytest.fixture(scope="module")
def profiles(settings: dict[str, Any]) -> list[dict[str, Any]]:
    return settings["profiles"]  # prod: GPU profiles 1800 s idle, 28800 s running; cpu-default neither


def test_a_gpu_server_idle_past_its_profile_timeout_is_stopped(profiles: list[dict[str, Any]]) -> None:
    users = [user("ada", "gpu-pytorch-single", started=ago(hours=1), last_activity=ago(minutes=31))]
    assert servers_to_stop(users, profiles, NOW) == [
        Stop(
            "ada", "", f"idle since {ago(minutes=31)}, longer than gpu-pytorch-single's idle_timeout of 1800s"
        )
    ]


def test_a_gpu_server_in_use_within_its_limits_keeps_running(profiles: list[dict[str, Any]]) -> None:
    users = [user("ada", "mig-1g-5gb", started=ago(hours=7, minutes=59), last_activity=ago(minutes=29))]
    assert servers_to_stop(users, profiles, NOW) == []


def test_a_busy_gpu_server_past_its_maximum_runtime_is_stopped(profiles: list[dict[str, Any]]) -> None:
    users = [user("ada", "gpu-tensorflow-dual", started=ago(hours=8), last_activity=ago(seconds=5))]
    assert servers_to_stop(users, profiles, NOW) == [
        Stop(
            "ada",
            "",
            f"running since {ago(hours=8)}, longer than gpu-tensorflow-dual's max_runtime of 28800s",
        )
    ]


def test_the_cpu_profile_has_no_own_limits(profiles: list[dict[str, Any]]) -> None:
    users = [user("bob", "cpu-default", started=ago(days=3), last_activity=ago(days=2))]
    assert servers_to_stop(users, profiles, NOW) == []


def test_a_server_started_without_options_counts_as_the_default_profile(
    profiles: list[dict[str, Any]],
) -> None:
    users = [user("bob", None, started=ago(days=3), last_activity=ago(days=2))]
    assert servers_to_stop(users, profiles, NOW) == []


def test_a_server_still_starting_or_stopping_is_left_alone(profiles: list[dict[str, Any]]) -> None:
    users = [
        user("ada", "gpu-pytorch-single", started=ago(hours=9), pending="spawn"),
        user("eve", "gpu-pytorch-single", started=ago(hours=9), pending="stop"),
    ]
    assert servers_to_stop(users, profiles, NOW) == []


def test_named_servers_and_profiles_no_longer_configured(profiles: list[dict[str, Any]]) -> None:
    users = [
        user("ada", "custom-image", started=ago(hours=2), last_activity=ago(hours=1), server="bio"),
        user("eve", "gone-profile", started=ago(days=9)),
    ]
    assert [(s.user, s.server) for s in servers_to_stop(users, profiles, NOW)] == [("ada", "bio")]


def test_a_server_without_activity_is_idle_since_it_started(profiles: list[dict[str, Any]]) -> None:
    users = [user("ada", "mig-2g-10gb", started=ago(minutes=45))]
    users[0]["servers"][""]["last_activity"] = None
    assert [s.user for s in servers_to_stop(users, profiles, NOW)] == ["ada"]


def test_the_hub_is_read_page_by_page() -> None:
    class PagedHub(Hub):
        def __init__(self) -> None:
            super().__init__("http://hub/hub/api/", "token")
            self.paths: list[str] = []

        def request(self, method: str, path: str, accept: str = "application/json") -> Any:
            self.paths.append(path)
            offset = int(path.split("offset=")[1].split("&")[0])
            following = {"offset": offset + 200, "limit": 200} if offset < 400 else None
            return {"items": [{"name": f"user{offset}"}], "_pagination": {"next": following}}

    hub = PagedHub()
    assert [u["name"] for u in hub.active_users()] == ["user0", "user200", "user400"]
    assert hub.paths[1] == "/users?state=active&offset=200&limit=200"
