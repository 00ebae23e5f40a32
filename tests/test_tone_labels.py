"""Tone labels by ear: `crosstalk review --tone` records a label per turn, the labels become the
`tone_and_delivery` criteria's pass/fail, and `crosstalk judge calibrate` measures the audio judge
against them, from a reviewed run or from the shipped items spoken as written."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from crosstalk_harness.commands.review import review_tone_interactively
from crosstalk_harness.errors import ConfigError
from crosstalk_harness.judging.audio_input import turn_clips
from crosstalk_harness.judging.calibration import load_items
from crosstalk_harness.judging.rubrics import load_rubric
from crosstalk_harness.judging.tone_labels import (
    CRITERIA,
    LABEL_CHOICES,
    TONE_RUBRIC,
    criterion_labels,
)
from crosstalk_harness.rundir.layout import SessionPaths
from crosstalk_harness.testing.fake_openai import ChatReply, FakeOpenAI, heard_audio
from crosstalk_harness.testing.run_dirs import FakeSession, write_run

from .conftest import REPO, run_crosstalk

LABELS = REPO / "judges" / "calibration"


def reviewed_run(tmp_path: Path) -> tuple[Path, Path]:
    run = write_run(tmp_path, [FakeSession(), FakeSession(scenario="refund")])
    return run, run / "01-order_status"


def test_the_tone_vocabulary_matches_the_shipped_rubric():
    rubric = load_rubric(TONE_RUBRIC)
    assert rubric.hears_audio and rubric.listen_to == ["agent"]
    assert tuple(c.name for c in rubric.criteria) == CRITERIA
    assert len({label[0] for label in LABEL_CHOICES}) == len(LABEL_CHOICES)  # one key each
    assert criterion_labels({2: "good", 4: "rushed", 6: "unsure"}) == {
        "expressive": "pass",
        "well_paced": "fail",
        "steady_level": "pass",
    }
    assert criterion_labels({2: "unsure"}) == {}


def test_review_records_tone_labels_per_turn_beside_the_verdict(tmp_path):
    run, session = reviewed_run(tmp_path)
    first = run_crosstalk(
        "review", str(run), "--session", session.name, "--tone", "3=rushed", "5=good",
        "--reviewer", "dana",
    )  # fmt: skip
    assert first.exit_code == 0, first.stderr
    assert "tone turn 3 rushed, turn 5 good" in first.stdout
    verdict = run_crosstalk("review", str(run), "--session", session.name, "--verdict", "pass")
    assert verdict.exit_code == 0, verdict.stderr
    again = run_crosstalk("review", str(run), "--session", session.name, "--tone", "1=flat")
    assert again.exit_code == 0, again.stderr
    review = json.loads(SessionPaths(session).review.read_text())
    assert review["tone"] == {"1": "flat", "3": "rushed", "5": "good"}
    assert review["verdict"] == "pass" and review["tone_reviewer"]


@pytest.mark.parametrize(
    ("tone", "says"),
    [
        ("3=mumbled", "--tone '3=mumbled': expected TURN=LABEL"),
        ("rushed", "--tone 'rushed': expected TURN=LABEL"),
        ("9=good", "no turn 9 (it has 5 turns)"),
    ],
)
def test_a_bad_tone_label_is_one_line_with_exit_2(tmp_path, tone, says):
    run, session = reviewed_run(tmp_path)
    result = run_crosstalk("review", str(run), "--session", session.name, "--tone", tone)
    assert result.exit_code == 2 and says in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not SessionPaths(session).review.exists()


def test_interactive_tone_review_asks_for_each_agent_turn(tmp_path, capsys):
    _, session = reviewed_run(tmp_path)
    answers = iter(["g", "", "t"])  # turns 1, 3 and 5 are the agent's
    written = review_tone_interactively([session], "sam", ask=lambda prompt: next(answers))
    assert written == 2
    review = json.loads(SessionPaths(session).review.read_text())
    assert review["tone"] == {"1": "good", "5": "trailing"} and "verdict" not in review
    assert "== 01-order_status" in capsys.readouterr().out


def _oracle(problems: list[str]):
    """Answers every criterion `pass`; notes what audio it was sent."""

    def handler(body):
        heard = heard_audio(body)
        problems.extend(f"{clip.label} {clip.dominant_hz():.0f} Hz" for clip in heard)
        criteria = {
            name: {"rationale": "sounded fine", "evidence": [], "score": "pass"}
            for name in CRITERIA
        }
        return ChatReply(json.dumps({"criteria": criteria}))

    return handler


def test_calibrate_a_reviewed_run_against_its_tone_labels(tmp_path):
    run, session = reviewed_run(tmp_path)
    labelled = run_crosstalk("review", str(run), "--session", session.name, "--tone", "3=rushed")
    assert labelled.exit_code == 0, labelled.stderr
    [(path, item)] = load_items(run)  # the unlabelled session is no item
    assert path == session and item.labels["well_paced"] == "fail"
    heard: list[str] = []
    with FakeOpenAI(chat=_oracle(heard)) as fake:
        result = run_crosstalk(
            "judge", "calibrate", str(run), "--base-url", fake.base_url, "--json",
            env={"CROSSTALK_JUDGE_CACHE": "off"},
        )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert report["items"] == 1 and report["overall"]["accuracy"] == pytest.approx(2 / 3, 1e-3)
    assert report["disagreements"] == [
        "01-order_status: tone_and_delivery.well_paced: human fail, judge pass"
    ]
    assert [h.split(" |")[0] for h in heard] == ["Turn 1", "Turn 3", "Turn 5"]
    assert all(h.endswith("330 Hz") for h in heard)  # the agent's channel


def test_calibrate_a_run_without_tone_labels_says_how_to_make_them(tmp_path):
    run, _ = reviewed_run(tmp_path)
    with pytest.raises(ConfigError) as raised:
        load_items(run)
    assert "no session here has tone labels" in raised.value.message
    assert "crosstalk review RUN_DIR --tone" in str(raised.value.hint)


def _level_db(samples: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(samples**2)) + 1e-12))


def test_shipped_tone_items_are_spoken_as_their_labels_say():
    items = {path.stem: (path, item) for path, item in load_items(LABELS) if item.audio}
    assert len(items) == 6
    with tempfile.TemporaryDirectory() as folder:
        clips = {}
        for name, (path, item) in items.items():
            session = item.session(path, Path(folder))
            starts = [turn.start_s for turn in session.turns]
            assert starts == sorted(starts) and all(s is not None for s in starts)
            clips[name] = turn_clips(session, ["agent"])
    even, rushed, slow = clips["31-tone-even"], clips["33-tone-rushed"], clips["34-tone-dragging"]
    # the same words: a rushed turn is shorter, a dragging one longer
    assert all(
        r.end_s - r.start_s < 0.6 * (e.end_s - e.start_s) for r, e in zip(rushed, even, strict=True)
    )
    assert all(
        s.end_s - s.start_s > 1.5 * (e.end_s - e.start_s) for s, e in zip(slow, even, strict=True)
    )

    def samples(clip) -> np.ndarray:
        return np.frombuffer(clip.wav[44:], "<i2") / 32768

    loud = samples(clips["35-tone-shouting"][1])
    assert np.mean(np.abs(loud) > 0.99) > 0.01  # clipped
    trailing = samples(clips["36-tone-trailing-off"][1])
    quarter = len(trailing) // 4
    assert _level_db(trailing[:quarter]) - _level_db(trailing[-quarter:]) > 15
