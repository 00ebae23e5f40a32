"""`--agent-backend` / `--caller-backend` switch every scenario's side without editing YAML."""

from __future__ import annotations

from crosstalk_harness.runner import plan_sessions

from .conftest import REPO, run_crosstalk


def test_plans_take_the_backend_override():
    plans = plan_sessions([REPO / "scenarios" / "store_hours.yaml"], backends={"agent": "openai"})
    scenario = plans[0].loaded.scenario
    assert scenario.agent.backend == "openai" and scenario.caller.backend == "offline"


def test_override_to_openai_without_a_key_names_the_flag(tmp_path):
    result = run_crosstalk(
        "run",
        str(REPO / "scenarios" / "store_hours.yaml"),
        "--caller-backend",
        "openai",
        "--out",
        str(tmp_path),
    )
    assert result.exit_code == 2
    assert (
        "--caller-backend: caller.backend: backend 'openai' needs OPENAI_API_KEY" in result.stderr
    )
