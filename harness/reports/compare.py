"""Baseline comparison: which figures moved beyond run-to-run noise, and a Markdown summary.

Both sides are results documents (a run directory's `results.json`, or one built from the run's
files). Per scenario × variant × persona, each figure's change gets a bootstrap confidence
interval over sessions and their replies. A change counts as worse or better only when the
interval excludes zero *and* the change is at least the figure's tolerance; everything else is
noise. Repeats narrow the interval, so more repeats catch smaller regressions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError, RunFileError
from ..rundir.files import read_json
from ..rundir.layout import RESULTS_FILE, RunPaths
from .stats import difference_interval
from .tolerances import Tolerances

COMPARISON_SCHEMA = "crosstalk.comparison/1"


@dataclass(frozen=True)
class Figure:
    name: str
    label: str
    statistic: str  # "p95" or "mean" over the values
    higher_is_worse: bool
    unit: str

    def values(self, session: dict[str, Any]) -> list[float]:
        if self.unit == "ms" and _untrusted(session):
            return []  # an overloaded harness's latencies are no evidence of a regression
        if self.name == "response_latency_p95":
            return [float(v) for v in session.get("response_latencies_ms") or []]
        if self.name == "stop_latency_p95":
            return [float(v) for v in session.get("stop_latencies_ms") or []]
        if self.name == "score":
            score = session.get("score")
            return [float(score)] if isinstance(score, int | float) else []
        if self.name == "pass_rate":
            # an inconclusive session is not a pass: leaving it out would let a run whose
            # sessions all went inconclusive keep its baseline's pass rate
            outcome = session.get("outcome") or ("passed" if session.get("passed") else "failed")
            return [1.0 if outcome == "passed" else 0.0]
        return []


FIGURES = (
    Figure("response_latency_p95", "response latency p95", "p95", True, "ms"),
    Figure("stop_latency_p95", "interruption stop p95", "p95", True, "ms"),
    Figure("score", "judge score", "mean", False, ""),
    Figure("pass_rate", "pass rate", "mean", False, ""),
)


def load_results(path: Path) -> dict[str, Any]:
    """A results document from a results.json file or a run directory (built if absent)."""
    if path.is_dir():
        if RunPaths(path).results.is_file():
            path = RunPaths(path).results
        else:
            from .loading import load_run
            from .results import results_document

            return results_document(load_run(path))
    if not path.is_file():
        raise ConfigError(f"{path}: no such run directory or {RESULTS_FILE}")
    try:
        document = read_json(path)
    except RunFileError as exc:
        raise RunFileError(
            path, exc.cause, hint=f"pass a run directory or its {RESULTS_FILE}"
        ) from None
    schema = str(document.get("schema", "")) if isinstance(document, dict) else ""
    if not schema.startswith("crosstalk.results/"):
        raise ConfigError(
            f"{path}: not a crosstalk results file (schema {schema or 'missing'})",
            hint=f"pass a run directory or its {RESULTS_FILE}",
        )
    return document


def current_exit_code(
    path: Path,
    current: dict[str, Any],
    comparison: dict[str, Any],
    *,
    allow_inconclusive: bool = False,
) -> int:
    """`compare`'s exit code: the current run's verdict (judging/run_verdict.py) with the
    comparison's regressions as failures; from the run directory's files when `path` is one,
    else from the results.json that verdict wrote."""
    from ..errors import EXIT_FAILED, EXIT_INFRASTRUCTURE, outcome_exit_code
    from .regressions import regression_lines

    if path.is_dir():
        from .loading import load_run

        verdict = load_run(path).verdict_with(regression_lines(comparison))
        return verdict.exit_code(allow_inconclusive=allow_inconclusive)
    if current.get("errors"):
        return EXIT_INFRASTRUCTURE
    if comparison.get("regressed"):
        return EXIT_FAILED
    outcome = current.get("outcome") or ("passed" if current.get("passed") else "failed")
    return outcome_exit_code(str(outcome), allow_inconclusive=allow_inconclusive)


def _cell_key(session: dict[str, Any]) -> str:
    parts = (session.get("scenario"), session.get("variant"), session.get("persona"))
    return "/".join(str(p) for p in parts if p)


def _group(document: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    cells: dict[str, list[dict[str, Any]]] = {}
    for session in document.get("sessions") or []:
        cells.setdefault(_cell_key(session), []).append(session)
    return cells


def _verdict(figure: Figure, delta: float, low: float, high: float, tolerance: float) -> str:
    worse_sign = 1 if figure.higher_is_worse else -1
    if worse_sign * delta >= tolerance and min(worse_sign * low, worse_sign * high) > 0:
        return "worse"
    if -worse_sign * delta >= tolerance and max(worse_sign * low, worse_sign * high) < 0:
        return "better"
    return "noise"


def compare(
    baseline: dict[str, Any],
    current: dict[str, Any],
    tolerances: Tolerances | None = None,
    confidence: float = 0.95,
) -> dict[str, Any]:
    tolerances = tolerances or Tolerances()
    base_cells, cur_cells = _group(baseline), _group(current)
    rows: list[dict[str, Any]] = []
    for key, cur_sessions in cur_cells.items():
        base_sessions = base_cells.get(key)
        if not base_sessions:
            rows.append({"cell": key, "figure": "", "verdict": "new"})
            continue
        for seed, figure in enumerate(FIGURES):
            base_groups = [figure.values(s) for s in base_sessions]
            cur_groups = [figure.values(s) for s in cur_sessions]
            interval = difference_interval(
                base_groups, cur_groups, figure.statistic, confidence=confidence, seed=seed
            )
            if interval is None:
                continue
            delta, low, high = interval
            tolerance = tolerances.of(figure.unit, figure.name)
            rows.append(
                {
                    "cell": key,
                    "figure": figure.name,
                    "label": figure.label,
                    "unit": figure.unit,
                    "baseline": _statistic(base_groups, figure),
                    "current": _statistic(cur_groups, figure),
                    "delta": round(delta, 3),
                    "ci": [round(low, 3), round(high, 3)],
                    "tolerance": tolerance,
                    "verdict": _verdict(figure, delta, low, high, tolerance),
                    "samples": [sum(map(len, base_groups)), sum(map(len, cur_groups))],
                }
            )
    rows.extend(
        {"cell": key, "figure": "", "verdict": "missing"}
        for key in base_cells
        if key not in cur_cells
    )
    return {
        "schema": COMPARISON_SCHEMA,
        "baseline": baseline.get("run_id"),
        "current": current.get("run_id"),
        "confidence": confidence,
        "tolerances": {
            "latency_ms": tolerances.latency_ms,
            "score": tolerances.score,
            "pass_rate": tolerances.pass_rate,
        },
        "missing_is_regression": tolerances.missing_is_regression,
        "regressed": any(
            r["verdict"] == "worse"
            or (r["verdict"] == "missing" and tolerances.missing_is_regression)
            for r in rows
        ),
        "improved": any(r["verdict"] == "better" for r in rows),
        "inconclusive": {
            side: sum(s.get("outcome") == "inconclusive" for s in document.get("sessions") or [])
            for side, document in (("baseline", baseline), ("current", current))
        },
        "rows": rows,
        "untrusted_timing": {
            side: [s.get("session_id") for s in doc.get("sessions") or [] if _untrusted(s)]
            for side, doc in (("baseline", baseline), ("current", current))
        },
    }


def _untrusted(session: dict[str, Any]) -> bool:
    return session.get("timing_trusted") is False


def _statistic(groups: list[list[float]], figure: Figure) -> float | None:
    import numpy as np

    values = [v for g in groups for v in g]
    if not values:
        return None
    value = np.percentile(values, 95) if figure.statistic == "p95" else np.mean(values)
    return round(float(value), 3)


def _fmt(value: float | None, unit: str, signed: bool = False) -> str:
    if value is None:
        return "–"
    spec = ("+" if signed else "") + (".0f" if unit else ".2f")
    return f"{value:{spec}} {unit}".strip()


_MARK = {"worse": "🔴 worse", "better": "🟢 better", "noise": "⚪ within noise"}


def markdown_summary(comparison: dict[str, Any], *, all_rows: bool = False) -> str:
    """A short summary for a pull-request comment: regressions first, noise folded away."""
    rows = [r for r in comparison["rows"] if r.get("figure")]
    worse = [r for r in rows if r["verdict"] == "worse"]
    better = [r for r in rows if r["verdict"] == "better"]
    missing = [r for r in comparison["rows"] if r["verdict"] == "missing"]
    counted = len(worse) + (len(missing) if comparison.get("missing_is_regression", True) else 0)
    head = f"### crosstalk: {counted} regression(s)" if counted else "### crosstalk: no regressions"
    lines = [
        head,
        "",
        f"Run `{comparison['current']}` against baseline `{comparison['baseline']}`; "
        f"{len(better)} improvement(s), {len(rows) - len(worse) - len(better)} figure(s) within "
        f"noise ({comparison['confidence']:.0%} bootstrap interval).",
    ]
    if missing:
        names = ", ".join(f"`{r['cell']}`" for r in missing)
        verdict = (
            "counted as regressions (--allow-missing accepts them)"
            if comparison.get("missing_is_regression", True)
            else "accepted with --allow-missing"
        )
        lines += ["", f"**{len(missing)} baseline scenario(s) not run**: {names}; {verdict}."]
    shown = rows if all_rows else worse + better
    if shown:
        lines += [
            "",
            "| scenario | figure | baseline | current | change (CI) | |",
            "|---|---|---:|---:|---|---|",
        ]
        for r in shown:
            low, high = r["ci"]
            change = (
                f"{_fmt(r['delta'], r['unit'], True)} "
                f"({_fmt(low, r['unit'], True)} … {_fmt(high, r['unit'], True)})"
            )
            lines.append(
                f"| {r['cell']} | {r['label']} | {_fmt(r['baseline'], r['unit'])} | "
                f"{_fmt(r['current'], r['unit'])} | {change} | {_MARK[r['verdict']]} |"
            )
    unsure = comparison.get("inconclusive") or {}
    if unsure.get("current") or unsure.get("baseline"):
        lines.append(
            f"\n{unsure.get('current', 0)} inconclusive session(s) in this run, "
            f"{unsure.get('baseline', 0)} in the baseline: counted as not passed in the pass "
            "rate (something they asked for could not be judged)."
        )
    for r in comparison["rows"]:
        if r["verdict"] == "new":
            lines.append(f"- `{r['cell']}`: new in this run")
    return "\n".join(lines) + "\n"
