"""The LLM judge through the real `openai` SDK against a local chat-completions server: verdicts
parsed with verified evidence, fail-closed answers, retries, timeouts, the cache and costs."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest
from crosstalk_harness.judging.judge import judge_session
from crosstalk_harness.judging.outcome import decide
from crosstalk_harness.judging.settings import NO_KEY_NEEDED, JudgeSettings
from crosstalk_harness.judging.spec import SuccessConfig
from crosstalk_harness.judging.verdicts import Judgement
from crosstalk_harness.testing.fake_openai import ChatReply, FakeOpenAI
from crosstalk_harness.testing.judging_sessions import tool_event, write_session

TASK = SuccessConfig(rubrics=["task_completion"])
GOOD = {
    "request_resolved": ("5", [(3, "Order 42791 shipped yesterday")]),
    "outcome_confirmed": ("pass", [(5, "will now be delivered to 12 Baker Street")]),
}


def answer(criteria: dict[str, tuple[str, list[tuple[int, str]]]]) -> str:
    return json.dumps(
        {
            "criteria": {
                name: {
                    "rationale": f"{name} judged",
                    "evidence": [{"turn": turn, "quote": quote} for turn, quote in quotes],
                    "score": score,
                }
                for name, (score, quotes) in criteria.items()
            }
        }
    )


@pytest.fixture
def session_dir(tmp_path: Path) -> Path:
    return write_session(tmp_path / "01-order", events=[tool_event(t=3.0)])


def settings(fake: FakeOpenAI, tmp_path: Path, **overrides: Any) -> JudgeSettings:
    values: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "base_url": fake.base_url,
        "api_key": "sk-test",
        "timeout_s": 5.0,
        "max_retries": 2,
        "price": (0.15, 0.60),
        "cache_dir": tmp_path / "cache",
    }
    return JudgeSettings(**{**values, **overrides})


def judge(
    directory: Path, judge_settings: JudgeSettings, success: SuccessConfig = TASK
) -> Judgement:
    return asyncio.run(judge_session(directory, success, judge_settings))


def the_verdict(judgement: Judgement):
    [verdict] = judgement.verdicts
    return verdict


def test_request_is_temperature_zero_structured_output_with_the_rendered_call(
    session_dir, tmp_path
):
    with FakeOpenAI(chat=lambda body: ChatReply(answer(GOOD), prompt_tokens=1000)) as fake:
        judgement = judge(session_dir, settings(fake, tmp_path))
        [body] = fake.chat_requests()
    assert body["model"] == "gpt-4o-mini" and body["temperature"] == 0
    response_format = body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["strict"] is True
    criteria = response_format["json_schema"]["schema"]["$defs"]["Criteria"]
    assert criteria["required"] == ["request_resolved", "outcome_confirmed"]
    assert criteria["additionalProperties"] is False
    system, user = (message["content"] for message in body["messages"])
    assert "request_resolved (score 1 to 5)" in system and "5: fully done" in system
    assert 'Turn 3 | agent | 4.00-5.50 s: "Let me check. Order 42791 shipped' in user
    assert '[agent tool call at 3.00 s] lookup_order({"order_id": "42791"})' in user
    assert user.index("Turn 2 |") < user.index("tool call") < user.index("Turn 3 |")

    verdict = the_verdict(judgement)
    assert (verdict.kind, verdict.status, verdict.score) == ("rubric", "passed", 1.0)
    resolved, confirmed = verdict.criteria
    assert (resolved.score, resolved.max_score, resolved.passed) == (5.0, 5.0, True)
    assert resolved.evidence[0].turn == 3 and resolved.evidence[0].found
    assert confirmed.score == 1.0 and confirmed.evidence[0].found
    assert judgement.passed
    usage = judgement.usage
    assert (usage.prompt_tokens, usage.completion_tokens) == (1000, 20)
    assert usage.cost_usd == pytest.approx((1000 * 0.15 + 20 * 0.60) / 1e6)
    written = json.loads((session_dir / "judgement.json").read_text())
    assert written["usage"]["prompt_tokens"] == 1000
    assert written["verdicts"][0]["criteria"][0]["evidence"][0]["found"] is True


def test_a_low_score_fails_the_rubric_and_the_session(session_dir, tmp_path):
    low = {**GOOD, "request_resolved": ("2", [(3, "Let me check")])}
    with FakeOpenAI(chat=lambda body: answer(low)) as fake:
        judgement = judge(session_dir, settings(fake, tmp_path))
    verdict = the_verdict(judgement)
    assert verdict.status == "failed"
    assert verdict.reason == "request_resolved: 2/5 (needs 4)"
    assert verdict.score == pytest.approx((2 * 0.4 + 1 * 1.0) / 3, abs=1e-4)
    assert not judgement.passed
    assert judgement.failures == ["task_completion: request_resolved: 2/5 (needs 4)"]


@pytest.mark.parametrize(
    ("content", "status", "in_reason"),
    [
        ("this is not json", "error", "not JSON"),
        (json.dumps({"verdict": "pass"}), "error", "no `criteria` object"),
        (
            answer({"request_resolved": GOOD["request_resolved"]}),
            "error",
            "outcome_confirmed: missing",
        ),
        (
            answer({**GOOD, "outcome_confirmed": ("unsure", [])}),
            "error",
            "outcome_confirmed: judge unsure",
        ),
        (
            answer({**GOOD, "outcome_confirmed": ("maybe", [])}),
            "error",
            "outcome_confirmed malformed",
        ),
    ],
)
def test_the_judge_fails_closed(session_dir, tmp_path, content, status, in_reason):
    with FakeOpenAI(chat=lambda body: content) as fake:
        judgement = judge(session_dir, settings(fake, tmp_path))
    verdict = the_verdict(judgement)
    assert verdict.status == status
    assert in_reason in verdict.reason
    assert not judgement.passed


@pytest.mark.parametrize(
    "criteria",
    [
        {"request_resolved": GOOD["request_resolved"]},
        {**GOOD, "outcome_confirmed": ("unsure", [])},
        {**GOOD, "outcome_confirmed": ("maybe", [])},
    ],
    ids=["missing", "unsure", "malformed"],
)
def test_an_undecided_criterion_makes_the_session_inconclusive_not_failed(
    session_dir, tmp_path, criteria
):
    with FakeOpenAI(chat=lambda body: answer(criteria)) as fake:
        judge(session_dir, settings(fake, tmp_path))
    judgement = json.loads((session_dir / "judgement.json").read_text())
    decided = decide("completed", {}, judgement)
    assert decided.outcome == "inconclusive"
    assert any("did not decide every criterion" in line for line in decided.unjudged)
    assert not decided.failed


def test_a_decided_failure_beside_an_undecided_criterion_still_fails(session_dir, tmp_path):
    low = {"request_resolved": ("2", [(3, "Let me check")]), "outcome_confirmed": ("unsure", [])}
    with FakeOpenAI(chat=lambda body: answer(low)) as fake:
        verdict = the_verdict(judge(session_dir, settings(fake, tmp_path)))
    assert verdict.status == "failed"
    assert "request_resolved: 2/5 (needs 4)" in verdict.reason


def test_quotes_not_in_the_transcript_are_flagged_as_hallucinated(session_dir, tmp_path):
    invented = {**GOOD, "outcome_confirmed": ("pass", [(5, "we refunded your money")])}
    with FakeOpenAI(chat=lambda body: answer(invented)) as fake:
        judgement = judge(session_dir, settings(fake, tmp_path))
    verdict = the_verdict(judgement)
    confirmed = verdict.criteria[1]
    assert confirmed.evidence[0].found is False
    assert confirmed.passed is False
    assert confirmed.rationale.startswith("hallucinated evidence")
    assert verdict.status == "failed" and "hallucinated evidence" in verdict.reason
    # the right words cited at the wrong turn are not evidence either
    misplaced = {**GOOD, "outcome_confirmed": ("pass", [(1, "12 Baker Street")])}
    with FakeOpenAI(chat=lambda body: answer(misplaced)) as fake:
        verdict = the_verdict(judge(session_dir, settings(fake, tmp_path)))
    assert verdict.criteria[1].evidence[0].found is False


def test_rate_limits_and_server_errors_are_retried_with_backoff(session_dir, tmp_path):
    replies = iter(
        [
            ChatReply(status=429, headers={"retry-after-ms": "400"}),
            ChatReply(status=500),
            ChatReply(answer(GOOD)),
        ]
    )
    with FakeOpenAI(chat=lambda body: next(replies)) as fake:
        started = time.monotonic()
        judgement = judge(session_dir, settings(fake, tmp_path))
        elapsed = time.monotonic() - started
        assert len(fake.chat_requests()) == 3
    assert the_verdict(judgement).status == "passed"
    assert elapsed >= 0.4  # the server's retry-after was honoured


def test_errors_that_outlast_the_retries_are_an_error_verdict(session_dir, tmp_path):
    with FakeOpenAI(chat=lambda body: ChatReply(status=503)) as fake:
        judgement = judge(session_dir, settings(fake, tmp_path, max_retries=1))
        assert len(fake.chat_requests()) == 2
    verdict = the_verdict(judgement)
    assert verdict.status == "error" and "HTTP 503" in verdict.reason
    assert not judgement.passed


def test_a_slow_model_times_out(session_dir, tmp_path):
    with FakeOpenAI(chat=lambda body: ChatReply(answer(GOOD), delay_s=3.0)) as fake:
        judgement = judge(session_dir, settings(fake, tmp_path, timeout_s=0.5, max_retries=0))
    verdict = the_verdict(judgement)
    assert verdict.status == "error" and "timed out" in verdict.reason


def test_the_second_run_is_answered_from_the_cache(session_dir, tmp_path):
    with FakeOpenAI(chat=lambda body: answer(GOOD)) as fake:
        first = judge(session_dir, settings(fake, tmp_path))
        second = judge(session_dir, settings(fake, tmp_path))
        assert len(fake.chat_requests()) == 1
        # another model, or a changed transcript, is a different key
        judge(session_dir, settings(fake, tmp_path, model="gpt-4.1-mini"))
        write_session(session_dir, [("agent", "Hello."), ("caller", "Bye.")])
        judge(session_dir, settings(fake, tmp_path))
        assert len(fake.chat_requests()) == 3
    assert first.verdicts == second.verdicts
    assert (second.usage.prompt_tokens, second.usage.cost_usd) == (0, 0.0)
    assert second.usage.cached_calls == 1 and first.usage.cached_calls == 0


def test_two_servers_serving_the_same_model_name_do_not_share_answers(session_dir, tmp_path):
    low = {**GOOD, "request_resolved": ("2", [(3, "Let me check")])}
    with (
        FakeOpenAI(chat=lambda body: answer(GOOD)) as first,
        FakeOpenAI(chat=lambda body: answer(low)) as second,
    ):
        assert the_verdict(judge(session_dir, settings(first, tmp_path))).status == "passed"
        assert the_verdict(judge(session_dir, settings(second, tmp_path))).status == "failed"
        assert len(second.chat_requests()) == 1


def test_unparseable_answers_are_not_cached(session_dir, tmp_path):
    replies = iter(["garbage", answer(GOOD)])
    with FakeOpenAI(chat=lambda body: next(replies)) as fake:
        assert the_verdict(judge(session_dir, settings(fake, tmp_path))).status == "error"
        assert the_verdict(judge(session_dir, settings(fake, tmp_path))).status == "passed"
        assert len(fake.chat_requests()) == 2


def test_samples_report_the_median_and_the_agreement(session_dir, tmp_path):
    scores = iter(["5", "2", "4"])

    def vary(body: dict[str, Any]) -> str:
        return answer({**GOOD, "request_resolved": (next(scores), [(3, "shipped yesterday")])})

    with FakeOpenAI(chat=vary) as fake:
        judgement = judge(session_dir, settings(fake, tmp_path, samples=3))
        assert len(fake.chat_requests()) == 3
    resolved = the_verdict(judgement).criteria[0]
    assert resolved.score == 4.0 and resolved.passed
    assert "median of 3 samples, agreement 67%" in resolved.rationale
    assert judgement.usage.prompt_tokens == 300


def test_a_majority_of_unsure_samples_fails_closed(session_dir, tmp_path):
    levels = iter(["unsure", "5", "unsure"])

    def vary(body: dict[str, Any]) -> str:
        return answer({**GOOD, "request_resolved": (next(levels), [])})

    with FakeOpenAI(chat=vary) as fake:
        verdict = the_verdict(judge(session_dir, settings(fake, tmp_path, samples=3)))
    assert verdict.status == "error" and "request_resolved: judge unsure" in verdict.reason


def test_turn_taking_sees_the_probes_and_context_reaches_the_prompt(tmp_path):
    probes = {"summary": {"greeting_latency_ms": 610.0}, "responses": [], "interruptions": []}
    directory = write_session(tmp_path / "s", probes=probes)
    success = SuccessConfig(rubrics=["turn_taking"], context="Refunds only within 30 days.")
    reply = answer({"responsive": ("4", []), "yields_when_interrupted": ("pass", [])})
    with FakeOpenAI(chat=lambda body: reply) as fake:
        verdict = the_verdict(judge(directory, settings(fake, tmp_path), success))
        user = fake.chat_requests()[0]["messages"][1]["content"]
    assert verdict.status == "passed"
    assert '"greeting_latency_ms": 610.0' in user
    assert "Refunds only within 30 days." in user


def test_settings_come_from_the_environment_and_price_dated_models(monkeypatch, tmp_path):
    monkeypatch.setenv("CROSSTALK_JUDGE_CACHE", str(tmp_path / "c"))
    env = {"CROSSTALK_JUDGE_MODEL": "gpt-4o-mini-2024-07-18", "OPENAI_BASE_URL": "http://x/v1"}
    resolved = JudgeSettings.resolve(env=env)
    assert resolved.configured and resolved.api_key == NO_KEY_NEEDED
    assert resolved.price == (0.15, 0.60) and resolved.cache_dir == tmp_path / "c"
    assert "sk-" not in repr(JudgeSettings.resolve(env={"OPENAI_API_KEY": "sk-secret"}))
    assert not JudgeSettings.resolve(env={"OPENAI_API_KEY": "sk-x"}).configured
    unknown = JudgeSettings.resolve(env={**env, "CROSSTALK_JUDGE_MODEL": "llama-3"})
    assert unknown.price is None and unknown.cost_usd(100, 10) is None
    custom = JudgeSettings.resolve(env={**env, "CROSSTALK_JUDGE_PRICE": "1,2"})
    assert custom.cost_usd(1_000_000, 500_000) == 2.0
