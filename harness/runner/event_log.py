"""Every session event of both sides, stamped with the session clock, appended to `events.jsonl`.

Handlers only serialise and write one line; nothing here can slow the audio path measurably.
Speeches are logged with their ids (`speech_created`, and `speech_done` with the conversation
items each one added), so the transcript can tie every line to the audio span it played.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

from livekit.agents import AgentSession
from livekit.agents.voice import SpeechHandle, io
from livekit.agents.voice.events import EventTypes
from pydantic import BaseModel

from ..rundir.files import JsonlAppender
from ..transport import Role, SessionClock

logger = logging.getLogger(__name__)

SESSION_EVENT_TYPES: tuple[str, ...] = get_args(EventTypes)


def _payload(event: Any) -> dict[str, Any]:
    if not isinstance(event, BaseModel):
        return {"value": repr(event)}
    try:
        payload = event.model_dump(mode="json", exclude_none=True)
    except Exception:  # some events hold handles pydantic cannot serialise
        payload = {name: repr(getattr(event, name, None)) for name in type(event).model_fields}
    # livekit's error models exclude the exception itself from their dump; keep its message
    cause = getattr(getattr(event, "error", None), "error", None)
    if isinstance(cause, BaseException) and isinstance(payload.get("error"), dict):
        payload["error"]["message"] = f"{type(cause).__name__}: {cause}"
    return payload


class EventLog:
    """Appends `{"t", "side", "type", "data"}` lines; `records` keeps them for this process too."""

    def __init__(self, path: Path, clock: SessionClock) -> None:
        self.path = path
        self._clock = clock
        self._file = JsonlAppender(path, default=repr)
        self.records: list[dict[str, Any]] = []
        self._listeners: list[Callable[[dict[str, Any]], None]] = []

    def subscribe(self, listener: Callable[[dict[str, Any]], None]) -> None:
        self._listeners.append(listener)

    def write(self, side: Role | str, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
        record = {"t": round(self._clock.now(), 4), "side": side, "type": event_type, "data": data}
        self.records.append(record)
        self._file.append(record)  # line by line: a killed process loses no event it logged
        for listener in self._listeners:
            try:
                listener(record)
            except Exception:
                logger.exception("event listener failed on %s", event_type)
        return record

    def attach(
        self, side: Role, session: AgentSession, audio_output: io.AudioOutput | None
    ) -> None:
        """Log every session event, and the playback of the side's audio (started/finished,
        with the position reached and whether it was interrupted), if it has audio."""
        for event_type in SESSION_EVENT_TYPES:
            session.on(event_type, self._handler(side, event_type))
        if audio_output is None:
            return
        for event_type in ("playback_started", "playback_finished"):
            audio_output.on(event_type, self._playback_handler(side, event_type))

    def _playback_handler(self, side: Role, event_type: str) -> Callable[[Any], None]:
        def handle(event: Any) -> None:
            self.write(side, event_type, dataclasses.asdict(event))

        return handle

    def _handler(self, side: Role, event_type: str) -> Callable[[Any], None]:
        def handle(event: Any) -> None:
            payload = _payload(event)
            speech = getattr(event, "speech_handle", None)
            if isinstance(speech, SpeechHandle):
                payload["speech_id"] = speech.id
                speech.add_done_callback(self._speech_done_handler(side))
            self.write(side, event_type, payload)

        return handle

    def _speech_done_handler(self, side: Role) -> Callable[[SpeechHandle], None]:
        def handle(speech: SpeechHandle) -> None:
            items = [getattr(item, "id", None) for item in speech.chat_items]
            data = {"speech_id": speech.id, "item_ids": items, "interrupted": speech.interrupted}
            self.write(side, "speech_done", data)

        return handle

    def close(self) -> None:
        self._file.close()
