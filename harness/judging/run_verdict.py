"""A run's outcome and exit code, decided in one place from its sessions and run-level facts.

`decide_run` is the one function: `crosstalk run`, `judge`, `report` (and `--merge-into`),
`compare`, results.json, junit.xml and the pytest plugin all ask it (through `run_verdict` for a
run directory on disk), so no two of them can disagree. Beside the sessions (judging/outcome.py
decides each), it weighs what only the run knows, as a `SessionOutcome` of the run itself:

- an infrastructure error of the run (a worker that died, a session that could not start):
  failed, exit 3;
- sessions that never started (`not_run`) without a cancellation, or a merged run missing some
  of its N shards: failed (the run is incomplete, and must never read as passed);
- a cancelled run (Ctrl-C, SIGTERM) or one that never wrote run.json: inconclusive;
- no session at all (outside one shard of a split run): inconclusive;
- a figure that regressed against a baseline (`run`/`report --baseline`): failed;
- a robustness margin (`crosstalk sweep`, judging/margins.py decides each): failed when missed
  or shrunk against a baseline, inconclusive when the sweep could not place it.
This is where later inputs to a run's outcome plug in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import EXIT_INFRASTRUCTURE, outcome_exit_code
from ..rundir.documents import read_run
from ..rundir.layout import RUN_FILE, RunPaths
from .outcome import Outcome, SessionOutcome, outcome_of
from .reasons import Reason


@dataclass(frozen=True)
class RunFacts:
    """What a run directory says about the run as a whole (run.json), beside its sessions."""

    errors: tuple[str, ...] = ()
    cancelled: bool = False
    not_run: tuple[str, ...] = ()
    complete: bool = True  # run.json was written
    shard: dict[str, Any] | None = None  # {"index": I, "count": N} of one `run --shard I/N`
    merged_from: tuple[dict[str, Any], ...] | None = None  # the shards `--merge-into` merged
    listed: tuple[str, ...] = ()  # the session ids run.json lists


@dataclass(frozen=True)
class RunVerdict:
    outcome: Outcome
    run: SessionOutcome  # the run-level reasons, judged like a session's
    sessions: tuple[tuple[str, SessionOutcome], ...] = field(default_factory=tuple)
    infrastructure: bool = False  # an infrastructure error: exit 3 whatever else happened

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"

    def exit_code(self, *, allow_inconclusive: bool = False) -> int:
        """3 on an infrastructure error, else 0 passed, 1 failed, 4 inconclusive (0 allowed)."""
        if self.infrastructure:
            return EXIT_INFRASTRUCTURE
        return outcome_exit_code(self.outcome, allow_inconclusive=allow_inconclusive)

    def to_json(self) -> dict[str, Any]:
        """results.json's `run`: the run-level part of the outcome."""
        return {**self.run.to_json(), "exit_code": self.exit_code()}


def _missing_shards(merged_from: tuple[dict[str, Any], ...]) -> str | None:
    """Why the merged shards are not the whole run, or None when all N are there once."""
    shards = [entry.get("shard") or {} for entry in merged_from]
    if not shards or any(not isinstance(s, dict) or "count" not in s for s in shards):
        return "merged run directories that are not shards of one run (no `--shard I/N`)"
    counts = {s["count"] for s in shards}
    if len(counts) != 1:
        return f"merged shards of different splits ({', '.join(map(str, sorted(counts)))})"
    count = counts.pop()
    indexes = [s.get("index") for s in shards]
    missing = [i for i in range(1, count + 1) if i not in indexes]
    twice = sorted({i for i in indexes if indexes.count(i) > 1})
    if missing:
        return f"shard(s) {', '.join(f'{i}/{count}' for i in missing)} missing from the merge"
    if twice:
        return f"shard(s) {', '.join(f'{i}/{count}' for i in twice)} merged twice"
    return None


def _run_reasons(facts: RunFacts, sessions: int) -> tuple[list[Reason], list[Reason]]:
    failed = [Reason("infrastructure", error, "run") for error in facts.errors]
    unjudged = []
    never = ", ".join(facts.not_run)
    if facts.cancelled:
        unjudged.append(Reason("cancelled", "the run was stopped before it finished", "run"))
        if facts.not_run:
            text = f"{len(facts.not_run)} session(s) never started: {never}"
            unjudged.append(Reason("cancelled", text, "run"))
    elif facts.not_run:
        text = f"{len(facts.not_run)} session(s) never started: {never}"
        failed.append(Reason("incomplete", text, "run"))
    if not facts.complete:
        text = f"no {RUN_FILE}: the run did not finish"
        unjudged.append(Reason("incomplete", text, "run"))
    if facts.merged_from is not None and (why := _missing_shards(facts.merged_from)):
        failed.append(Reason("incomplete", why, "run"))
    if sessions == 0 and facts.shard is None:
        unjudged.append(Reason("incomplete", "no session ran", "run"))
    return failed, unjudged


def decide_run(
    sessions: list[tuple[str, SessionOutcome]],
    facts: RunFacts,
    regressions: tuple[str, ...] = (),
    margins: tuple[SessionOutcome, ...] = (),
) -> RunVerdict:
    """The run's outcome: failed if a session or the run failed (or a figure regressed against
    the baseline: `regressions`, or a margin missed: `margins`), inconclusive if anything could
    not be judged, else passed. A sweep's own calls are not `sessions`: failing on one side of
    the cliff is what they are for; only its margins weigh.
    One shard of a split run may hold no session by design (more shards than sessions): that
    slice passes, as the merged shards are judged as a whole."""
    failed, unjudged = _run_reasons(facts, len(sessions) + len(margins))
    failed += [Reason("regression", line, "baseline") for line in regressions]
    for margin in margins:
        failed += [r for r in margin.details if r.text in margin.failed]
        unjudged += [r for r in margin.details if r.text in margin.unjudged]
    run = SessionOutcome.of(failed, unjudged, broke=bool(facts.errors))
    outcomes = {outcome.outcome for _, outcome in sessions} | {run.outcome}
    overall: Outcome = next((o for o in ("failed", "inconclusive") if o in outcomes), "passed")
    return RunVerdict(overall, run, tuple(sessions), infrastructure=bool(facts.errors))


def facts_of(directory: Path) -> RunFacts:
    """run.json's run-level facts (a missing or unreadable run.json: an unfinished run)."""
    if not RunPaths(directory).run.is_file():
        return RunFacts(complete=False)
    try:
        document = read_run(directory)
    except Exception:  # an unreadable run.json is a run that did not finish cleanly
        return RunFacts(complete=False)
    merged = document.merged_from
    return RunFacts(
        errors=tuple(document.errors),
        cancelled=document.cancelled,
        not_run=tuple(document.not_run),
        shard=document.shard or None,
        merged_from=tuple(m for m in merged if isinstance(m, dict)) if merged is not None else None,
        listed=tuple(str(entry.get("session_id", "")) for entry in document.sessions),
    )


def session_dirs(directory: Path, facts: RunFacts) -> list[Path]:
    """The run's session folders: every folder with a session.json, and every folder run.json
    lists (one without a usable session.json is a broken call, never left out)."""
    found = {paths.directory for paths in RunPaths(directory).sessions()}
    found |= {directory / name for name in facts.listed if name and (directory / name).is_dir()}
    return sorted(found)


def run_verdict(directory: Path) -> RunVerdict:
    """The verdict of the run directory `directory`, from its files alone."""
    facts = facts_of(directory)
    sessions = [(path.name, outcome_of(path)) for path in session_dirs(directory, facts)]
    return decide_run(sessions, facts)
