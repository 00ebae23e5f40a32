"""JUnit XML for CI systems: one testsuite per scenario, one testcase per session (× repeat).

The session's outcome (judging/outcome.py) decides: failed is a `<failure>` (an `<error>` when the
call itself broke), inconclusive is `<skipped>` with what could not be judged. The message is the
first reason, the body all of them, each once. What only the run knows (an infrastructure
error, sessions that never started, a cancellation, missing shards: judging/run_verdict.py) is
one more testcase, `run` in the testsuite `crosstalk run`, so the file fails when the run did.
The layout follows the JUnit schema CI servers share (Jenkins' junit-10.xsd).
"""

from __future__ import annotations

import io
import platform
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from ..judging.outcome import SessionOutcome
from ..rundir.files import write_bytes
from ..rundir.layout import RunPaths
from .loading import Run, Session


def _seconds(value: float | None) -> str:
    return f"{value or 0:.3f}"


def _failure_kind(session: Session) -> str:
    """What fell short, e.g. `check`, `budget+rubric`: a failed check is not a slow answer."""
    kinds = set()
    if session.status == "max_duration" or any("max_duration_s" in f for f in session.failures):
        kinds.add("max_duration")
    if any(b.get("passed") is False and b.get("judged", True) for b in session.budgets):
        kinds.add("budget")
    for verdict in (session.judgement or {}).get("verdicts", []):
        if verdict.get("kind") in ("check", "rubric") and verdict.get("status") == "failed":
            kinds.add(str(verdict["kind"]))
    return "+".join(sorted(kinds))


def _verdict_element(case: ET.Element, verdict: SessionOutcome, kind: str) -> None:
    """<skipped> for inconclusive, <error> for a broken call or run, <failure> for a failure."""
    reasons = verdict.reasons
    if verdict.outcome == "inconclusive":
        element = ET.SubElement(case, "skipped", {"message": f"inconclusive: {reasons[0]}"})
        element.text = "\n".join(reasons)
    elif verdict.outcome == "failed":
        tag = "error" if verdict.broke else "failure"
        element = ET.SubElement(case, tag, {"message": reasons[0], "type": kind})
        element.text = "\n".join(reasons)


def _run_testcase(run: Run) -> ET.Element | None:
    """The run itself as a test, when it did not pass on its own account: infrastructure errors,
    sessions that never started, a cancellation, missing shards (judging/run_verdict.py)."""
    verdict = run.verdict.run
    if verdict.passed:
        return None
    case = ET.Element("testcase", {"name": "run", "classname": "crosstalk.run", "time": "0.000"})
    kinds = "+".join(dict.fromkeys(reason.kind for reason in verdict.details))
    _verdict_element(case, verdict, kinds)
    return case


def _testcase(session: Session) -> ET.Element:
    name = session.label
    case = ET.Element(
        "testcase",
        {
            "name": name,
            "classname": f"crosstalk.{session.scenario}",
            "time": _seconds(session.duration_s),
        },
    )
    verdict = session.verdict
    kind = session.status if verdict.broke else _failure_kind(session) or "failed"
    _verdict_element(case, verdict, kind)
    out = [f"session {session.session_id} ({session.status})", f"directory {session.directory}"]
    latency = session.timing.get("response_latency") or {}
    if latency.get("count"):
        out.append(f"response latency p50 {latency['p50_ms']} ms, p95 {latency['p95_ms']} ms")
    ET.SubElement(case, "system-out").text = "\n".join(out)
    return case


def junit_tree(run: Run) -> ET.ElementTree:
    root = ET.Element("testsuites", {"name": f"crosstalk {run.run_id}"})
    by_scenario: dict[str, list[Session]] = {}
    for session in run.sessions:
        by_scenario.setdefault(session.scenario, []).append(session)
    totals = {"tests": 0, "failures": 0, "errors": 0, "time": 0.0}
    for scenario, sessions in by_scenario.items():
        failures = sum(s.outcome == "failed" and not s.verdict.broke for s in sessions)
        errors = sum(s.verdict.broke for s in sessions)
        skipped = sum(s.outcome == "inconclusive" for s in sessions)
        duration = sum(s.duration_s or 0 for s in sessions)
        suite = ET.SubElement(
            root,
            "testsuite",
            {
                "name": scenario,
                "tests": str(len(sessions)),
                "failures": str(failures),
                "errors": str(errors),
                "skipped": str(skipped),
                "time": _seconds(duration),
                "timestamp": time.strftime(
                    "%Y-%m-%dT%H:%M:%S", time.localtime(sessions[0].started_at or time.time())
                ),
                "hostname": platform.node() or "localhost",
            },
        )
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", {"name": "run_id", "value": run.run_id})
        for session in sessions:
            suite.append(_testcase(session))
        totals["tests"] += len(sessions)
        totals["failures"] += failures
        totals["errors"] += errors
        totals["time"] += duration
    run_case = _run_testcase(run)
    if run_case is not None:  # in a testsuite of its own, counted as the others are
        broke = run.verdict.run.broke
        failed = run.verdict.run.outcome == "failed"
        suite = ET.SubElement(
            root,
            "testsuite",
            {
                "name": "crosstalk run",
                "tests": "1",
                "failures": str(int(failed and not broke)),
                "errors": str(int(failed and broke)),
                "skipped": str(int(not failed)),
                "time": "0.000",
            },
        )
        suite.append(run_case)
        totals["tests"] += 1
        totals["failures"] += int(failed and not broke)
        totals["errors"] += int(failed and broke)
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", str(totals["errors"]))
    root.set("time", _seconds(totals["time"]))
    tree = ET.ElementTree(root)
    ET.indent(tree)
    return tree


def write_junit(run: Run, path: Path | None = None) -> Path:
    path = path or RunPaths(run.directory).junit
    document = io.BytesIO()
    junit_tree(run).write(document, encoding="utf-8", xml_declaration=True)
    write_bytes(path, document.getvalue())
    return path
