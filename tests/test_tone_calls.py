"""Real calls with a caller whose voice rises (+4 semitones, +6 dB from the first line to the
last) and one whose voice stays steady: the prosody probe finds the rising arousal trend in the
first and not in the second, the tone check fails and passes accordingly, and the report says so.

Slow tier: each call is about 14 s of conversation, but the session runs 14.5-18.5 s on this
machine (the call ends about 2.5 s after the agent's last reply is heard), over the every-commit
budget of 15 s. The pair is placed once per module; the last test repeats it over three seeds.
The toned voice itself is measured in the every-commit tier (tests/test_prosody.py), and so are
the checks, the tone lane and the first screen's line (test_tone_checks.py, test_tone_report.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from crosstalk_harness.rundir.documents import read_session
from crosstalk_harness.rundir.files import read_json_object
from crosstalk_harness.rundir.layout import RunPaths

from .calls import FIXTURES, run_crosstalk

PAIR = FIXTURES / "tone" / "tone_pair.yaml"
SEEDS = FIXTURES / "tone" / "tone_seeds.yaml"
RISE_LIMIT = 2.0  # the scenario's caller_arousal_not_rising max_rise


def _run(suite: Path, out: Path) -> tuple[int, RunPaths, dict[str, list[dict]]]:
    """Run the suite; each persona's sessions as {probes, judgement, directory}."""
    result = run_crosstalk("run", str(suite), "--out", str(out), "-q")
    [run_dir] = [path for path in out.iterdir() if path.is_dir()]
    run = RunPaths(run_dir)
    by_persona: dict[str, list[dict]] = {}
    for paths in run.sessions():
        by_persona.setdefault(str(read_session(paths.directory).persona_name), []).append(
            {
                "probes": read_json_object(paths.probes),
                "judgement": read_json_object(paths.judgement),
                "paths": paths,
            }
        )
    return result.exit_code, run, by_persona


@pytest.fixture(scope="module")
def tone_pair(tmp_path_factory):
    return _run(PAIR, tmp_path_factory.mktemp("tone-pair"))


def _caller(session: dict) -> dict:
    return session["probes"]["prosody"]["sides"]["caller"]


def _verdict(session: dict, judge: str) -> dict:
    return next(v for v in session["judgement"]["verdicts"] if v["judge"] == judge)


@pytest.mark.slow
def test_a_rising_voice_shows_a_rising_arousal_trend_and_a_steady_one_does_not(tone_pair):
    _, _, sessions = tone_pair
    [rising], [steady] = sessions["rising_caller"], sessions["steady_caller"]
    assert _caller(rising)["pitch_trend_st"] > 2.0, _caller(rising)
    assert _caller(rising)["level_trend_db"] > 4.0, _caller(rising)
    assert _caller(rising)["arousal_trend"] > RISE_LIMIT
    assert _caller(steady)["arousal_trend"] <= RISE_LIMIT / 2, _caller(steady)
    failed = _verdict(rising, "caller_arousal_not_rising")
    assert failed["status"] == "failed" and failed["reason_kind"] == "tone"
    assert _verdict(steady, "caller_arousal_not_rising")["status"] == "passed"
    for session in (rising, steady):
        assert session["paths"].probes.stat().st_size > 0
        assert _caller(session)["turns"] == 3 and _caller(session)["usable"]


@pytest.mark.slow
def test_the_report_says_how_it_sounded_and_draws_the_tone_lane(tone_pair):
    exit_code, run, _ = tone_pair
    assert exit_code == 1  # the rising caller's arousal check failed
    page = run.report.read_text()
    assert 'id="tone"' in page and "the caller&#39;s arousal rose by +" in page
    assert page.count('class="tone caller"') >= 6  # three caller turns in each of two calls


@pytest.mark.slow
def test_across_three_seeds_only_the_rising_voice_rises(tmp_path):
    _, _, sessions = _run(SEEDS, tmp_path)
    assert len(sessions["rising_caller"]) == len(sessions["steady_caller"]) == 3
    assert all(_caller(s)["arousal_trend"] > RISE_LIMIT for s in sessions["rising_caller"])
    assert all(_caller(s)["arousal_trend"] <= RISE_LIMIT for s in sessions["steady_caller"])
