"""Hearing, fact by fact: entities found or missed with their misheard form, the agent's speech
told from the line's hearing, the hearing budgets and the `entities_heard` check, on constructed
transcripts."""

from __future__ import annotations

import pytest
from crosstalk_harness.judging.budgets import TimingTrust, check_budgets, judge_budgets
from crosstalk_harness.judging.checks import entities_heard
from crosstalk_harness.judging.entities import entity_heard, numbers_in
from crosstalk_harness.judging.hearing import (
    AGENT_SPEECH,
    LINE_HEARING,
    agent_heard_facts,
    agent_wer,
    hearing_summary,
    speech_fidelity,
    spoken_entities,
)
from crosstalk_harness.judging.registry import CHECKS
from crosstalk_harness.judging.session_data import SessionData
from crosstalk_harness.judging.wer import normalise
from crosstalk_harness.rundir.models import Transcript, Turn

ORDER = "42791"


@pytest.mark.parametrize(
    "spoken",
    [
        "42791",
        "4 2 7 9 1",
        "four two seven nine one",
        "forty two seven ninety one",
        "forty-two thousand seven hundred and ninety-one",
        "42,791",
    ],
)
def test_every_way_of_saying_a_number_is_the_same_entity(spoken):
    assert normalise(spoken) == normalise(ORDER)
    heard = entity_heard("My order number is 42791.", f"my order number is {spoken}", ORDER)
    assert heard is not None and heard.heard and heard.heard_as == ORDER


def test_a_missed_entity_comes_with_the_span_heard_in_its_place():
    address = entity_heard(
        "Please deliver it to 12 Baker Street.",
        "Please deliver it to 12 Bakers Treat.",
        "12 Baker Street",
    )
    assert address is not None and not address.heard
    assert address.heard_as == "12 bakers treat"
    order = entity_heard("My order number is 42791.", "5 orders, I do 14791.", ORDER)
    assert order is not None and (order.heard, order.heard_as) == (False, "14791")


def test_digits_heard_next_to_a_misheard_number_belong_to_it():
    order = entity_heard("My order number is 42791.", "5.4, 7.4, 7.9, 1.", ORDER)
    assert order is not None and order.heard_as == "5474791"


def test_an_entity_heard_as_nothing_has_an_empty_form_and_one_not_said_is_none():
    dropped = entity_heard("My order number is 42791.", "My order number is", ORDER)
    assert dropped is not None and (dropped.heard, dropped.heard_as) == (False, "")
    assert entity_heard("Hello there.", "Hello there.", ORDER) is None


def test_numbers_in_a_line_are_its_entities_however_spelt():
    assert numbers_in("Order 4 2 7 9 1 ships in 3 days; call 555 0199.") == ["42791", "5550199"]


def _turns(*rows: tuple[str, str, str | None]) -> list[Turn]:
    turns = [
        Turn(speaker=s, text=t, heard_as=h, start_s=i, end_s=i + 1.0)
        for i, (s, t, h) in enumerate(rows)
    ]
    return Transcript(turns=turns).turns


FACTS = {"order number": ORDER, "new address": "12 Baker Street"}


def test_each_fact_each_caller_turn_said_is_found_or_missed_in_the_agents_transcription():
    turns = _turns(
        ("agent", "How can I help?", "How can I help?"),
        ("caller", "It is order 42791.", "It is order 4 2 7 9 1."),
        ("agent", "And the address?", "And the address?"),
        ("caller", "12 Baker Street, please.", "12 Bakers Treat, please."),
    )
    facts = agent_heard_facts(turns, FACTS)
    assert [(f.turn, f.fact, f.heard, f.heard_as) for f in facts] == [
        (2, "order number", True, ORDER),
        (4, "new address", False, "12 bakers treat"),
    ]
    summary = hearing_summary(facts, [], agent_wer(turns))
    assert summary["entity_recall"] == 0.5 and summary["entities_missed"] == 1
    assert summary["agent_wer"] == pytest.approx(2 / 13, abs=1e-4)  # 2 of 13 words


def test_without_the_agents_hearing_there_is_no_evidence_not_a_miss():
    turns = _turns(("caller", "It is order 42791.", None))
    assert agent_heard_facts(turns, FACTS) is None and agent_wer(turns) is None
    assert hearing_summary(None, [], None)["entity_recall"] is None


def test_a_missed_number_is_agent_speech_when_wrong_even_clean_else_the_lines_hearing():
    intended = "Order 4 2 7 9 1 ships Friday, to 12 Baker Street."
    by_caller = "Order 4 2 7 9 7 ships Friday, to 12 Bakers Treat."
    clean = "Order 4 2 7 9 7 ships Friday, to 12 Baker Street."
    entities = {e.value: e for e in spoken_entities(intended, by_caller, clean, FACTS)}
    assert entities[ORDER].cause == AGENT_SPEECH and entities[ORDER].heard_clean_as == "42797"
    assert entities["12 Baker Street"].cause == LINE_HEARING
    assert entities["12 Baker Street"].heard_as == "12 bakers treat"
    unknown = spoken_entities(intended, by_caller, None, FACTS)
    assert {e.cause for e in unknown if not e.heard_by_caller} == {"unknown"}


