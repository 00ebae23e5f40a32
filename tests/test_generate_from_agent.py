"""`crosstalk new scenarios --from-agent`: scenarios written from an agent's declared tools
validate, and placed offline (text mode, seconds) make the agent call each tool; nothing is
overwritten; a chat model's wording is checked, retried and dropped when invalid, never written."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from crosstalk_agent import intents
from crosstalk_harness.commands.validate import find_problems
from crosstalk_harness.generate.agent_spec import read_agent
from crosstalk_harness.generate.from_agent import FromAgentOptions, scenarios_from_agent
from crosstalk_harness.generate.wording import ATTEMPTS
from crosstalk_harness.judging.settings import JudgeSettings
from crosstalk_harness.rundir.files import read_object_or_none
from crosstalk_harness.runner import Progress, run_scenarios
from crosstalk_harness.testing.fake_openai import ChatReply, FakeOpenAI

from .conftest import FIXTURES, REPO, run_crosstalk

WINE = FIXTURES / "generated_for"
REFERENCE = "crosstalk_agent:create_agent"
BYO = "wine_club_agent:create_agent"
REFERENCE_TOOLS = [
    "lookup_order",
    "lookup_customer",
    "change_address",
    "start_return",
    "check_policy",
    "search_knowledge",
]
BYO_TOOLS = ["pause_membership", "reserve_tasting"]  # in the order livekit lists them


def _generate(factory: str, out: Path, settings: JudgeSettings | None = None, count=None):
    return scenarios_from_agent(
        FromAgentOptions(factory, out=out, count=count, root=WINE, settings=settings)
    )


def _checks(session_dir: str) -> dict[str, str]:
    judgement = read_object_or_none(Path(session_dir) / "judgement.json") or {}
    return {v["judge"]: v["status"] for v in judgement["verdicts"] if v["kind"] == "check"}


def _placed(folders: list[Path], tools: list[str], out: Path) -> dict[str, dict[str, str]]:
    """Each tool's happy-path scenario, placed in text mode: scenario name -> check statuses."""
    paths = [folder / "scenarios" / f"call_{tool}.yaml" for folder in folders for tool in tools]
    paths = [path for path in paths if path.exists()]
    progress = Progress(quiet=True)
    result = asyncio.run(run_scenarios(paths, out, progress, mode="text", concurrency=3))
    return {Path(s.directory).name.split("-", 1)[1]: _checks(s.directory) for s in result.sessions}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory):
    """Both agents' scenarios, generated once, and their happy paths placed once in text mode."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(WINE)  # where the bring-your-own agent's module is imported from
        reference, byo = tmp_path_factory.mktemp("reference"), tmp_path_factory.mktemp("byo")
        written = {"reference": _generate(REFERENCE, reference), "byo": _generate(BYO, byo)}
        placed = _placed([reference], REFERENCE_TOOLS, tmp_path_factory.mktemp("runs"))
        placed |= _placed([byo], BYO_TOOLS, tmp_path_factory.mktemp("runs"))
    return {"reference": reference, "byo": byo, "written": written, "placed": placed}


def test_the_bring_your_own_agents_tools_are_words_the_reference_agent_does_not_know() -> None:
    # the generator works from the schema alone: nothing of the reference agent's intent rules
    # (nor any word of these tools in the generator's code) could carry it
    spec = read_agent(BYO, WINE)
    assert [tool.name for tool in spec.tools] == BYO_TOOLS
    wording = " ".join(
        f"{tool.name.replace('_', ' ')}: {tool.description} "
        + " ".join(f"{p.name.replace('_', ' ')} {p.description}" for p in tool.params)
        for tool in spec.tools
    )
    source = " ".join(p.read_text() for p in (REPO / "harness" / "generate").glob("*.py"))
    for rule in (intents.wants_return, intents.wants_address_change, intents.asks_question):
        assert not rule(wording)
    assert intents.order_number(wording) is None and intents.address(wording) is None
    for word in ("tasting", "membership", "vintage", "guests", "wine"):
        assert word not in source.lower()


def test_every_generated_scenario_and_persona_validates(generated) -> None:
    for agent in ("reference", "byo"):
        statuses = {item.status for item in generated["written"][agent]}
        assert statuses == {"wrote"}
        found = find_problems((generated[agent] / "personas", generated[agent] / "scenarios"))
        assert found.lines == ()
        assert found.files == 2 * len(generated["written"][agent])


def test_the_generated_set_covers_each_tool_a_refusal_and_the_hard_callers(generated) -> None:
    names = {item.key for item in generated["written"]["byo"]}
    assert names == {
        "call_reserve_tasting",
        "call_pause_membership",
        "refused_request",
        "call_pause_membership_interrupting",
        "call_pause_membership_noisy_line",
        "call_pause_membership_corrected_detail",
    }
    scenarios = generated["byo"] / "scenarios"
    tasting = (scenarios / "call_reserve_tasting.yaml").read_text()
    assert (
        "tool_called:\n      name: reserve_tasting\n      arguments:\n        guests: 2" in tasting
    )
    assert "goal_achieved" in tasting and "response_latency_p95_ms" in tasting
    noisy = (generated["byo"] / "personas" / "call_pause_membership_noisy_line.yaml").read_text()
    assert "type: noise" in noisy
    corrected = generated["byo"] / "personas" / "call_pause_membership_corrected_detail.yaml"
    assert "Sorry, I said that wrong" in corrected.read_text()
    refusal = (generated["byo"] / "personas" / "refused_request.yaml").read_text()
    assert "serve anyone under the legal drinking age" in refusal


def test_each_file_says_where_it_came_from(generated) -> None:
    persona = (generated["byo"] / "personas" / "call_pause_membership.yaml").read_text()
    assert persona.startswith(f"# Written by `crosstalk new scenarios --from-agent {BYO}`")
    assert "# From tool pause_membership." in persona
    refusal = (generated["reference"] / "scenarios" / "refused_request.yaml").read_text()
    assert "# From instruction 'Never invent order details.'" in refusal
    # the options the agent's schema declares, for a reader who wants to vary them
    assert "# agent.options the agent takes: responder, thinker, policies, guardrails" in refusal


def test_the_reference_agent_calls_each_of_its_tools_with_the_generated_facts(generated) -> None:
    placed = generated["placed"]
    for tool in REFERENCE_TOOLS:
        assert placed[f"call_{tool}-text"]["tool_called"] == "passed", tool
        assert placed[f"call_{tool}-text"]["goal_achieved"] == "passed", tool
    # where the database shows a tool's work, the scenario checks it there too
    assert placed["call_change_address-text"]["db_state"] == "passed"
    assert placed["call_start_return-text"]["db_state"] == "passed"


def test_a_bring_your_own_agent_calls_both_its_unseen_tools(generated) -> None:
    placed = generated["placed"]
    for tool in BYO_TOOLS:
        assert placed[f"call_{tool}-text"] == {"tool_called": "passed", "goal_achieved": "passed"}


def test_a_second_generation_into_the_same_folder_overwrites_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(WINE)
    first = {item.key for item in _generate(BYO, tmp_path, count=2)}
    before = {p: (p.read_text(), p.stat().st_mtime_ns) for p in tmp_path.rglob("*.yaml")}
    again = _generate(BYO, tmp_path, count=2)
    assert [item.status for item in again] == ["skipped", "skipped"]
    assert {p: (p.read_text(), p.stat().st_mtime_ns) for p in tmp_path.rglob("*.yaml")} == before
    # a file of the same name with other content (edited by hand) is kept; the new one moves
    edited = tmp_path / "personas" / "call_pause_membership.yaml"
    edited.write_text(edited.read_text() + "# my edit\n")
    [moved, skipped] = _generate(BYO, tmp_path, count=2)
    assert (moved.key, moved.status, skipped.status) == (
        "call_pause_membership_2",
        "wrote",
        "skipped",
    )
    assert edited.read_text().endswith("# my edit\n")
    assert "is taken" in moved.detail and first == {"call_pause_membership", "call_reserve_tasting"}


def _model_wording(body: dict) -> ChatReply:
    """The fake model: words happy paths well; answers a refusal with an invalid persona every
    time; gets the reserve_tasting caller wrong once (a lost fact), then right."""
    request = json.loads(body["messages"][1]["content"])
    retried = len(body["messages"]) > 2
    draft, facts = request["draft"], list(request["facts_to_keep"].values())
    if request["kind"] == "refusal":
        return ChatReply(content=json.dumps({"description": "x", "goal": "y", "script": []}))
    if request["tool"]["name"] == "reserve_tasting" and not retried:
        return ChatReply(content=json.dumps({**draft, "script": ["Hi, a tasting please."]}))
    lines = [f"Hiya! Model-worded: {', '.join(facts)}.", *draft["script"][1:]]
    return ChatReply(content=json.dumps({**draft, "goal": "Model goal.", "script": lines}))


def test_a_chat_model_words_the_personas_and_an_invalid_answer_is_retried_or_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(WINE)
    with FakeOpenAI(chat=_model_wording) as fake:
        settings = JudgeSettings(model="fake-model", base_url=fake.base_url, api_key="k")
        written = {item.key: item for item in _generate(BYO, tmp_path, settings, count=3)}
        requests = fake.chat_requests()
    assert written["refused_request"].status == "dropped"
    assert "invalid after 3 tries" in written["refused_request"].detail
    assert not (tmp_path / "personas" / "refused_request.yaml").exists()
    assert written["call_reserve_tasting"].status == "wrote"  # right the second time
    assert len(requests) == 1 + 2 + ATTEMPTS
    for name in ("call_reserve_tasting", "call_pause_membership"):
        persona = (tmp_path / "personas" / f"{name}.yaml").read_text()
        assert "Model-worded" in persona and "Model goal." in persona
        assert "written by the model fake-model (model-written)" in persona
    assert find_problems((tmp_path / "personas", tmp_path / "scenarios")).lines == ()


def test_the_command_reports_what_it_wrote_and_refuses_a_bad_factory(tmp_path: Path) -> None:
    out = tmp_path / "project"
    made = run_crosstalk(
        "new", "scenarios", "--from-agent", REFERENCE, "-n", "2", "--out", str(out), "--json"
    )
    assert made.exit_code == 0, made.stderr
    assert [item["name"] for item in made.json()] == ["call_lookup_order", "call_lookup_customer"]
    assert sorted(p.name for p in (out / "scenarios").iterdir()) == [
        "call_lookup_customer.yaml",
        "call_lookup_order.yaml",
    ]
    bad = run_crosstalk(
        "new", "scenarios", "--from-agent", "no_such_module:make", "--out", str(out)
    )
    assert bad.exit_code == 2
    assert re.search(r"cannot import module 'no_such_module'", bad.stderr)
    assert "Traceback" not in bad.stderr


@pytest.mark.slow
def test_placed_in_audio_a_generated_scenario_makes_the_reference_agent_call_its_tool(generated):
    scenario = generated["reference"] / "scenarios" / "call_lookup_order.yaml"
    progress = Progress(quiet=True)
    out = generated["reference"] / "audio-runs"
    [session] = asyncio.run(run_scenarios([scenario], out, progress, mode="audio")).sessions
    assert _checks(session.directory)["tool_called"] == "passed"
