"""The tone checks: judged from probes.json's prosody, whatever the clock's trust; not judged only
when the recording cannot carry them, with that reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crosstalk_harness.judging.check_names import find_check
from crosstalk_harness.judging.session_data import SessionData

UNTRUSTED = {"result": {"timing_trust": {"trusted": False, "reasons": ["event-loop lag"]}}}


def _turn(index: int, side: str, wpm: float, words: int = 8) -> dict[str, Any]:
    return {"index": index, "side": side, "wpm": wpm, "words": words, "start_s": index * 3.0}


def _session(tmp_path: Path, sides: dict[str, Any], turns=(), trusted=True) -> SessionData:
    summary = {"usable": True, "unusable": None}
    probes = {
        "prosody": {
            "turns": list(turns),
            "sides": {side: {**summary, **figures} for side, figures in sides.items()},
        }
    }
    return SessionData(tmp_path, (), session={} if trusted else UNTRUSTED, probes=probes)


def _run(name: str, session: SessionData, **arguments: Any):
    definition = find_check(name)
    assert definition is not None
    return definition.run(session, definition.arguments(**arguments))


def test_a_fast_agent_fails_the_rate_check_naming_how_fast_in_how_many_turns(tmp_path):
    rates = [150, 230, 160, 240, 235, 150, 232, 140, 150]
    turns = [_turn(i, "agent", wpm) for i, wpm in enumerate(rates, start=1)]
    session = _session(tmp_path, {"agent": {}}, turns, trusted=False)
    verdict = _run("speaking_rate", session, max_wpm=180)
    assert verdict.status == "failed" and verdict.reason_kind == "tone"
    assert verdict.reason == "the agent spoke at up to 240 wpm in 4 of 9 turns"
    assert _run("speaking_rate", session, max_wpm=180, max_turns_outside=4).status == "passed"


def test_short_turns_give_no_rate(tmp_path):
    session = _session(tmp_path, {"agent": {}}, [_turn(1, "agent", 400, words=2)])
    assert _run("speaking_rate", session, max_wpm=180).status == "not_run"


def test_loudness_monotone_and_arousal_read_the_side_summaries(tmp_path):
    rising = {"arousal_trend": 5.0, "pitch_trend_st": 4.0, "level_trend_db": 6.0}
    session = _session(
        tmp_path,
        {"agent": {"level_spread_db": 9.0, "pitch_variation_st": 0.6}, "caller": rising},
        trusted=False,
    )
    assert _run("loudness_steady", session).status == "failed"
    assert _run("loudness_steady", session, max_spread_db=10).status == "passed"
    assert "monotone" in _run("not_monotone", session).reason
    verdict = _run("caller_arousal_not_rising", session)
    assert verdict.status == "failed" and "+5.0" in verdict.reason


def test_an_unusable_recording_is_not_judged_with_its_reason(tmp_path):
    clipped = {"usable": False, "unusable": "the channel is clipped (3.0% ...)"}
    session = _session(tmp_path, {"agent": clipped})
    verdict = _run("not_monotone", session)
    assert verdict.status == "not_run" and "clipped" in verdict.reason
    silent = SessionData(tmp_path, ())
    assert "no prosody" in _run("loudness_steady", silent).reason
