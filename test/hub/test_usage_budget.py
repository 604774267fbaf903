"""The budget rules, without a hub or a database: whose budget applies, what a start costs, when a
start is refused or warned, and the message's figures."""

from __future__ import annotations

import pytest
from profile_access import SpawnRefused
from usage_budget import budget_for, check_budget, cu, profile_cost

USAGE = {
    "group_budgets": {"cps-students": 20, "cpsHPCAccess": 200},
    "user_budgets": {"alice": 500},
    "minimum_hours": 1,
    "warn_below": 20,
}


def test_a_users_own_budget_wins_else_the_largest_of_their_groups_else_none() -> None:
    assert budget_for("alice", ["cps-students"], USAGE) == 500
    assert budget_for("bob", ["cps-students", "cpsHPCAccess"], USAGE) == 200
    assert budget_for("carol", ["jupyter_admin"], USAGE) is None


def test_a_custom_images_chosen_gpus_cost_the_full_gpu_price() -> None:
    custom = {"compute_units_per_hour": 8, "custom_image": {}}
    assert profile_cost(custom, {"gpus": "2"}, 8) == 16
    assert profile_cost(custom, {"gpus": "0"}, 8) == 8
    assert profile_cost({"compute_units_per_hour": 0.1}, {}, 8) == 0.1


def test_10_cu_left_start_a_mig_slice_with_a_warning_and_not_two_gpus() -> None:
    warning = check_budget("MIG 1g.5gb", 1, 190, 200, USAGE)
    assert warning == "MIG 1g.5gb costs 1 CU/h; you have used 190 of 200 CU this month, 10 left."
    with pytest.raises(SpawnRefused) as refused:
        check_budget("GPU: PyTorch (2×)", 16, 190, 200, USAGE)
    assert refused.value.status_code == 403
    assert refused.value.message == (
        "GPU: PyTorch (2×) costs 16 CU/h; you have used 190 of 200 CU this month, 10 left. "
        "Pick a cheaper profile or ask the admins to raise your budget."
    )


def test_plenty_left_is_silent_an_exhausted_budget_refuses_even_cpu_and_no_budget_never_refuses() -> None:
    assert check_budget("CPU", 0.1, 50, 200, USAGE) is None
    with pytest.raises(SpawnRefused, match="used 200.5 of 200 CU this month, 0 left"):
        check_budget("CPU", 0.1, 200.5, 200, USAGE)
    assert check_budget("GPU", 16, 10_000, None, USAGE) is None


def test_cu_are_written_as_people_write_them() -> None:
    assert [cu(190), cu(2.5), cu(0.1), cu(189.99999)] == ["190", "2.5", "0.1", "190"]
