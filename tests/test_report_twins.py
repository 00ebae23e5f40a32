"""The HTML report on text mode: what a text session did not measure, and `--mode both` twins."""

from __future__ import annotations

import re
from pathlib import Path

from crosstalk_harness.reports.outputs import write_run_outputs
from crosstalk_harness.testing.run_dirs import FakeSession, judgement, write_run

LINES = (
    ("agent", "Thank you for calling, how can I help?"),
    ("caller", "Please send it to 42 Elm Street."),
    ("agent", "Sending it to 42 Elm Street."),
)
ASKS = {"rubrics": ["helpful"]}


def _cards(directory: Path) -> tuple[str, dict[str, str]]:
    """The report page, and each session's card by session id."""
    write_run_outputs(directory)
    page = (directory / "report.html").read_text(encoding="utf-8")
    cards = {}
    for card in page.split('<details class="session')[1:]:
        session_id = re.search(r"<small>(\S+)", card)
        assert session_id is not None
        cards[session_id.group(1)] = card.split("</details>")[0]
    return page, cards


def _twins(audio_passed: bool, text_passed: bool, heard: dict[int, str]) -> list[FakeSession]:
    audio = FakeSession(
        lines=LINES, success=ASKS, judgement=judgement(passed=audio_passed), heard_as=heard
    )
    text = FakeSession(
        lines=LINES, success=ASKS, judgement=judgement(passed=text_passed), mode="text"
    )
    return [audio, text]


def test_a_text_session_card_says_what_text_mode_did_not_measure(tmp_path: Path) -> None:
    spec = FakeSession(lines=LINES, success=ASKS, judgement=judgement(), mode="text")
    _, cards = _cards(write_run(tmp_path, [spec], run_id="r"))
    (card,) = cards.values()
    assert 'class="badge passed">passed<' in card  # by design, not inconclusive
    assert "text mode" in card
    assert "Not measured in text mode" in card
    assert "<li>budget response_latency_p95_ms: not measured in text mode</li>" in card
    assert "text turns: no recording" in card


def test_an_audio_card_has_no_not_measured_section(tmp_path: Path) -> None:
    spec = FakeSession(lines=LINES, success=ASKS, judgement=judgement())
    page, _ = _cards(write_run(tmp_path, [spec], run_id="r"))
    assert "Not measured in text mode" not in page
    assert 'id="twins"' not in page


def test_a_misheard_audio_failure_shows_its_passing_text_twin_and_the_hearing_evidence(
    tmp_path: Path,
) -> None:
    sessions = _twins(False, True, {2: "Please spend it on 40 Elm Tree."})
    page, cards = _cards(write_run(tmp_path, sessions, run_id="r"))
    audio, text = cards["01-order_status"], cards["02-order_status-text"]
    assert 'Text twin</b> <a href="#s-02-order_status-text">02-order_status-text</a>' in audio
    assert 'class="badge passed">passed</span>' in audio.split("Text twin</b>")[1]
    assert "attributed to <b>hearing</b>: the text twin passes" in audio
    evidence = "turn 2: the caller said “Please send it to 42 Elm Street.”, the agent heard"
    assert evidence in audio
    assert "spend it on 40 Elm Tree" in audio.split('class="evidence-list"')[1]
    assert 'Text twin of</b> <a href="#s-01-order_status">01-order_status</a>' in text
    twins = page.split('<section id="twins">')[1].split("</section>")[0]
    assert "<b>hearing</b>" in twins and "spend it on 40 Elm Tree" in twins
    assert '<a href="#twins">Text twins</a>' in page


def test_an_audio_failure_whose_text_twin_fails_too_is_reasoning_with_the_twins_reasons(
    tmp_path: Path,
) -> None:
    _, cards = _cards(write_run(tmp_path, _twins(False, False, {}), run_id="r"))
    audio = cards["01-order_status"]
    assert "attributed to <b>reasoning</b>: the text twin fails too" in audio
    assert "never gave the delivery day" in audio.split('class="evidence-list"')[1]


def test_a_passing_audio_session_shows_its_twin_without_an_attribution(tmp_path: Path) -> None:
    _, cards = _cards(write_run(tmp_path, _twins(True, True, {}), run_id="r"))
    assert "Text twin</b>" in cards["01-order_status"]
    assert "is attributed to" not in cards["01-order_status"]
