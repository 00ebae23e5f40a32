"""A local stand-in for the OpenAI Realtime WebSocket API (GA event names), beside chat completions.

The real `livekit-plugins-openai` client talks to it through `OPENAI_BASE_URL`. Per connection it
keeps the session (`session.update`), the conversation (`conversation.item.create/delete/
truncate`) and the input audio buffer (`input_audio_buffer.append/commit/clear`). An energy VAD
over the appended audio plays the server's turn detection (`speech_started`/`speech_stopped`,
then a commit, a transcription by the offline Whisper and, with `create_response`, a response;
with `interrupt_response`, speech cancels the response in progress). A response speaks the text
its `Brain` chooses (`realtime_brain.py`), synthesised with espeak-ng, as audio and transcript
deltas at twice real time, and may end in a function call; `response.done` carries token usage.
`response.cancel` stops it. Faults are injected per response: a rate limit, a server error
mid-response, a socket closed mid-response. Everything it received is kept in `client_events`
(audio left out).

Deterministic: the brain is a pure function of the conversation; Whisper decodes greedily.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from aiohttp import WSMsgType, web

from ..backends.offline import (
    whisper,  # imported here: plugins need the main thread
)
from ..backends.offline.espeak import EspeakEngine
from ..backends.offline.synthesis import resample_utterance
from .fake_openai import FakeOpenAI, SeenRequest
from .realtime_brain import Brain, Fault, default_brain, side_of
from .realtime_responses import BYTES_PER_MS, PACE, RATE, ResponseStreaming

_SPEECH_DBFS = -45.0
_SPEECH_START_MS = 60
_DEFAULT_SILENCE_MS = 1000  # semantic_vad sets none; espeak pauses between sentences


def transcribe(pcm: bytes) -> str:
    samples = np.frombuffer(resample_utterance(pcm, RATE, 16_000), dtype=np.int16)
    return whisper.transcribe(samples.astype(np.float32) / 32768.0)


def _dbfs(pcm: bytes) -> float:
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
    rms = float(np.sqrt(np.mean(samples * samples))) if samples.size else 0.0
    return 20 * math.log10(rms) if rms > 1e-9 else -120.0


class _Connection(ResponseStreaming):
    """One WebSocket: a session, a conversation, an input buffer and at most one response."""

    def __init__(self, server: FakeRealtime, ws: web.WebSocketResponse, number: int) -> None:
        self.server, self.ws, self.number = server, ws, number
        self.session: dict[str, Any] = {"instructions": "", "audio": {"input": {}, "output": {}}}
        self.items: list[dict[str, Any]] = []
        self.buffer = bytearray()
        self.buffer_start_ms = 0.0
        self.received_ms = 0.0
        self.speech_since_ms: float | None = None
        self.speaking = False
        self.silence_ms = 0.0
        self.item_ids = (f"item_{number}_{i}" for i in itertools.count(1))
        self.response: asyncio.Task[None] | None = None
        self.response_item: dict[str, Any] | None = None
        self.tasks: set[asyncio.Task[None]] = set()

    @property
    def side(self) -> str:
        return side_of(self.session.get("instructions") or "")

    async def send(self, event: dict[str, Any]) -> None:
        event.setdefault("event_id", f"event_{next(self.server.event_ids)}")
        if not self.ws.closed:
            await self.ws.send_str(json.dumps(event))

    def spawn(self, coroutine: Any) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    # -- client events ------------------------------------------------------------------------

    async def handle(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "session.update":
            _merge(self.session, event.get("session") or {})
            await self.send({"type": "session.updated", "session": self.session})
        elif kind == "input_audio_buffer.append":
            await self._append(base64.b64decode(event["audio"]))
        elif kind == "input_audio_buffer.commit":
            await self._commit(event)
        elif kind == "input_audio_buffer.clear":
            self.buffer.clear()
            self.buffer_start_ms = self.received_ms
            await self.send({"type": "input_audio_buffer.cleared"})
        elif kind == "conversation.item.create":
            await self._create_item(event)
        elif kind == "conversation.item.delete":
            await self._delete_item(event)
        elif kind == "conversation.item.truncate":
            await self._truncate(event)
        elif kind == "response.create":
            await self._start_response(event.get("response") or {})
        elif kind == "response.cancel":
            await self._cancel(event)

    async def error(self, message: str, code: str, event: dict[str, Any] | None = None) -> None:
        await self.send(
            {
                "type": "error",
                "error": {
                    "type": "invalid_request_error",
                    "code": code,
                    "message": message,
                    "param": None,
                    "event_id": (event or {}).get("event_id"),
                },
            }
        )

    # -- conversation -------------------------------------------------------------------------

    def _index_after(self, previous: str | None) -> int | None:
        if previous is None:
            return len(self.items)
        if previous == "root":
            return 0
        for index, item in enumerate(self.items):
            if item["id"] == previous:
                return index + 1
        return None

    async def _add(self, item: dict[str, Any], previous: str | None = None) -> None:
        index = self._index_after(previous)
        index = len(self.items) if index is None else index
        before = self.items[index - 1]["id"] if index > 0 else None
        self.items.insert(index, item)
        await self.send(
            {"type": "conversation.item.added", "previous_item_id": before, "item": item}
        )

    async def _create_item(self, event: dict[str, Any]) -> None:
        item = dict(event["item"])
        item.setdefault("id", next(self.item_ids))
        item.setdefault("status", "completed")
        previous = event.get("previous_item_id")
        if previous not in (None, "root") and self._index_after(previous) is None:
            await self.error(f"Item {previous!r} does not exist.", "item_not_found", event)
            return
        if any(i["id"] == item["id"] for i in self.items):
            await self.error("Duplicate item id.", "item_create_duplicate_item_id", event)
            return
        await self._add(item, previous)
        await self.send({"type": "conversation.item.done", "item": item})

    async def _delete_item(self, event: dict[str, Any]) -> None:
        found = [i for i in self.items if i["id"] == event["item_id"]]
        if not found:
            await self.error(f"Item {event['item_id']!r} not found.", "item_not_found", event)
            return
        self.items.remove(found[0])
        await self.send({"type": "conversation.item.deleted", "item_id": event["item_id"]})

    async def _truncate(self, event: dict[str, Any]) -> None:
        item_id, end_ms = event["item_id"], int(event["audio_end_ms"])
        sent_ms = self.server.audio_sent_ms.get(item_id)
        if sent_ms is None:
            await self.error(f"Item {item_id!r} not found.", "item_not_found", event)
            return
        if end_ms > sent_ms:
            await self.error(
                f"audio_end_ms {end_ms} is longer than the audio ({sent_ms} ms).",
                "invalid_value",
                event,
            )
            return
        for item in self.items:
            if item["id"] == item_id:
                for part in item.get("content") or []:
                    part["transcript"] = _words_for(part.get("transcript") or "", end_ms, sent_ms)
        self.server.truncations.append({"item_id": item_id, "audio_end_ms": end_ms})
        await self.send(
            {
                "type": "conversation.item.truncated",
                "item_id": item_id,
                "content_index": event.get("content_index", 0),
                "audio_end_ms": end_ms,
            }
        )

    # -- input audio and the server's turn detection ------------------------------------------

    @property
    def turn_detection(self) -> dict[str, Any] | None:
        return self.session["audio"]["input"].get("turn_detection")

    async def _append(self, pcm: bytes) -> None:
        self.buffer += pcm
        chunk_ms = len(pcm) / BYTES_PER_MS
        start_ms = self.received_ms
        self.received_ms += chunk_ms
        detection = self.turn_detection
        if detection is None:
            return
        loud = _dbfs(pcm) > _SPEECH_DBFS
        if loud:
            self.silence_ms = 0.0
            if self.speech_since_ms is None:
                self.speech_since_ms = start_ms
            if not self.speaking and self.received_ms - self.speech_since_ms >= _SPEECH_START_MS:
                self.speaking = True
                await self.send(
                    {
                        "type": "input_audio_buffer.speech_started",
                        "audio_start_ms": int(self.speech_since_ms),
                        "item_id": self._pending_user_item(),
                    }
                )
                if detection.get("interrupt_response", True):
                    await self._cancel_response("turn_detected")
            return
        self.speech_since_ms = None if not self.speaking else self.speech_since_ms
        if not self.speaking:
            self.buffer_start_ms = self.received_ms
            self.buffer.clear()
            return
        self.silence_ms += chunk_ms
        if self.silence_ms >= (detection.get("silence_duration_ms") or _DEFAULT_SILENCE_MS):
            self.speaking, self.speech_since_ms = False, None
            await self.send(
                {
                    "type": "input_audio_buffer.speech_stopped",
                    "audio_end_ms": int(self.received_ms - self.silence_ms),
                    "item_id": self._pending_user_item(),
                }
            )
            await self._commit(None, respond=detection.get("create_response", True))

    def _pending_user_item(self) -> str:
        if not hasattr(self, "_next_user_item") or self._next_user_item is None:
            self._next_user_item = next(self.item_ids)
        return self._next_user_item

    async def _commit(self, event: dict[str, Any] | None, *, respond: bool = False) -> None:
        audio = bytes(self.buffer)
        if len(audio) < 100 * BYTES_PER_MS:
            await self.error(
                "Error committing input audio buffer: buffer too small.",
                "input_audio_buffer_commit_empty",
                event,
            )
            return
        self.buffer.clear()
        self.buffer_start_ms = self.received_ms
        item_id = self._pending_user_item()
        self._next_user_item = None
        previous = self.items[-1]["id"] if self.items else None
        await self.send(
            {
                "type": "input_audio_buffer.committed",
                "previous_item_id": previous,
                "item_id": item_id,
            }
        )
        item = {
            "id": item_id,
            "type": "message",
            "role": "user",
            "status": "completed",
            "content": [{"type": "input_audio", "transcript": None}],
        }
        await self._add(item)
        await self.send({"type": "conversation.item.done", "item": item})
        self.spawn(self._transcribe(item, audio, respond=respond))

    async def _transcribe(self, item: dict[str, Any], audio: bytes, *, respond: bool) -> None:
        text = await asyncio.to_thread(transcribe, audio)
        item["content"][0]["transcript"] = text
        self.server.transcripts.append(text)
        common = {"item_id": item["id"], "content_index": 0}
        for word in text.split(" "):
            await self.send(
                {
                    "type": "conversation.item.input_audio_transcription.delta",
                    **common,
                    "delta": word + " ",
                }
            )
        await self.send(
            {
                "type": "conversation.item.input_audio_transcription.completed",
                **common,
                "transcript": text,
                "usage": {
                    "type": "duration",
                    "seconds": round(len(audio) / BYTES_PER_MS / 1000, 2),
                },
            }
        )
        if respond:  # after the transcript, so the brain answers what it heard
            await self._start_response({})


def _words_for(transcript: str, end_ms: int, sent_ms: int) -> str:
    words = transcript.split(" ")
    keep = math.floor(len(words) * end_ms / sent_ms) if sent_ms else 0
    return " ".join(words[:keep])


def _merge(base: dict[str, Any], update: dict[str, Any]) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


@dataclass
class FakeRealtime(FakeOpenAI):
    """The Realtime API at `/v1/realtime` (a WebSocket), chat completions as `FakeOpenAI`."""

    brain: Brain = default_brain
    pace: float = PACE
    faults: list[Fault] = field(default_factory=list)
    client_events: list[dict[str, Any]] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    transcripts: list[str] = field(default_factory=list)
    cancellations: list[str] = field(default_factory=list)
    truncations: list[dict[str, Any]] = field(default_factory=list)
    function_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    audio_sent_ms: dict[str, int] = field(default_factory=dict)
    connections: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        self.event_ids = itertools.count(1)
        self._responses_by_side: dict[str, int] = {}

    def __enter__(self) -> FakeRealtime:
        whisper.shared_model()  # loaded before any call starts, as the offline backend does
        EspeakEngine.shared()
        return super().__enter__()

    def count_response(self, side: str) -> int:
        self._responses_by_side[side] = self._responses_by_side.get(side, 0) + 1
        return self._responses_by_side[side]

    def fault_for(self, side: str, number: int) -> Fault | None:
        return next((f for f in self.faults if f.side == side and f.on_response == number), None)

    def client_event_types(self) -> list[str]:
        return [event["type"] for event in self.client_events]

    async def _realtime(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(
            SeenRequest(request.path, dict(request.query), request.headers.get("Authorization"))
        )
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self.connections += 1
        connection = _Connection(self, ws, self.connections)
        await connection.send(
            {
                "type": "session.created",
                "session": {"id": f"sess_{self.connections}", **connection.session},
            }
        )
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                event = json.loads(message.data)
                if event.get("type") != "input_audio_buffer.append":
                    self.client_events.append({"connection": connection.number, **event})
                await connection.handle(event)
        finally:
            for task in list(connection.tasks):
                task.cancel()
        return ws