def test_fidelity_transcribes_only_the_turns_the_caller_misheard():
    turns = _turns(
        ("agent", "Order 42791 ships Friday.", "Order 42797 ships Friday."),
        ("caller", "Thanks.", "Thanks."),
        ("agent", "Goodbye.", "Goodbye."),
    )
    asked = []

    def clean(turn: Turn) -> str:
        asked.append(turn.number)
        return "Order 42791 ships Friday."

    rows = speech_fidelity(turns, FACTS, clean)
    assert asked == [1]
    assert [(r["turn"], r["clean_from"]) for r in rows] == [(1, "audio"), (3, "heard exactly")]
    assert rows[0]["entities"][0]["cause"] == LINE_HEARING
    summary = hearing_summary([], rows, None)
    assert summary["agent_speech_wer"] == 0.0 and summary["caller_heard_wer"] == round(1 / 9, 4)
    assert (summary["line_errors"], summary["agent_speech_errors"]) == (1, 0)


def test_hearing_budgets_are_not_timing_derived_and_recall_is_a_floor():
    summary = {"entity_recall": 0.5, "agent_wer": 0.1, "agent_speech_wer": None}
    limits = {"entity_recall_min": 1.0, "agent_wer_max": 0.2, "agent_speech_wer_max": 0.1}
    recall, wer, speech = check_budgets(limits, summary)
    assert (recall.passed, wer.passed, speech.passed) == (False, True, None)
    assert "entity_recall_min 0.5 is under its floor of 1.0" in recall.reason()
    assert "not judged" in speech.reason()
    rows, failures = judge_budgets([recall, wer, speech], TimingTrust(False, ("lagged",)))
    assert [row["judged"] for row in rows] == [True, True, False]
    assert [(f.kind, f.source, f.timing_derived) for f in failures] == [
        ("hearing", "budget:entity_recall_min", False)
    ]


def _check(hearing: dict, min_recall: float = 1.0):
    session = SessionData(directory=None, turns=(), hearing=hearing)  # type: ignore[arg-type]
    args = CHECKS["entities_heard"].arguments(min_recall=min_recall)
    return entities_heard(session, args)


def test_entities_heard_names_the_misheard_form_and_needs_evidence():
    facts = [
        {"turn": 2, "fact": "order number", "value": ORDER, "heard": False, "heard_as": "14791"},
        {
            "turn": 4,
            "fact": "new address",
            "value": "12 Baker Street",
            "heard": True,
            "heard_as": "12 baker street",
        },
    ]
    outcome = _check({"facts": facts})
    assert outcome.passed is False and outcome.score == 0.5
    assert "“42791” heard as “14791” (turn 2)" in outcome.reason
    assert _check({"facts": facts}, min_recall=0.5).passed is True
    assert _check({}).passed is None and _check({"facts": []}).passed is None


def test_the_first_screen_names_each_missed_fact_and_each_entity_the_agent_said_wrong():
    from pathlib import Path

    from crosstalk_harness.reports.glance import hearing_lines
    from crosstalk_harness.reports.loading import Session

    session = Session("01-x", Path("01-x"), "completed", "x", "caller")
    session.hearing = {
        "facts": [{"turn": 2, "value": ORDER, "heard": False, "heard_as": "14791"}],
        "agent_turns": [
            {
                "turn": 3,
                "entities": [
                    {"value": ORDER, "heard_clean_as": "42797", "cause": AGENT_SPEECH},
                    {"value": "12", "heard_clean_as": "12", "cause": LINE_HEARING},
                ],
            }
        ],
    }
    lines = [sentence for _, _, sentence in hearing_lines([{"s": session, "anchor": "a"}])]
    assert lines == [
        "the agent heard “42791” as “14791” (turn 2)",
        "the agent's clean speech said “42791” as “42797” (turn 3)",
    ]
    session.hearing = {"facts": [{"turn": 2, "value": ORDER, "heard": True}]}
    assert hearing_lines([{"s": session, "anchor": "a"}]) == []


def _session_dir(tmp_path, transport: str = "inprocess"):
    from crosstalk_harness.rundir.documents import write_session, write_transcript
    from crosstalk_harness.rundir.models import SessionDocument

    document = SessionDocument(
        persona={"name": "p", "facts": {"order number": ORDER}},
        scenario={"caller": {"backend": "offline"}},
        transport={"kind": transport},
    )
    write_session(tmp_path, document)
    write_transcript(
        tmp_path,
        _turns(
            ("agent", "Your order number?", "Your order number?"),
            ("caller", "It is 42791.", "It is 14791."),
            ("agent", "Order 42791, thanks.", "Order 42797, thanks."),
        ),
    )
    return tmp_path


def test_hearing_json_is_written_from_the_session_directory_alone(tmp_path):
    from crosstalk_harness.judging.hearing_files import read_session_hearing, write_session_hearing

    written = write_session_hearing(_session_dir(tmp_path))
    assert read_session_hearing(tmp_path) == written
    assert written["facts"] == [
        {"turn": 2, "fact": "order number", "value": ORDER, "heard": False, "heard_as": "14791"}
    ]
    # no recording to hear the agent's clean speech from: its missed number is of unknown cause
    assert written["transcriber"] is None
    [_, misheard] = written["agent_turns"]
    assert misheard["heard_clean"] is None and misheard["entities"][0]["cause"] == "unknown"


def test_a_remote_agents_speech_fidelity_is_not_measured_but_its_hearing_is(tmp_path):
    from crosstalk_harness.judging.hearing_files import analyse_hearing

    document = analyse_hearing(_session_dir(tmp_path, transport="livekit"))
    assert document["agent_turns"] == [] and document["summary"]["entity_recall"] == 0.0
