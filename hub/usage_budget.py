"""Budgets in compute units (CU) per month: whose budget applies, what a start costs, and the check
before a spawn. Pure (no hub, no database): the caller passes what usage_accounting.used_cu found.

The budget of a user is their entry in the settings' usage.user_budgets, else the largest budget of
their groups (usage.group_budgets), else none (no limit). A start is refused when the CU left this
month do not cover `minimum_hours` of the chosen profile; below `warn_below` CU left it is warned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from profile_access import SpawnRefused


def budget_for(user: str, groups: Iterable[str], usage: Mapping[str, Any]) -> float | None:
    if user in usage["user_budgets"]:
        return float(usage["user_budgets"][user])
    budgets = [float(usage["group_budgets"][g]) for g in groups if g in usage["group_budgets"]]
    return max(budgets) if budgets else None


def profile_cost(profile: Mapping[str, Any], options: Mapping[str, Any], full_gpu_per_hour: float) -> float:
    """CU per hour of a start: the profile's price; a custom image's chosen full GPUs at the GPU price."""
    if "custom_image" in profile:
        gpus = str(options.get("gpus") or "0")
        if gpus.isdigit() and int(gpus) > 0:
            return int(gpus) * full_gpu_per_hour
    return float(profile["compute_units_per_hour"])


def cu(amount: float) -> str:
    """190, 2.5, 0.1: CU as people write them."""
    return f"{amount:.1f}".rstrip("0").rstrip(".") if amount % 1 else f"{amount:.0f}"


def check_budget(
    name: str, cost: float, used: float, budget: float | None, usage: Mapping[str, Any]
) -> str | None:
    """Raise SpawnRefused when the budget left does not cover the minimum hours of `name` at `cost`
    CU/h; return a warning when little is left; None otherwise (also without a budget)."""
    if budget is None:
        return None
    left = max(0.0, budget - used)
    state = f"you have used {cu(used)} of {cu(budget)} CU this month, {cu(left)} left"
    needed = cost * usage["minimum_hours"]
    if cost > 0 and left < needed:
        hours = usage["minimum_hours"]
        cover = f"; a start needs {cu(needed)} CU ({cu(hours)} h)" if hours != 1 else ""
        raise SpawnRefused(
            403,
            f"{name} costs {cu(cost)} CU/h; {state}{cover}. "
            "Pick a cheaper profile or ask the admins to raise your budget.",
        )
    if left < usage["warn_below"]:
        return f"{name} costs {cu(cost)} CU/h; {state}."
    return None
