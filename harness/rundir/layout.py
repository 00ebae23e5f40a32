"""The layout of a run directory: every file name, and where each file of a run or session is.

`reports/<run-id>/` holds the run's own files and one folder per session (`<session-id>/`);
docs/run-directory.md describes each file, and a test keeps that page and this list in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# the run's own files
RUN_FILE = "run.json"
LOG_FILE = "crosstalk.log"
REPORT_FILE = "report.html"
RESULTS_FILE = "results.json"
RESULTS_CSV = "results.csv"
TURNS_CSV = "turns.csv"
JUNIT_FILE = "junit.xml"
WRITTEN_SUMMARY_FILE = "written_summary.json"  # only with a judge model configured
SHARDS_DIR = "shards"  # a merged run keeps each shard's log in shards/<run-id>/

# a session folder's files
SESSION_FILE = "session.json"
RECORDING = "call.wav"
DRY_RECORDING = "call_dry.wav"  # the call without added noise, for the timing probes
SENT_RECORDING = "call_sent.wav"  # each side as it sent it, before the line: clean speech
EVENTS_FILE = "events.jsonl"
TRANSCRIPT_FILE = "transcript.json"
PROBES_FILE = "probes.json"
HEARING_FILE = "hearing.json"
CALLER_STATE_FILE = "caller_state.json"
AGENT_EVENTS_FILE = "agent_events.jsonl"
AGENT_DATABASE = "agent.sqlite"
JUDGEMENT_FILE = "judgement.json"
REVIEW_FILE = "review.json"

RUN_FILES = (
    RUN_FILE,
    LOG_FILE,
    REPORT_FILE,
    RESULTS_FILE,
    RESULTS_CSV,
    TURNS_CSV,
    JUNIT_FILE,
    WRITTEN_SUMMARY_FILE,
)
SESSION_FILES = (
    SESSION_FILE,
    RECORDING,
    DRY_RECORDING,
    SENT_RECORDING,
    EVENTS_FILE,
    TRANSCRIPT_FILE,
    PROBES_FILE,
    HEARING_FILE,
    CALLER_STATE_FILE,
    AGENT_EVENTS_FILE,
    AGENT_DATABASE,
    JUDGEMENT_FILE,
    REVIEW_FILE,
)


@dataclass(frozen=True)
class RunPaths:
    """The files of one run directory."""

    directory: Path

    @property
    def run(self) -> Path:
        return self.directory / RUN_FILE

    @property
    def log(self) -> Path:
        return self.directory / LOG_FILE

    @property
    def report(self) -> Path:
        return self.directory / REPORT_FILE

    @property
    def results(self) -> Path:
        return self.directory / RESULTS_FILE

    @property
    def results_csv(self) -> Path:
        return self.directory / RESULTS_CSV

    @property
    def turns_csv(self) -> Path:
        return self.directory / TURNS_CSV

    @property
    def junit(self) -> Path:
        return self.directory / JUNIT_FILE

    @property
    def written_summary(self) -> Path:
        return self.directory / WRITTEN_SUMMARY_FILE

    def shard_logs(self, run_id: str) -> Path:
        """Where a merged run keeps the log of the shard `run_id`."""
        return self.directory / SHARDS_DIR / run_id

    def session(self, session_id: str) -> SessionPaths:
        return SessionPaths(self.directory / session_id)

    def sessions(self) -> list[SessionPaths]:
        """Every session folder (one with a session.json), in name order."""
        if not self.directory.is_dir():
            return []
        found = (SessionPaths(path) for path in sorted(self.directory.iterdir()))
        return [paths for paths in found if paths.is_session()]

    def judged_sessions(self) -> list[SessionPaths]:
        """Every session folder with a transcript (what a judge reads), in name order."""
        return [SessionPaths(p.parent) for p in sorted(self.directory.glob(f"*/{TRANSCRIPT_FILE}"))]


@dataclass(frozen=True)
class SessionPaths:
    """The files of one session folder."""

    directory: Path

    def is_session(self) -> bool:
        return self.session.is_file()

    def has_transcript(self) -> bool:
        return self.transcript.is_file()

    @property
    def session(self) -> Path:
        return self.directory / SESSION_FILE

    @property
    def recording(self) -> Path:
        return self.directory / RECORDING

    @property
    def dry_recording(self) -> Path:
        return self.directory / DRY_RECORDING

    @property
    def timing_recording(self) -> Path:
        """The recording the timing probes measure: the dry one when the link added noise."""
        return self.dry_recording if self.dry_recording.exists() else self.recording

    @property
    def sent_recording(self) -> Path:
        return self.directory / SENT_RECORDING

    @property
    def clean_agent_recording(self) -> Path:
        """Where the agent's speech is clean: as it sent it when the line impaired it, else as the
        caller heard it (an unimpaired line changes nothing but the time)."""
        return self.sent_recording if self.sent_recording.exists() else self.recording

    @property
    def events(self) -> Path:
        return self.directory / EVENTS_FILE

    @property
    def transcript(self) -> Path:
        return self.directory / TRANSCRIPT_FILE

    @property
    def probes(self) -> Path:
        return self.directory / PROBES_FILE

    @property
    def hearing(self) -> Path:
        return self.directory / HEARING_FILE

    @property
    def caller_state(self) -> Path:
        return self.directory / CALLER_STATE_FILE

    @property
    def agent_events(self) -> Path:
        return self.directory / AGENT_EVENTS_FILE

    @property
    def agent_database(self) -> Path:
        return self.directory / AGENT_DATABASE

    @property
    def judgement(self) -> Path:
        return self.directory / JUDGEMENT_FILE

    @property
    def review(self) -> Path:
        return self.directory / REVIEW_FILE
