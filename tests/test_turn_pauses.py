"""Pauses inside a caller's turn and asides, without a call: the persona's markers, the audio the
caller plays, the takeover and aside probe on synthetic plans, the budget and the checks, and
interruption recovery measured from the caller's whole turn."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from crosstalk_harness.callers import check_caller_backend
from crosstalk_harness.callers.spoken import SpokenLine, assemble, render_line, turned_away
from crosstalk_harness.config import load_scenario
from crosstalk_harness.config.persona import Aside, ScriptLine, Speech, pause_parts
from crosstalk_harness.errors import ConfigError
from crosstalk_harness.judging.budgets import check_budgets
from crosstalk_harness.judging.check_names import builtin_checks
from crosstalk_harness.judging.registry import NoArgs
from crosstalk_harness.judging.session_data import SessionData
from crosstalk_harness.probes.pauses import turn_plans, words_key
from crosstalk_harness.probes.timing import CallerPlan, measure
from crosstalk_harness.rundir.models import Turn
from livekit import rtc

from .conftest import run_crosstalk

# -- the persona's markers --------------------------------------------------------------------


def test_a_pause_marker_cuts_the_line_with_its_own_or_the_default_length():
    parts = pause_parts("I'd like to change... {pause: 1.2} ...my {pause} address", 0.8)
    assert parts == [("I'd like to change...", 1.2), ("...my", 0.8), ("address", 0.0)]
    assert pause_parts("No pause here.", 0.8) == [("No pause here.", 0.0)]


@pytest.mark.parametrize(
    ("say", "why"),
    [
        ("wait {pause 1.2} there", "is not a pause marker"),
        ("wait {stop} there", "is not a pause marker"),
        ("wait {pause: 11} there", "at most 10 seconds"),
        ("wait {pause: 0} there", "more than 0"),
        ("{pause} wait there", "words before and after it"),
        ("wait there {pause: 1}", "words before and after it"),
        ("wait {pause: 1 there", "unmatched brace"),
    ],
)
def test_a_malformed_pause_marker_is_refused(say, why):
    with pytest.raises(ValueError, match=why):
        pause_parts(say, 0.8)


def test_a_malformed_marker_in_a_persona_is_an_input_error_at_its_line(tmp_path: Path):
    persona = tmp_path / "p.yaml"
    persona.write_text(
        "name: p\ngoal: g\nscript:\n  - Hello there.\n  - say: I'd like {pause 1.5} to go\n"
    )
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"name: s\npersona: {persona}\n")
    result = run_crosstalk("validate", str(scenario))
    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{persona}:5" in result.stderr and "script.1.say" in result.stderr
    assert "is not a pause marker" in result.stderr


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("  - Oh, the number... {pause: 1.5} ...it is 10358.\n", "must be quoted in YAML"),
        ("  - say: Oh, the number... {pause: 1.5} ...it is 10358.\n", "quote the whole line"),
    ],
)
def test_an_unquoted_timed_pause_is_told_to_be_quoted(tmp_path: Path, line, message):
    persona = tmp_path / "p.yaml"
    persona.write_text("name: p\ngoal: g\nscript:\n" + line)
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"name: s\npersona: {persona}\n")
    result = run_crosstalk("validate", str(scenario))
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert f"{persona}:4:" in result.stderr and message in result.stderr, result.stderr


# -- how the caller says it -------------------------------------------------------------------


def test_a_hesitation_is_a_pause_of_pause_s_after_an_ellipsis():
    speech = Speech(hesitation_rate=1.0, pause_s=1.4)
    spoken = render_line(
        ScriptLine(say="I would like to change my address"), speech, random.Random(1)
    )
    assert len(spoken.parts) == 2 and spoken.parts[0][1] == 1.4
    assert spoken.parts[0][0].endswith("...") and spoken.parts[1][1] == 0.0
    assert words_key(spoken.text) == words_key("I would like to change my address")


def test_an_explicit_pause_keeps_its_length_and_the_text_drops_the_marker():
    line = ScriptLine(say="I'd like to change... {pause: 1.5} ...my address")
    spoken = render_line(line, Speech(), random.Random(0), index=3)
    assert spoken.parts == (("I'd like to change...", 1.5), ("...my address", 0.0))
    assert spoken.text == "I'd like to change... ...my address" and spoken.line == 3


def _tone(seconds: float, rate: int = 16_000) -> list[rtc.AudioFrame]:
    per = rate // 50
    t = np.arange(int(seconds * rate)) / rate
    pcm = (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
    return [
        rtc.AudioFrame(pcm[i : i + per].tobytes(), rate, 1, per) for i in range(0, pcm.size, per)
    ]


def test_the_line_plays_each_part_then_exactly_its_silence():
    spoken = SpokenLine((("one", 1.2), ("two", 0.0)))
    frames, pauses = assemble(spoken, [_tone(0.5), _tone(0.3)])
    samples = np.concatenate([np.frombuffer(f.data, dtype=np.int16) for f in frames])
    assert samples.size == round((0.5 + 1.2 + 0.3) * 16_000)
    assert pauses == [{"offset_s": 0.5, "pause_s": 1.2}]
    silent = samples[8000 : 8000 + 19_200]
    assert not silent.any() and samples[8000 + 19_200 :].any()


def test_an_aside_is_quieter_and_muffled():
    loud = _tone(0.5)
    quiet = turned_away(loud, Aside(level_db=-12, lowpass_hz=None))
    rms = [
        np.sqrt(np.mean(np.frombuffer(f.data, np.int16).astype(float) ** 2)) for f in (loud + quiet)
    ]
    ratio = np.mean(rms[len(loud) :]) / np.mean(rms[: len(loud)])
    assert ratio == pytest.approx(10 ** (-12 / 20), rel=0.02)
    muffled = turned_away(loud, Aside(level_db=0, lowpass_hz=200))  # 440 Hz above the corner
    energy = sum(np.abs(np.frombuffer(f.data, np.int16)).sum() for f in muffled)
    assert energy < 0.5 * sum(np.abs(np.frombuffer(f.data, np.int16)).sum() for f in loud)


# -- the probe on synthetic plans -------------------------------------------------------------


def _pause_plan(text: str, offset_s: float = 1.0, pause_s: float = 1.5, duration_s: float = 4.0):
    data = {"line": 0, "text": text, "duration_s": duration_s}
    data["pauses"] = [{"offset_s": offset_s, "pause_s": pause_s}]
    return {"side": "caller", "type": "caller_turn_pauses", "data": data}


def _aside_plan(text: str, wait_s: float = 3.0):
    data = {"line": 1, "text": text, "wait_s": wait_s}
    return {"side": "caller", "type": "caller_aside", "data": data}


LINE = "I'd like to change... ...my address"
TURNS = [
    Turn(speaker="agent", text="Hello, how can I help?", start_s=0.0, end_s=2.0),
    Turn(speaker="caller", text=LINE, start_s=3.0, end_s=7.0),
]


def test_an_agent_that_begins_inside_the_pause_took_over():
    # the pause runs 4.0-5.5 s; the agent begins at 4.8 s
    plans = turn_plans([_pause_plan(LINE)], TURNS, [(0.0, 2.0), (4.8, 6.0)])
    [paused] = plans.pauses
    assert paused.takeover and paused.in_pause_s == 1.5 and paused.agent_start_s == 4.8
    assert paused.turn == 2 and paused.pauses == [{"start_s": 4.0, "pause_s": 1.5}]
    assert plans.summary()["takeover_rate"] == 1.0


def test_an_agent_that_waits_for_the_end_of_the_line_did_not_take_over():
    plans = turn_plans([_pause_plan(LINE)], TURNS, [(0.0, 2.0), (7.6, 9.0)])
    assert not plans.pauses[0].takeover
    assert plans.summary() | {} == {
        "pause_plan": "plan",
        "paused_turns": 1,
        "takeovers": 0,
        "takeover_rate": 0.0,
        "asides": 0,
        "asides_answered": 0,
    }


def test_an_agent_heard_late_is_placed_at_its_own_start():
    # heard at 5.7 s over a 1 s agent->caller leg: it began at 4.7 s, inside the pause
    plans = turn_plans([_pause_plan(LINE)], TURNS, [(0.0, 2.0), (5.7, 7.0)], 1000.0)
    assert plans.pauses[0].takeover and plans.pauses[0].agent_start_s == 4.7


def test_without_a_plan_nothing_is_guessed():
    plans = turn_plans([], TURNS, [(0.0, 2.0), (4.8, 6.0)])
    assert plans.summary()["pause_plan"] == "none" and plans.summary()["takeover_rate"] is None


ASIDE = "Tom, the door!"
ASIDE_TURNS = [
    Turn(speaker="agent", text="Your order ships Friday.", start_s=0.0, end_s=2.0),
    Turn(speaker="caller", text=ASIDE, start_s=3.0, end_s=4.0),
    Turn(speaker="caller", text="Thanks, goodbye.", start_s=7.2, end_s=8.5),
]


def test_an_agent_that_speaks_up_after_an_aside_answered_it():
    plans = turn_plans([_aside_plan(ASIDE)], ASIDE_TURNS, [(0.0, 2.0), (5.0, 6.5)])
    [aside] = plans.asides
    assert aside.answered and aside.turn == 2 and aside.agent_start_s == 5.0


def test_an_agent_that_stays_silent_or_talks_on_did_not_answer_it():
    silent = turn_plans([_aside_plan(ASIDE)], ASIDE_TURNS, [(0.0, 2.0), (9.0, 10.0)])
    assert not silent.asides[0].answered and "stayed silent" in silent.asides[0].why
    talked_on = turn_plans([_aside_plan(ASIDE)], ASIDE_TURNS, [(0.0, 4.5), (4.8, 6.0)])
    assert not talked_on.asides[0].answered and "talked on" in talked_on.asides[0].why


def test_an_agent_answering_the_next_addressed_line_did_not_answer_the_aside():
    plans = turn_plans([_aside_plan(ASIDE, wait_s=6.0)], ASIDE_TURNS, [(0.0, 2.0), (9.0, 10.0)])
    assert not plans.asides[0].answered and "spoke to the agent" in plans.asides[0].why


# -- interruptions that know the plan, recovery from the whole turn ------------------------


def test_side_talk_the_agent_talks_through_is_no_missed_barge_in():
    # the agent talks 0-8 s; the caller says a 2 s aside at 1 s, planned as no barge-in
    timing = measure([(1.0, 3.0), (9.0, 10.0)], [(0.0, 8.0), (10.5, 11.0)], 11.0, plan=CallerPlan())
    assert timing.summary["missed_interruptions"] == 1
    assert (timing.summary["barge_ins"], timing.summary["missed_barge_ins"]) == (0, 0)
    [budget] = check_budgets({"interruption_stop_p95_ms": 1500}, timing.summary)
    assert budget.passed is None  # no barge-in to time: never charged


def test_recovery_counts_from_the_end_of_the_callers_whole_turn():
    # the agent stops at 1.5 s for a barge-in at 1.0 s; the caller pauses 0.77 s mid-sentence
    # (2.0-2.77) and finishes at 4.0; the agent comes back at 6.9 s
    caller = [(1.0, 2.0), (2.77, 4.0)]
    agent = [(0.0, 1.5), (6.9, 8.0)]
    [interruption] = measure(caller, agent, 8.0, plan=CallerPlan((1.0,))).interruptions
    assert interruption.turn_end_s == 4.0 and interruption.caller_end_s == 2.0
    assert interruption.recovery_ms == pytest.approx(2900.0)


def test_recovery_without_a_pause_is_unchanged():
    [interruption] = measure([(1.0, 2.0)], [(0.0, 1.5), (3.0, 4.0)], 4.0).interruptions
    assert interruption.recovery_ms == pytest.approx(1000.0) and interruption.turn_end_s == 2.0


def test_a_caller_who_speaks_again_after_the_agent_came_back_is_a_new_turn():
    caller = [(1.0, 2.0), (5.0, 6.0)]
    agent = [(0.0, 1.5), (3.0, 4.0)]
    [interruption] = measure(caller, agent, 6.0).interruptions
    assert interruption.turn_end_s == 2.0 and interruption.recovery_ms == pytest.approx(1000.0)


# -- the budget and the checks ------------------------------------------------------------------


def test_the_takeover_budget_fails_over_its_rate_and_is_not_judged_without_a_plan():
    [over] = check_budgets({"takeover_rate_max": 0.0}, {"takeover_rate": 0.5})
    assert over.passed is False and over.reason() == (
        "takeover_rate_max 0.5 exceeds its budget of 0.0"
    )
    [within] = check_budgets({"takeover_rate_max": 0.5}, {"takeover_rate": 0.5})
    assert within.passed is True
    [absent] = check_budgets({"takeover_rate_max": 0.0}, {"takeover_rate": None})
    assert absent.passed is None and "no caller turn with a planned pause" in (absent.note or "")


def _check(name: str, probes: dict, tmp_path: Path):
    session = SessionData(directory=tmp_path, turns=tuple(TURNS), probes=probes)
    return builtin_checks()[name].run(session, NoArgs())


def test_no_takeover_fails_with_the_turn_and_the_pause_it_began_in(tmp_path: Path):
    plans = turn_plans([_pause_plan(LINE)], TURNS, [(0.0, 2.0), (4.8, 6.0)])
    probes = {"summary": plans.summary(), **plans.to_json()}
    verdict = _check("no_takeover", probes, tmp_path)
    assert verdict.status == "failed"
    assert "took over 1 of 1 paused caller turn(s)" in verdict.reason
    assert "turn 2's 1.5 s pause" in verdict.reason
    waited = turn_plans([_pause_plan(LINE)], TURNS, [(0.0, 2.0), (7.6, 9.0)])
    probes = {"summary": waited.summary(), **waited.to_json()}
    assert _check("no_takeover", probes, tmp_path).status == "passed"


def test_asides_ignored_fails_on_an_answered_aside(tmp_path: Path):
    plans = turn_plans([_aside_plan(ASIDE)], ASIDE_TURNS, [(0.0, 2.0), (5.0, 6.5)])
    probes = {"summary": plans.summary(), **plans.to_json()}
    session = SessionData(directory=tmp_path, turns=tuple(ASIDE_TURNS), probes=probes)
    verdict = builtin_checks()["asides_ignored"].run(session, NoArgs())
    assert verdict.status == "failed" and "answered 1 of 1 aside(s)" in verdict.reason
    assert "Tom, the door!" in verdict.reason


class _OwnVoiceBackend:
    """A caller backend whose model speaks for itself (as a realtime model does)."""

    name = "openai"

    def agent_has_own_brain(self) -> bool:
        return False


def test_a_backend_without_the_callers_own_tts_refuses_pauses_and_asides(tmp_path: Path):
    persona = tmp_path / "p.yaml"
    persona.write_text("name: p\ngoal: g\nscript:\n  - Hello.\n  - say: Wait {pause} there.\n")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"name: s\npersona: {persona}\n")
    with pytest.raises(ConfigError, match=r"p\.yaml:5.*script\.1\.say.*pause inside a line"):
        check_caller_backend(load_scenario(scenario), _OwnVoiceBackend())  # type: ignore[arg-type]


def test_the_timeline_shades_planned_pauses_and_marks_takeovers_and_asides() -> None:
    from crosstalk_harness.reports.timeline import timeline_svg

    probes = {
        "segments": {"caller": [[1.0, 2.0], [3.5, 4.5]], "agent": [[3.0, 5.0]]},
        "pauses": [
            {
                "turn": 2,
                "pauses": [{"start_s": 2.0, "pause_s": 1.5}],
                "takeover": True,
                "agent_start_s": 3.0,
                "in_pause_s": 1.5,
            },
            {
                "turn": 4,
                "pauses": [{"start_s": 7.0, "pause_s": 1.0}],
                "takeover": False,
                "agent_start_s": None,
                "in_pause_s": None,
            },
        ],
        "asides": [{"turn": 6, "end_s": 9.0, "answered": True, "agent_start_s": 9.5}],
    }
    svg = timeline_svg(probes, 10.0)
    assert svg.count('class="pause"') == 2
    assert svg.count('<line class="takeover"') == 1 and ">takeover</text>" in svg
    assert ">aside, answered</text>" in svg
    assert 'class="takeover"' not in timeline_svg({**probes, "pauses": probes["pauses"][1:]}, 10.0)
