"""A session's hearing analysis (hearing.json), from its run directory alone, after the call.

Reads the transcript, the persona's facts (session.json) and the agent's clean speech (the
recording of what it sent, else the call itself when the line did not impair it), transcribes
the agent turns the caller misheard with Whisper tiny.en (the offline caller's transcriber),
and writes `hearing.json`. A remote agent's turns are what the caller heard, so its speech
fidelity has no intended text to go by and is left empty. Never runs during a call:
transcription would cost the clock.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..audiofile import to_rate
from ..errors import RunFileError
from ..probes.recording import StereoRecording, read_stereo
from ..rundir.documents import read_session, read_transcript
from ..rundir.files import read_object_or_none, write_json
from ..rundir.layout import SessionPaths
from ..rundir.models import Turn
from .hearing import CleanHearing, agent_heard_facts, agent_wer, hearing_summary, speech_fidelity

HEARING_SCHEMA = "crosstalk.hearing/1"
TRANSCRIBER = "whisper-tiny.en"
_PAD_S = 0.3  # around a turn's span: a word's tail that the span's edge cut
_WHISPER_RATE = 16_000

logger = logging.getLogger(__name__)


def _clean_hearing(recording: StereoRecording | None) -> CleanHearing:
    """Transcribes an agent turn's span of the clean agent channel; None without a recording."""

    def hear(turn: Turn) -> str | None:
        if recording is None or turn.start_s is None or turn.end_s is None:
            return None
        from ..backends.offline import whisper  # loads the model: only when a turn needs it

        rate = recording.sample_rate
        start = max(0, int((turn.start_s - _PAD_S) * rate))
        stop = int((turn.end_s + _PAD_S) * rate)
        samples = to_rate(recording.agent[start:stop], rate, _WHISPER_RATE)
        return whisper.transcribe(np.asarray(samples, dtype=np.float32), utterance_window=True)

    return hear


@dataclass(frozen=True)
class _Setting:
    facts: dict[str, str]
    offline_caller: bool  # the caller's transcriber is the one the clean speech is heard with
    remote_agent: bool  # its turns are only what the caller heard: its intended text is unknown


def _setting(session_dir: Path) -> _Setting:
    try:
        document = read_session(session_dir)
    except RunFileError:
        return _Setting({}, False, False)
    facts = (document.persona or {}).get("facts") or {}
    caller = ((document.scenario or {}).get("caller") or {}).get("backend", "offline")
    kind = (document.transport or {}).get("kind", "inprocess")
    return _Setting(
        {str(key): str(value) for key, value in facts.items()},
        caller == "offline",
        kind not in ("inprocess", "text"),
    )


def _recording(paths: SessionPaths) -> StereoRecording | None:
    path = paths.clean_agent_recording
    if not path.exists():
        return None
    try:
        return read_stereo(path)
    except Exception as exc:  # an unreadable recording leaves the clean hearing unknown
        logger.warning("could not read %s for the hearing analysis: %s", path, exc)
        return None


def analyse_hearing(session_dir: Path) -> dict[str, Any]:
    """The hearing document of a session, computed from its files."""
    paths = SessionPaths(session_dir)
    turns = read_transcript(session_dir).turns if paths.has_transcript() else []
    setting = _setting(session_dir)
    recording = _recording(paths) if setting.offline_caller else None
    heard_facts = agent_heard_facts(turns, setting.facts)
    fidelity = (
        []
        if setting.remote_agent
        else speech_fidelity(turns, setting.facts, _clean_hearing(recording))
    )
    return {
        "schema": HEARING_SCHEMA,
        "transcriber": TRANSCRIBER if recording is not None else None,
        "clean_recording": paths.clean_agent_recording.name if recording is not None else None,
        "summary": hearing_summary(heard_facts, fidelity, agent_wer(turns)),
        "facts": None if heard_facts is None else [asdict(fact) for fact in heard_facts],
        "agent_turns": fidelity,
    }


def write_session_hearing(session_dir: Path) -> dict[str, Any]:
    """Analyse a session's hearing and write hearing.json; returns the document."""
    document = analyse_hearing(session_dir)
    write_json(SessionPaths(session_dir).hearing, document)
    return document


def read_session_hearing(session_dir: Path) -> dict[str, Any] | None:
    """hearing.json, or None when the session has none (older run, text mode, no call)."""
    return read_object_or_none(SessionPaths(session_dir).hearing)
