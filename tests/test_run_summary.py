"""The run summary groups every failure and inconclusive by its recorded kind, with the right
counts, scenarios and first example, in results.json and on the report's first screen."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any
from unittest import mock

from crosstalk_harness import cli
from crosstalk_harness.judging.reasons import REASON_KINDS
from crosstalk_harness.judging.run_summary import GROUPS, group_of
from crosstalk_harness.reports.html import ReportOptions, render_report
from crosstalk_harness.reports.loading import load_run
from crosstalk_harness.reports.results import results_document
from crosstalk_harness.testing.fake_openai import FakeOpenAI
from crosstalk_harness.testing.run_dirs import FakeSession, judgement, write_run


def failed_check(judge: str, reason: str, kind: str | None = None) -> dict[str, Any]:
    """A judgement.json whose one check failed (its kind as recorded, or the registry's)."""
    verdict = {"judge": judge, "kind": "check", "status": "failed", "reason": reason}
    if kind is not None:
        verdict["reason_kind"] = kind
    return {"schema": "crosstalk.judgement/1", "passed": False, "verdicts": [verdict]}


def not_run_rubric() -> dict[str, Any]:
    verdict = {
        "judge": "task_completion",
        "kind": "rubric",
        "status": "not_run",
        "reason": "no judge model configured",
    }
    return {"schema": "crosstalk.judgement/1", "passed": None, "verdicts": [verdict]}


ONE_OF_EACH = [
    FakeSession(
        scenario="street",
        judgement=failed_check(
            "entities_heard", "the agent heard 12 Baker Street as 12 Bakers Treat", "hearing"
        ),
    ),
    FakeSession(scenario="returns", judgement=failed_check("goal_achieved", "goal not reached")),
    FakeSession(
        scenario="order", judgement=failed_check("tool_called", "lookup_order was never called")
    ),
    FakeSession(
        scenario="interrupter",
        judgement=failed_check(
            "no_takeover", "the agent took over in 1 of 2 pauses", "turn-taking"
        ),
    ),
    FakeSession(
        scenario="slow",
        latencies_ms=[5200.0, 5400.0],
        failures=["response_latency_p95_ms 5390 ms > 3000 ms"],
    ),
    FakeSession(scenario="pii", judgement=failed_check("no_pii_spoken", "read a card number")),
    FakeSession(scenario="helpful", judgement=judgement(passed=False, score=0.2)),
    FakeSession(scenario="order", judgement=not_run_rubric()),  # the one inconclusive
    FakeSession(scenario="fine", judgement=judgement(passed=True)),
]


def build(tmp_path: Path) -> Path:
    return write_run(tmp_path, ONE_OF_EACH)


def test_every_reason_kind_has_one_group() -> None:
    assert {kind for group in GROUPS for kind in group.kinds} >= set(REASON_KINDS)
    assert all(group_of(kind).key for kind in REASON_KINDS)
    assert group_of("no-such-kind").key == "other"


def test_groups_counts_scenarios_and_first_examples(tmp_path: Path) -> None:
    document = results_document(load_run(build(tmp_path)))
    groups = {g["group"]: g for g in document["summary"]["groups"]}
    assert list(groups) == ["hearing", "reasoning", "turn-taking", "latency", "guardrail", "judge"]
    expected = {  # group: (failed sessions, inconclusive sessions, scenarios, first example)
        "hearing": (1, 0, ["street"], "01-street"),
        "reasoning": (2, 0, ["returns", "order"], "02-returns"),
        "turn-taking": (1, 0, ["interrupter"], "04-interrupter"),
        "latency": (1, 0, ["slow"], "05-slow"),
        "guardrail": (1, 0, ["pii"], "06-pii"),
        "judge": (1, 1, ["helpful", "order"], "07-helpful"),
    }
    for key, (failed, inconclusive, scenarios, first) in expected.items():
        group = groups[key]
        assert (group["failed_sessions"], group["inconclusive_sessions"]) == (failed, inconclusive)
        assert group["scenarios"] == scenarios, key
        assert group["first_example"]["session_id"] == first, key
    assert groups["hearing"]["first_example"]["text"].endswith("as 12 Bakers Treat")
    assert groups["reasoning"]["kinds"] == {"reasoning": 1, "tool": 1}
    assert groups["judge"]["sessions"] == ["07-helpful", "08-order"]
    counted = {s for g in groups.values() for s in g["sessions"]}
    not_passed = {s["session_id"] for s in document["sessions"] if s["outcome"] != "passed"}
    assert counted == not_passed


def test_a_failure_is_the_first_example_over_an_earlier_inconclusive(tmp_path: Path) -> None:
    run = write_run(
        tmp_path,
        [
            FakeSession(scenario="a", judgement=not_run_rubric()),
            FakeSession(scenario="b", judgement=judgement(passed=False)),
        ],
    )
    (judge,) = results_document(load_run(run))["summary"]["groups"]
    assert judge["first_example"]["session_id"] == "02-b"
    assert (judge["failed_sessions"], judge["inconclusive_sessions"]) == (1, 1)


def test_run_level_reasons_are_grouped_under_the_run(tmp_path: Path) -> None:
    run = write_run(tmp_path, [FakeSession(scenario="a")], not_run=("02-b",))
    (broken,) = results_document(load_run(run))["summary"]["groups"]
    assert broken["group"] == "broken"
    assert broken["first_example"]["session_id"] == "run"
    assert "never started" in broken["first_example"]["text"]


def test_the_first_screen_links_each_group_to_its_first_example(tmp_path: Path) -> None:
    run = load_run(build(tmp_path))
    page = render_report(run, options=ReportOptions(audio="none"))
    table = page[page.index('<div id="summary">') : page.index('<div id="failures">')]
    rows = re.findall(r'data-group="([^"]+)".*?<a href="#([^"]+)">([^<]+)</a>', table, re.S)
    assert [row[0] for row in rows] == [
        "hearing",
        "reasoning",
        "turn-taking",
        "latency",
        "guardrail",
        "judge",
    ]
    for _group, anchor, session_id in rows:
        assert f'id="{anchor}"' in page, session_id
    assert page.index('id="summary"') < page.index('id="failures"')


def test_a_passing_run_has_no_summary(tmp_path: Path) -> None:
    run = write_run(
        tmp_path,
        [
            FakeSession(scenario="a", judgement=judgement(passed=True)),
            FakeSession(scenario="b", judgement=judgement(passed=True)),
        ],
    )
    loaded = load_run(run)
    assert results_document(loaded)["summary"] == {"groups": [], "written": None}
    assert 'id="summary"' not in render_report(loaded, options=ReportOptions(audio="none"))


def report_with_model(run: Path, fake: FakeOpenAI, cache: Path, key: str = "sk-test-secret") -> int:
    env = {
        "CROSSTALK_JUDGE_MODEL": "gpt-test",
        "OPENAI_BASE_URL": fake.base_url,
        "OPENAI_API_KEY": key,
        "CROSSTALK_JUDGE_CACHE": str(cache),
    }
    with mock.patch.dict(os.environ, env):
        return cli.main(["report", str(run), "--audio", "none"])


def test_a_model_written_summary_cites_only_sessions_of_the_run(tmp_path: Path) -> None:
    answer = {
        "went_well": [{"text": "The agent looked orders up.", "sessions": ["03-order"]}],
        "to_improve": [
            {"text": "It misheard an address.", "sessions": ["01-street", "99-invented"]},
            {"text": "An invented point.", "sessions": ["42-nowhere"]},
        ],
    }
    run = build(tmp_path)
    with FakeOpenAI(chat=lambda body: json.dumps(answer)) as fake:
        assert report_with_model(run, fake, tmp_path / "cache") in (1, 4)
        (request,) = fake.chat_requests()
    prompt = request["messages"][1]["content"]
    assert "01-street" in prompt and "the agent heard 12 Baker Street" in prompt
    written = json.loads((run / "results.json").read_text())["summary"]["written"]
    assert written["model_written"] is True and written["dropped_points"] == 1
    assert written["to_improve"] == [{"text": "It misheard an address.", "sessions": ["01-street"]}]
    page = (run / "report.html").read_text()
    block = page[page.index('id="written-summary"') : page.index('id="failures"')]
    assert "Written by a model (gpt-test)" in block and 'href="#' in block
    assert "99-invented" not in page and "sk-test-secret" not in page
    assert "sk-test-secret" not in (run / "written_summary.json").read_text()
    # shown again without a model, until the sessions it was written about change
    assert cli.main(["report", str(run), "--audio", "none"]) in (1, 4)
    assert 'id="written-summary"' in (run / "report.html").read_text()


def test_a_malformed_answer_is_asked_again_then_left_out(tmp_path: Path) -> None:
    run = build(tmp_path)
    with FakeOpenAI(chat=lambda body: "not json at all") as fake:
        assert report_with_model(run, fake, tmp_path / "cache") in (1, 4)
        assert len(fake.chat_requests()) == 2
    written = json.loads((run / "results.json").read_text())["summary"]["written"]
    assert written["went_well"] == [] and "unusable answer after 2 tries" in written["problem"]
    assert 'id="written-summary"' not in (run / "report.html").read_text()
    groups = json.loads((run / "results.json").read_text())["summary"]["groups"]
    assert len(groups) == 6  # the deterministic grouping does not depend on the model
