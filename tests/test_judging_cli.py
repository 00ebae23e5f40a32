"""`crosstalk judge` (re-judging run directories, calibration) and `crosstalk review`, run as a
user would, in a child process, on hand-written run directories and the shipped labelled set."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from crosstalk_harness.commands.review import review_interactively
from crosstalk_harness.judging.calibration import cohens_kappa, load_items
from crosstalk_harness.testing.fake_openai import ChatReply, FakeOpenAI
from crosstalk_harness.testing.judging_sessions import session_document, tool_event, write_session

from .conftest import REPO, run_crosstalk

LABELS = REPO / "judges" / "calibration"
NO_CACHE = {"CROSSTALK_JUDGE_CACHE": "off"}


def _run_dir(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    success = {
        "checks": [
            {"must_say": {"pattern": "shipped"}},
            {"tool_called": {"name": "lookup_order", "arguments": {"order_id": "42791"}}},
        ],
        "rubrics": ["task_completion"],
    }
    for index in (1, 2):
        write_session(
            run / f"0{index}-order",
            events=[tool_event()] if index == 1 else [],
            session=session_document("order", success, repeat=index - 1),
        )
    return run


def test_judge_rewrites_judgements_of_a_run_offline(tmp_path):
    run = _run_dir(tmp_path)
    result = run_crosstalk("judge", str(run), env=NO_CACHE)
    assert result.exit_code == 1, result.stderr
    # the rubric could not run (no model): the first session is inconclusive, not passed
    assert "01-order: INCONCLUSIVE" in result.stdout and "02-order: FAILED" in result.stdout
    assert "not_run  rubric task_completion: no model configured" in result.stdout
    assert "the agent never called lookup_order" in result.stdout
    assert "order (caller): 0/2 passed, pass^2 no" in result.stdout
    first = json.loads((run / "01-order" / "judgement.json").read_text())
    second = json.loads((run / "02-order" / "judgement.json").read_text())
    assert first["passed"] is True and second["passed"] is False

    one = run_crosstalk("judge", str(run / "01-order"), "--json", env=NO_CACHE)
    assert one.exit_code == 4  # nothing failed, the rubric was not run: inconclusive
    allowed = ("--allow-inconclusive",)
    assert run_crosstalk("judge", str(run / "01-order"), *allowed, env=NO_CACHE).exit_code == 0
    [session] = one.json()["sessions"]
    assert session["schema"] == "crosstalk.judgement/1" and session["session"].endswith("01-order")


def test_judge_names_a_directory_without_sessions(tmp_path):
    result = run_crosstalk("judge", str(tmp_path))
    assert result.exit_code == 2
    assert "neither a session directory nor a run directory" in result.stderr


def test_judge_with_a_model_scores_rubrics_through_the_server(tmp_path):
    run = _run_dir(tmp_path)
    reply = json.dumps(
        {
            "criteria": {
                "request_resolved": {"rationale": "r", "evidence": [], "score": "5"},
                "outcome_confirmed": {"rationale": "r", "evidence": [], "score": "pass"},
            }
        }
    )
    with FakeOpenAI(chat=lambda body: reply) as fake:
        result = run_crosstalk(
            "judge", str(run / "01-order"), "--base-url", fake.base_url, "--model", "gpt-4o",
            env=NO_CACHE,
        )  # fmt: skip
        [body] = fake.chat_requests()
    assert result.exit_code == 0, result.stdout + result.stderr
    assert body["model"] == "gpt-4o"
    assert "passed   rubric task_completion: all 2 criteria passed" in result.stdout
    assert "judge usage: 100+20 tokens, $0.0004" in result.stdout


def test_calibrate_without_a_model_says_so_and_exits_3():
    result = run_crosstalk("judge", "calibrate", str(LABELS))
    assert result.exit_code == 3
    assert "no model configured" in result.stderr and "nothing was judged" in result.stderr


def test_the_shipped_labelled_set_covers_passes_and_failures_of_every_rubric():
    items = load_items(LABELS)
    assert len(items) >= 24
    seen: dict[str, set[str]] = {}
    for _, item in items:
        for criterion, label in item.labels.items():
            seen.setdefault(f"{item.rubric}.{criterion}", set()).add(label)
    rubrics = {key.split(".")[0] for key in seen}
    assert rubrics == {p.stem for p in (REPO / "judges").glob("*.yaml")}
    assert all(labels == {"pass", "fail"} for labels in seen.values()), seen


def _label_oracle(flip_rubric: str | None = None):
    """A fake judge that answers with the human labels (or "pass" for every criterion of one
    rubric), finding the item by its transcript in the prompt."""
    items = [item for _, item in load_items(LABELS)]

    def handler(body: dict[str, Any]) -> ChatReply:
        prompt = body["messages"][1]["content"]
        if isinstance(prompt, list):  # an audio rubric's: the transcript, then the turns' audio
            prompt = prompt[0]["text"]
        [item] = [i for i in items if all(f'"{t.text}"' in prompt for t in i.turns)]
        schema = body["response_format"]["json_schema"]["schema"]["$defs"]
        criteria = {}
        for name, label in item.labels.items():
            levels = schema[f"Answer_{name}"]["properties"]["score"]["enum"]
            if item.rubric == flip_rubric:
                label = "pass"
            score = label if "pass" in levels else ("5" if label == "pass" else "2")
            quote = " ".join(item.turns[0].text.split()[:2])
            evidence = [{"turn": 1, "quote": quote}]
            criteria[name] = {"rationale": "from the labels", "evidence": evidence, "score": score}
        return ChatReply(json.dumps({"criteria": criteria}), prompt_tokens=400)

    return handler


def test_calibrate_measures_agreement_against_a_judge_that_answers_from_the_labels():
    with FakeOpenAI(chat=_label_oracle()) as fake:
        result = run_crosstalk(
            "judge", "calibrate", str(LABELS), "--base-url", fake.base_url, "--json",
            env=NO_CACHE,
        )  # fmt: skip
        requests = len(fake.chat_requests())
    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert requests == report["items"] == 36
    assert report["overall"]["accuracy"] == 1.0 and report["overall"]["kappa"] == 1.0
    assert all(c["kappa"] == 1.0 for c in report["criteria"])
    assert report["disagreements"] == [] and report["errors"] == []
    assert report["usage"]["prompt_tokens"] == 36 * 400
    assert report["model"] == "default"


def test_calibrate_reports_disagreement_per_criterion_and_gates_on_kappa():
    with FakeOpenAI(chat=_label_oracle(flip_rubric="empathy_tone")) as fake:
        result = run_crosstalk(
            "judge", "calibrate", str(LABELS), "--base-url", fake.base_url, "--model", "m",
            "--min-kappa", "0.9", env=NO_CACHE,
        )  # fmt: skip
    assert result.exit_code == 1, result.stderr
    rows = {
        match[0]: (int(match[1]), float(match[2]), match[3])
        for match in re.findall(r"^  (\S+)\s+(\d+)\s+([\d.]+)\s+(\S+)$", result.stdout, re.M)
    }
    # human acknowledges_feelings: pass, fail, fail, pass, fail; the judge says pass to all
    assert rows["empathy_tone.acknowledges_feelings"] == (5, 0.4, "0.00")
    assert rows["empathy_tone.courteous"] == (5, 0.6, "0.00")
    assert rows["task_completion.request_resolved"] == (5, 1.0, "1.00")
    assert "disagrees: 17-empathy-ignored.yaml: empathy_tone.acknowledges_feelings" in result.stdout


def test_cohens_kappa_matches_a_worked_example():
    # 10 pairs: both yes 4, both no 3, human yes judge no 2, human no judge yes 1
    pairs = [(True, True)] * 4 + [(False, False)] * 3 + [(True, False)] * 2 + [(False, True)]
    # po = 0.7; pe = 0.6 * 0.5 + 0.4 * 0.5 = 0.5; kappa = 0.2 / 0.5
    assert cohens_kappa(pairs) == pytest.approx(0.4)
    assert cohens_kappa([(True, True)] * 3) is None  # no variation: chance agreement is total
    assert cohens_kappa([]) is None


def test_review_records_a_verdict_without_a_prompt(tmp_path):
    run = _run_dir(tmp_path)
    result = run_crosstalk(
        "review", str(run), "--session", "02-order", "--verdict", "fail",
        "--notes", "never looked the order up", "--reviewer", "dana",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    review = json.loads((run / "02-order" / "review.json").read_text())
    assert set(review) == {"verdict", "notes", "reviewer", "at"}
    assert (review["verdict"], review["notes"], review["reviewer"]) == (
        "fail",
        "never looked the order up",
        "dana",
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", review["at"])
    assert not (run / "01-order" / "review.json").exists()


def test_review_errors_are_one_line_with_exit_2(tmp_path):
    run = _run_dir(tmp_path)
    missing = run_crosstalk("review", str(run), "--session", "09-x", "--verdict", "pass")
    assert missing.exit_code == 2
    assert "no session '09-x' (sessions: 01-order, 02-order)" in missing.stderr
    no_session = run_crosstalk("review", str(run), "--verdict", "pass")
    assert no_session.exit_code == 2 and "--verdict needs --session" in no_session.stderr
    no_terminal = run_crosstalk("review", str(run))
    assert no_terminal.exit_code == 2 and "no terminal to ask at" in no_terminal.stderr
    bad = run_crosstalk("review", str(run), "--session", "01-order", "--verdict", "great")
    assert bad.exit_code == 2 and "invalid choice" in bad.stderr


def test_interactive_review_asks_per_session_and_skips_or_quits(tmp_path, capsys):
    run = _run_dir(tmp_path)
    write_session(run / "03-order", session=session_document("order"))
    answers = iter(["x", "p", "fine call", "s", "q"])
    written = review_interactively(
        sorted(p for p in run.iterdir()), "sam", ask=lambda prompt: next(answers)
    )
    assert written == 1
    shown = capsys.readouterr().out
    assert "== 01-order: completed" in shown and "answer p, f, u, s or q" in shown
    assert "3 agent  Let me check. Order 42791 shipped" in shown
    review = json.loads((run / "01-order" / "review.json").read_text())
    assert (review["verdict"], review["notes"], review["reviewer"]) == ("pass", "fine call", "sam")
    assert not (run / "02-order" / "review.json").exists()
    assert not (run / "03-order" / "review.json").exists()


@pytest.mark.parametrize(
    ("reply", "in_reason"),
    [
        (
            ChatReply(raw_body='{"id": "chatcmpl-1", "choices": [{"message": {"content": "{\\"cr'),
            "not valid JSON",
        ),
        (
            ChatReply(raw_body="<html><body>Welcome</body></html>", content_type="text/html"),
            "did not answer with a chat completion",
        ),
    ],
)
def test_a_broken_judge_server_is_an_error_verdict_never_a_stale_pass(tmp_path, reply, in_reason):
    run = _run_dir(tmp_path)
    stale = {"schema": "crosstalk.judgement/1", "passed": True, "verdicts": []}
    for session in ("01-order", "02-order"):
        (run / session / "judgement.json").write_text(json.dumps(stale))
    with FakeOpenAI(chat=lambda body: reply) as fake:
        env = {
            **NO_CACHE,
            "OPENAI_BASE_URL": fake.base_url,
            "OPENAI_API_KEY": "sk-test",
            "CROSSTALK_JUDGE_MODEL": "gpt-4o-mini",
        }
        result = run_crosstalk("judge", str(run), env=env)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    # the second session fails a check; the first is inconclusive (its rubric could not be judged)
    assert result.exit_code == 1, result.stderr
    assert "01-order: INCONCLUSIVE" in result.stdout
    first = json.loads((run / "01-order" / "judgement.json").read_text())
    rubric = next(v for v in first["verdicts"] if v["judge"] == "task_completion")
    assert rubric["status"] == "error" and in_reason in rubric["reason"]
    assert "\n" not in rubric["reason"]
    assert first["passed"] is False
    # the checks were still judged, and the other session too
    assert {v["judge"]: v["status"] for v in first["verdicts"] if v["kind"] == "check"} == {
        "must_say": "passed",
        "tool_called": "passed",
    }
    second = json.loads((run / "02-order" / "judgement.json").read_text())
    assert [v["status"] for v in second["verdicts"]] == ["passed", "failed", "error"]


def test_rejudging_with_an_edited_scenario_rewrites_results_junit_and_report(tmp_path):
    run = _run_dir(tmp_path)
    entries = [{"session_id": name} for name in ("01-order", "02-order")]
    (run / "run.json").write_text(json.dumps({"run_id": "run", "sessions": entries}))
    first = run_crosstalk("judge", str(run), env=NO_CACHE)
    assert first.exit_code == 1, first.stderr
    results = json.loads((run / "results.json").read_text())
    assert [s["outcome"] for s in results["sessions"]] == ["inconclusive", "failed"]
    assert "the agent never called lookup_order" in (run / "report.html").read_text()
    assert "<failure" in (run / "junit.xml").read_text()

    # QA fixes the scenario: the tool is not required and the rubric is dropped
    (tmp_path / "personas").mkdir()
    (tmp_path / "personas" / "caller.yaml").write_text(
        "name: caller\ngoal: ask about an order\nscript:\n  - Where is my order?\n"
    )
    edited = tmp_path / "order.yaml"
    edited.write_text(
        'name: order\npersona: caller\nsuccess:\n  checks:\n    - must_say: {pattern: "shipped"}\n'
    )
    second = run_crosstalk("judge", str(run), "--scenario", str(edited), env=NO_CACHE)
    assert second.exit_code == 0, second.stdout + second.stderr
    results = json.loads((run / "results.json").read_text())
    assert results["outcome"] == "passed"
    assert [s["outcome"] for s in results["sessions"]] == ["passed", "passed"]
    page = (run / "report.html").read_text()
    assert 'class="verdict passed"' in page and "the agent never called lookup_order" not in page
    assert "<failure" not in (run / "junit.xml").read_text()
    run_json = json.loads((run / "run.json").read_text())
    assert run_json["outcome"] == "passed" and run_json["sessions"][1]["verdict"] == "passed"

    other = tmp_path / "other.yaml"
    other.write_text("name: other\npersona: caller\n")
    wrong = run_crosstalk("judge", str(run), "--scenario", str(other), env=NO_CACHE)
    assert wrong.exit_code == 2 and "'other' is not among the judged sessions" in wrong.stderr


def test_the_demo_fails_on_a_wrong_address_in_the_agents_database(tmp_path):
    session = write_session(
        tmp_path / "run" / "01-demo_order_status",
        events=[tool_event()],
        session=session_document("demo_order_status"),
        database={"orders": (["id", "address"], [("42791", "12 Bakers Treat")])},
    )
    demo = REPO / "scenarios" / "demo_order_status.yaml"
    result = run_crosstalk("judge", str(session), "--scenario", str(demo), env=NO_CACHE)
    assert result.exit_code == 1, result.stdout + result.stderr
    judgement = json.loads((session / "judgement.json").read_text())
    [db_state] = [v for v in judgement["verdicts"] if v["judge"] == "db_state"]
    assert db_state["status"] == "failed"
    assert "the database holds '12 Bakers Treat', expected '12 Baker Street'" in db_state["reason"]


def test_rejudging_after_a_rubric_was_renamed_rewrites_nothing_and_exits_2(tmp_path):
    project = tmp_path / "project"
    (project / "judges").mkdir(parents=True)
    shipped = REPO / "judges" / "task_completion.yaml"
    renamed = shipped.read_text().replace("task_completion", "mine")
    (project / "judges" / "mine.yaml").write_text(renamed)
    scenario_file = str(project / "s.yaml")
    run = tmp_path / "run"
    checks = {"checks": [{"must_say": {"pattern": "shipped"}}]}
    write_session(run / "01-order", session=session_document("order", checks))
    with_rubric = session_document(
        "order", {"rubrics": ["mine"]}, scenario_file=scenario_file, repeat=1
    )
    write_session(run / "02-order", session=with_rubric)
    assert run_crosstalk("judge", str(run), env=NO_CACHE).exit_code == 4  # no model: not run
    first = run / "01-order" / "judgement.json"
    first.write_text(json.dumps({**json.loads(first.read_text()), "marked": "as judged before"}))
    before = {p: p.read_bytes() for p in run.glob("*/judgement.json")}
    assert len(before) == 2

    (project / "judges" / "mine.yaml").rename(project / "judges" / "renamed.yaml")
    result = run_crosstalk("judge", str(run), env=NO_CACHE)
    assert result.exit_code == 2, result.stderr
    assert f"{run / '02-order' / 'session.json'}: success.rubrics.0: no rubric 'mine'" in (
        result.stderr
    )
    # validated before judging: neither session's judgement was removed or rewritten
    assert {p: p.read_bytes() for p in run.glob("*/judgement.json")} == before
