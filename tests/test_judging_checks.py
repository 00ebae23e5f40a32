"""Each deterministic check passes and fails on a real session directory, and judgement.json
comes out in the documented shape; sentiment and pass^k are measured from the files alone."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from crosstalk_harness.judging.judge import judge_session
from crosstalk_harness.judging.repeats import repeat_groups
from crosstalk_harness.judging.settings import JudgeSettings
from crosstalk_harness.judging.spec import SuccessConfig
from crosstalk_harness.testing.judging_sessions import (
    ORDER_CALL,
    session_document,
    tool_event,
    write_session,
)

OFFLINE = JudgeSettings()


def _judge(directory: Path, **success: Any) -> dict[str, Any]:
    asyncio.run(judge_session(directory, SuccessConfig.model_validate(success), OFFLINE))
    return json.loads((directory / "judgement.json").read_text())


def _only(document: dict[str, Any]) -> dict[str, Any]:
    [verdict] = document["verdicts"]
    return verdict


CASES = [
    # (check entry, session files, expected status)
    ({"must_say": {"pattern": r"shipped \w+"}}, {}, "passed"),
    ({"must_say": {"pattern": "refund"}}, {}, "failed"),
    ({"must_say": {"pattern": "order 42791", "speaker": "caller"}}, {}, "passed"),
    ({"must_not_say": {"pattern": "guarantee"}}, {}, "passed"),
    ({"must_not_say": {"pattern": "baker street"}}, {}, "failed"),
    (
        {"tool_called": {"name": "lookup_order", "arguments": {"order_id": 42791}}},
        {"events": [tool_event()]},
        "passed",
    ),
    (
        {"tool_called": {"name": "lookup_order", "arguments": {"order_id": "11111"}}},
        {"events": [tool_event()]},
        "failed",
    ),
    ({"tool_called": {"name": "lookup_order"}}, {"events": []}, "failed"),
    ({"tool_not_called": {"name": "issue_refund"}}, {"events": [tool_event()]}, "passed"),
    ({"tool_not_called": {"name": "lookup_order"}}, {"events": [tool_event()]}, "failed"),
    (
        {
            "db_state": {
                "query": "SELECT address FROM orders WHERE id = 42791",
                "expect_value": "12 Baker Street",
            }
        },
        {"database": {"orders": (["id", "address"], [(42791, "12 Baker Street")])}},
        "passed",
    ),
    (
        {"db_state": {"query": "SELECT id, address FROM orders", "expect_rows": [[42791, "x"]]}},
        {"database": {"orders": (["id", "address"], [(42791, "12 Baker Street")])}},
        "failed",
    ),
    ({"db_state": {"query": "SELECT 1", "expect_value": 1}}, {}, "error"),
    ({"max_turns": {"limit": 6}}, {}, "passed"),
    ({"max_turns": {"limit": 2, "speaker": "agent"}}, {}, "failed"),
    ({"max_duration": {"seconds": 12}}, {}, "passed"),
    ({"max_duration": {"seconds": 5}}, {}, "failed"),
    ("goal_achieved", {"caller_state": {"goal_achieved": True, "ended_by": "caller"}}, "passed"),
    (
        "goal_achieved",
        {"caller_state": {"goal_achieved": False, "ended_by": "caller", "reason": "no help"}},
        "failed",
    ),
    ("goal_achieved", {}, "not_run"),
    ({"caller_sentiment": {"min_mean": 0.0}}, {}, "passed"),
    ({"caller_sentiment": {"min_final": 0.9}}, {}, "failed"),
]


@pytest.mark.parametrize(("entry", "files", "expected"), CASES)
def test_each_check_judges_a_session_directory(tmp_path, entry, files, expected):
    directory = write_session(tmp_path / "01-call", **files)
    verdict = _only(_judge(directory, checks=[entry]))
    assert verdict["status"] == expected, verdict["reason"]
    assert verdict["kind"] == "check" and verdict["reason"]


PII_CALL = [
    ("agent", "Hello, how can I help?"),
    ("caller", "My card is 4111 1111 1111 1111 and my email is jo@example.com."),
    ("agent", "Thanks. I have your card ending in 1111 on file."),
]


def test_pii_spoken_back_is_caught_even_as_spoken_digits(tmp_path):
    echoed = [
        *PII_CALL[:2],
        ("agent", "So that is four one one one one one one one one one one one one one one one."),
    ]
    directory = write_session(tmp_path / "echo", echoed)
    verdict = _only(_judge(directory, checks=["no_pii_spoken"]))
    assert verdict["status"] == "failed"
    [criterion] = verdict["criteria"]
    assert criterion["evidence"][0]["turn"] == 3

    quiet = write_session(tmp_path / "quiet", PII_CALL)
    assert _only(_judge(quiet, checks=["no_pii_spoken"]))["status"] == "passed"


def test_email_read_back_fails_and_unechoed_values_pass_unless_asked(tmp_path):
    email_back = [*PII_CALL[:2], ("agent", "I will write to jo@example.com today.")]
    directory = write_session(tmp_path / "email", email_back)
    assert _only(_judge(directory, checks=["no_pii_spoken"]))["status"] == "failed"

    invented = [("agent", "Call us on +1 415 555 0100 any time."), ("caller", "Thanks.")]
    directory = write_session(tmp_path / "phone", invented)
    assert _only(_judge(directory, checks=["no_pii_spoken"]))["status"] == "passed"
    strict = {"no_pii_spoken": {"echoed_only": False}}
    assert _only(_judge(directory, checks=[strict]))["status"] == "failed"


def test_judgement_json_has_the_documented_shape_and_gates_on_failures(tmp_path):
    directory = write_session(tmp_path / "01-call", events=[tool_event()])
    document = _judge(
        directory,
        checks=[{"must_say": {"pattern": "shipped"}}, {"must_say": {"pattern": "refund"}}],
        rubrics=["task_completion"],
    )
    assert document["schema"] == "crosstalk.judgement/1"
    assert document["passed"] is False
    assert document["score"] == 0.5
    assert [v["status"] for v in document["verdicts"]] == ["passed", "failed", "not_run"]
    rubric = document["verdicts"][2]
    assert rubric["kind"] == "rubric" and rubric["reason"].startswith("no model configured")
    criterion = document["verdicts"][0]["criteria"][0]
    assert set(criterion) == {"name", "score", "max_score", "passed", "rationale", "evidence"}
    assert criterion["evidence"] == [{"turn": 3, "quote": "shipped", "found": True}]
    assert set(document["sentiment"]) == {"turns", "mean", "trend"}
    assert set(document["usage"]) >= {"prompt_tokens", "completion_tokens", "cost_usd"}


def test_not_run_verdicts_do_not_gate(tmp_path):
    directory = write_session(tmp_path / "01-call")
    document = _judge(directory, checks=["goal_achieved"], rubrics=["empathy_tone"])
    assert [v["status"] for v in document["verdicts"]] == ["not_run", "not_run"]
    assert document["passed"] is True and document["score"] is None


def test_caller_sentiment_per_turn_and_its_trend(tmp_path):
    souring = [
        ("agent", "Hello."),
        ("caller", "Hi, thanks, lovely to talk to you, I am happy with my order."),
        ("agent", "Good."),
        ("caller", "Actually it is late and I am annoyed."),
        ("agent", "I see."),
        ("caller", "This is terrible, useless, awful service. I am furious."),
    ]
    document = _judge(write_session(tmp_path / "a", souring))
    sentiment = document["sentiment"]
    assert [t["turn"] for t in sentiment["turns"]] == [2, 4, 6]
    compounds = [t["compound"] for t in sentiment["turns"]]
    assert compounds[0] > 0.5 and compounds[2] < -0.5
    assert sentiment["trend"] < -0.3

    happy = _judge(write_session(tmp_path / "b", ORDER_CALL))["sentiment"]
    assert happy["mean"] > 0


def test_pass_hat_k_over_repeated_sessions_of_a_run(tmp_path):
    run = tmp_path / "run"
    for repeat, failures in enumerate([[], ["must_say: never said"], []]):
        write_session(
            run / f"0{repeat + 1}-order",
            session=session_document("order", repeat=repeat, failures=failures),
        )
    write_session(run / "04-other", session=session_document("other"))
    write_session(run / "05-other", session=session_document("other", status="cancelled"))
    order, other = repeat_groups(run)
    assert (order.scenario, order.runs, order.passes) == ("order", 3, 2)
    assert order.pass_rate == pytest.approx(0.6667)
    assert order.pass_all is False
    assert order.pass_hat_k == {1: 0.6667, 2: 0.3333, 3: 0.0}
    # a cancelled repeat is no pass (results.json's cells count it so too)
    assert (other.runs, other.pass_all, other.pass_hat_k) == (2, False, {1: 0.5, 2: 0.0})
    assert order.to_json()["pass_hat_k"]["2"] == 0.3333
    # a later `crosstalk judge` that failed a session counts
    (run / "03-order" / "judgement.json").write_text(json.dumps({"passed": False}))
    assert repeat_groups(run)[0].passes == 1


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("(?i)22 oak avenue", "“22 oak avenue”"),
        ("10358|1 0 3 5 8", "“10358” or “1 0 3 5 8”"),
        (r"\bnine\b", "“nine”"),
        (r"ord(er)? \d+", r"something matching /ord(er)? \d+/"),
    ],
)
def test_patterns_are_shown_as_words_where_they_are_plain(pattern, words):
    from crosstalk_harness.judging.checks import in_words

    assert in_words(pattern) == words


def test_a_check_description_leads_its_reason(tmp_path):
    directory = write_session(tmp_path / "01-call")
    entry = {"must_say": {"pattern": "refund", "description": "the agent offers a refund"}}
    verdict = _only(_judge(directory, checks=[entry]))
    assert verdict["status"] == "failed"
    assert verdict["reason"] == "the agent offers a refund: no, the agent never said “refund”"


@pytest.mark.parametrize(
    "query",
    [
        "VACUUM INTO '{copy}'",
        "ATTACH DATABASE '{copy}' AS other",
        "PRAGMA query_only = 0",
    ],
)
def test_a_db_state_query_can_only_read(tmp_path, query):
    database = {"orders": (["id", "address"], [(42791, "12 Baker Street")])}
    directory = write_session(tmp_path / "01-call", database=database)
    copy = tmp_path / "copy.db"
    entry = {"db_state": {"query": query.format(copy=copy), "expect_value": 1}}
    verdict = _only(_judge(directory, checks=[entry]))
    assert verdict["status"] == "error" and "may only read" in verdict["reason"]
    assert not copy.exists()
