"""The scripted caller's patience after "let me check": it waits for the agent's answer and
answers that, or speaks up when `hold_s` runs out. Driven through its reply policy with the
agent's speech as heard (`HeardSpeech`) and its transcripts set by hand."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from crosstalk_harness.callers.base import CallerContext
from crosstalk_harness.callers.hearing import HeardSpeech
from crosstalk_harness.callers.scripted import ScriptedCaller
from crosstalk_harness.config import load_scenario
from livekit.agents import llm

from .conftest import REPO


def _caller(hold_s: float) -> tuple[ScriptedCaller, HeardSpeech, list[tuple[str, dict]]]:
    loaded = load_scenario(REPO / "scenarios" / "agent_thinker_filler.yaml")
    turn_taking = loaded.persona.turn_taking.model_copy(update={"hold_s": hold_s})
    persona = loaded.persona.model_copy(update={"turn_taking": turn_taking})
    hearing, reports = HeardSpeech(), []
    ctx = CallerContext(
        persona=persona,
        scenario=loaded.scenario,
        scenario_dir=REPO / "scenarios",
        opens_call=False,
        own_brain=True,
        clock=asyncio.get_running_loop().time,
        hearing=hearing,
        report=lambda kind, data: reports.append((kind, data)),
    )
    return ScriptedCaller(ctx), hearing, reports


def _agent_said(caller: ScriptedCaller, hearing: HeardSpeech, text: str) -> None:
    """The agent stopped talking and the caller's speech recognition has its words."""
    now = asyncio.get_running_loop().time()
    hearing.speaking, hearing.started_at, hearing.ended_at = False, now - 1.0, now
    caller._on_transcribed(SimpleNamespace(is_final=True, transcript=text))


async def test_the_caller_holds_until_the_agent_comes_back_and_answers_what_it_said():
    caller, hearing, reports = _caller(hold_s=8.0)
    _agent_said(caller, hearing, "Let me check that for you.")
    reply = asyncio.create_task(caller.next_line(llm.ChatContext.empty()))
    await asyncio.sleep(0.3)
    assert not reply.done()  # holding: quiet while the agent checks
    hearing.speaking = True  # the agent is back with the answer
    await asyncio.sleep(0.3)
    assert not reply.done()  # not while the agent talks
    _agent_said(caller, hearing, "Thanks for waiting. Your order arrives on Friday.")
    said = await asyncio.wait_for(reply, timeout=3.0)
    assert said == caller.rendered(0)
    [(kind, held)] = [r for r in reports if r[0] == "caller_held"]
    assert held["completed"] is False and held["until_s"] - held["began_s"] < 1.0


async def test_the_caller_speaks_up_when_the_hold_runs_out():
    caller, hearing, reports = _caller(hold_s=0.4)
    _agent_said(caller, hearing, "Sure. One moment please.")
    loop = asyncio.get_running_loop()
    started = loop.time()
    said = await asyncio.wait_for(caller.next_line(llm.ChatContext.empty()), timeout=3.0)
    assert said == caller.rendered(0)
    assert loop.time() - started >= 0.35
    [(_, held)] = [r for r in reports if r[0] == "caller_held"]
    assert held["completed"] is True


async def test_no_hold_after_an_answer_or_with_hold_s_zero():
    for hold_s, heard in ((8.0, "Let me check. It shipped yesterday."), (0.0, "Let me check.")):
        caller, hearing, reports = _caller(hold_s=hold_s)
        _agent_said(caller, hearing, heard)
        said = await asyncio.wait_for(caller.next_line(llm.ChatContext.empty()), timeout=1.0)
        assert said == caller.rendered(0) and reports == []
