"""Agent factories and checks named by module are loaded from the scenario's own folder: two
folders that each have an `agent.py` (an A/B comparison) run their own agents and checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from crosstalk_harness.config import load_scenario
from crosstalk_harness.errors import EXIT_BAD_INPUT, EXIT_INFRASTRUCTURE, ConfigError
from crosstalk_harness.judging.check_names import find_check
from crosstalk_harness.runner.agent_loader import load_agent, resolve_factory

from .conftest import run_crosstalk

AGENT = """
from livekit.agents import Agent


class Version(Agent):
    def __init__(self) -> None:
        super().__init__(instructions="{version}")


def create_agent() -> Agent:
    return Version()
"""

CHECKS = """
from crosstalk_harness.judging.registry import check
from crosstalk_harness.judging.verdicts import Verdict


@check("said_{version}")
def said(session, arguments):
    return Verdict.passed("said_{version}", "check", "{version}")
"""

SCENARIO = """name: ab_{version}
persona: ../../tests/fixtures/personas/short_caller.yaml
agent:
  factory: agent:create_agent
success:
  checks:
    - checks:said
"""


def _folder(root: Path, version: str) -> Path:
    folder = root / version
    folder.mkdir(parents=True)
    (folder / "agent.py").write_text(AGENT.format(version=version))
    (folder / "checks.py").write_text(CHECKS.format(version=version))
    (folder / "scenario.yaml").write_text(SCENARIO.format(version=version))
    return folder / "scenario.yaml"


@pytest.fixture
def scenarios(tmp_path, monkeypatch):
    root = tmp_path / "ab"
    personas = tmp_path / "tests" / "fixtures" / "personas"
    personas.mkdir(parents=True)
    source = Path(__file__).parent / "fixtures" / "personas" / "short_caller.yaml"
    (personas / "short_caller.yaml").write_text(source.read_text())
    monkeypatch.chdir(tmp_path)
    return [load_scenario(_folder(root, version)) for version in ("v1", "v2")]


def test_two_folders_with_agent_py_each_run_their_own_agent(scenarios):
    agents = [load_agent(loaded, backend="offline") for loaded in scenarios]
    assert [agent.instructions for agent in agents] == ["v1", "v2"]
    first, second = (resolve_factory(loaded) for loaded in scenarios)
    assert first is not second
    assert resolve_factory(scenarios[0]) is first, "one file is loaded once"


def test_two_folders_with_checks_py_each_use_their_own_check(scenarios):
    found = [find_check("checks:said", loaded.scenario_path.parent) for loaded in scenarios]
    assert [definition.name for definition in found] == ["said_v1", "said_v2"]


def test_a_module_that_fails_to_import_is_a_one_line_config_error(scenarios):
    (scenarios[0].scenario_path.parent / "agent.py").write_text("import not_a_module_at_all\n")
    fresh = load_scenario(scenarios[0].scenario_path)
    with pytest.raises(ConfigError, match=r"scenario.yaml.*agent.factory: cannot import"):
        resolve_factory(fresh)


GREETER = """
from livekit.agents import Agent, StopResponse


class Greeter(Agent):
    def __init__(self) -> None:
        super().__init__(instructions="greet")

    async def on_enter(self) -> None:
        self.session.say("This is desk {version}.")

    async def on_user_turn_completed(self, turn_ctx, new_message) -> None:
        self.session.say("Goodbye.")
        raise StopResponse()


def create_agent() -> Agent:
    return Greeter()
"""


@pytest.mark.e2e
@pytest.mark.slow  # two calls; every commit places bring-your-own agents in shorter ones
def test_two_folders_with_agent_py_run_their_own_agents_on_real_calls(tmp_path):
    persona = Path(__file__).parent / "fixtures" / "personas" / "one_liner.yaml"
    paths = []
    for version in ("one", "two"):
        folder = tmp_path / "ab" / version
        folder.mkdir(parents=True)
        (folder / "agent.py").write_text(GREETER.format(version=version))
        (folder / "scenario.yaml").write_text(
            f"name: desk_{version}\npersona: {persona}\n"
            "agent:\n  factory: agent:create_agent\nmax_duration_s: 30\n"
        )
        paths.append(str(folder / "scenario.yaml"))
    result = run_crosstalk("run", *paths, "--out", str(tmp_path / "out"), "--json", "-q")
    assert result.exit_code not in (EXIT_BAD_INPUT, EXIT_INFRASTRUCTURE), result.stderr
    greetings = []
    for entry in result.json()["sessions"]:
        turns = json.loads((Path(entry["directory"]) / "transcript.json").read_text())["turns"]
        greetings.append(next(t["text"] for t in turns if t["speaker"] == "agent"))
    assert greetings == ["This is desk one.", "This is desk two."]
