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
from ..backends.offline.espeak import EspeakEngine, EspeakVoice
from ..backends.offline.synthesis import resample_utterance
from .fake_openai import FakeOpenAI, SeenRequest
from .realtime_brain import Brain, Fault, Turn, default_brain, side_of, usage

RATE = 24_000
_BYTES_PER_MS = RATE * 2 // 1000
_CHUNK_MS = 100
_PACE = 2.0  # default: audio streamed this many times faster than real time, as the real API does
_TTFT_S = 0.25
_SPEECH_DBFS = -45.0
_SPEECH_START_MS = 60
_DEFAULT_SILENCE_MS = 1000  # semantic_vad sets none; espeak pauses between sentences


def synthesize(text: str, voice: str) -> bytes:
    """`text` as 24 kHz PCM in an espeak-ng voice chosen by the OpenAI voice name."""
    engine = EspeakEngine.shared()
    pitch = 30 + sum(map(ord, voice)) % 40
    pcm = engine.synthesize(text, EspeakVoice("en-us", 170, pitch))
    return resample_utterance(pcm, engine.sample_rate, RATE)


def transcribe(pcm: bytes) -> str:
    samples = np.frombuffer(resample_utterance(pcm, RATE, 16_000), dtype=np.int16)
    return whisper.transcribe(samples.astype(np.float32) / 32768.0)


def _dbfs(pcm: bytes) -> float:
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
    rms = float(np.sqrt(np.mean(samples * samples))) if samples.size else 0.0
    return 20 * math.log10(rms) if rms > 1e-9 else -120.0


class _Connection:
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
        chunk_ms = len(pcm) / _BYTES_PER_MS
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
        if len(audio) < 100 * _BYTES_PER_MS:
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
                    "seconds": round(len(audio) / _BYTES_PER_MS / 1000, 2),
                },
            }
        )
        if respond:  # after the transcript, so the brain answers what it heard
            await self._start_response({})

    # -- responses ----------------------------------------------------------------------------

    async def _start_response(self, params: dict[str, Any]) -> None:
        if self.response is not None and not self.response.done():
            await self.error(
                "Conversation already has an active response in progress.",
                "conversation_already_has_active_response",
            )
            return
        self.response = self.spawn(self._respond(params))

    async def _cancel(self, event: dict[str, Any]) -> None:
        if not await self._cancel_response("client_cancelled"):
            await self.error(
                "Cancellation failed: no active response found", "response_cancel_not_active", event
            )

    async def _cancel_response(self, reason: str) -> bool:
        task = self.response
        if task is None or task.done():
            return False
        self.server.cancellations.append(reason)
        self._cancel_reason = reason
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return True

    async def _respond(self, params: dict[str, Any]) -> None:
        server, side = self.server, self.side
        number = server.count_response(side)
        response_id = f"resp_{self.number}_{number}"
        instructions = params.get("instructions")
        turn = Turn(side, self.session.get("instructions") or "", instructions, list(self.items))
        reply = server.brain(turn)
        response = {
            "id": response_id,
            "object": "realtime.response",
            "status": "in_progress",
            "output": [],
            "metadata": params.get("metadata"),
            "usage": None,
        }
        await self.send({"type": "response.created", "response": response})
        fault = server.fault_for(side, number)
        output: list[dict[str, Any]] = []
        status, details = "completed", None
        self._cancel_reason = "client_cancelled"
        try:
            await asyncio.sleep(_TTFT_S)
            if fault is not None and fault.kind == "rate_limit":
                status = "failed"
                details = {
                    "type": "failed",
                    "error": {
                        "type": "invalid_request_error",
                        "code": "inference_rate_limit_exceeded",
                    },
                }
                await self.send(
                    {
                        "type": "rate_limits.updated",
                        "rate_limits": [
                            {"name": "tokens", "limit": 1000, "remaining": 0, "reset_seconds": 30}
                        ],
                    }
                )
            else:
                if reply.text:
                    output.append(await self._speak(response_id, len(output), reply.text, fault))
                if reply.call is not None:
                    output.append(await self._call(response_id, len(output), *reply.call))
        except asyncio.CancelledError:
            status = "cancelled"
            details = {"type": "cancelled", "reason": self._cancel_reason}
            if self.response_item is not None:
                self.response_item["status"] = "incomplete"
                output.append(self.response_item)
        finally:
            self.response_item = None
        if status == "completed" and fault is not None and fault.kind == "server_error":
            status = "failed"
            details = {"type": "failed", "error": {"type": "server_error", "code": None}}
        done = {
            **response,
            "status": status,
            "status_details": details,
            "output": output,
            "usage": usage(turn.session_instructions, turn.items, reply.text),
        }
        server.responses.append({"side": side, "text": reply.text, "status": status})
        await self.send({"type": "response.done", "response": done})

    async def _speak(
        self, response_id: str, index: int, text: str, fault: Fault | None
    ) -> dict[str, Any]:
        voice = self.session["audio"]["output"].get("voice") or "alloy"
        pcm = await asyncio.to_thread(synthesize, text, voice)
        item_id = next(self.item_ids)
        item = {
            "id": item_id,
            "object": "realtime.item",
            "type": "message",
            "role": "assistant",
            "status": "in_progress",
            "content": [],
        }
        self.response_item = item
        common = {"response_id": response_id, "item_id": item_id, "output_index": index}
        await self.send({"type": "response.output_item.added", **common, "item": item})
        await self._add(item)
        part = {"type": "audio", "transcript": ""}
        item["content"].append({"type": "output_audio", "transcript": ""})
        await self.send(
            {"type": "response.content_part.added", **common, "content_index": 0, "part": part}
        )
        words = text.split(" ")
        chunk = _CHUNK_MS * _BYTES_PER_MS
        chunks = [pcm[i : i + chunk] for i in range(0, len(pcm), chunk)]
        said = 0
        self.server.audio_sent_ms[item_id] = 0
        for number, audio in enumerate(chunks, start=1):
            halfway = number == max(2, len(chunks) // 2)
            if fault is not None and halfway and await self._break_mid_response(fault):
                break
            await self.send(
                {
                    "type": "response.output_audio.delta",
                    **common,
                    "content_index": 0,
                    "delta": base64.b64encode(audio).decode(),
                }
            )
            self.server.audio_sent_ms[item_id] += len(audio) // _BYTES_PER_MS
            upto = math.ceil(len(words) * number / len(chunks))
            if upto > said:
                delta = " ".join(words[said:upto]) + ("" if upto == len(words) else " ")
                said = upto
                item["content"][0]["transcript"] += delta
                await self.send(
                    {
                        "type": "response.output_audio_transcript.delta",
                        **common,
                        "content_index": 0,
                        "delta": delta,
                    }
                )
            await asyncio.sleep(_CHUNK_MS / 1000 / self.server.pace)
        transcript = item["content"][0]["transcript"]
        await self.send({"type": "response.output_audio.done", **common, "content_index": 0})
        await self.send(
            {
                "type": "response.output_audio_transcript.done",
                **common,
                "content_index": 0,
                "transcript": transcript,
            }
        )
        item["status"] = "completed" if said == len(words) else "incomplete"
        await self.send({"type": "response.output_item.done", **common, "item": item})
        await self.send({"type": "conversation.item.done", "item": item})
        return item

    async def _break_mid_response(self, fault: Fault) -> bool:
        """Inject `fault` halfway through the audio; True: stop sending it (a server error)."""
        if fault.kind == "drop_socket":
            await self.ws.close()
            raise asyncio.CancelledError
        if fault.kind != "server_error":
            return False
        await self.send(
            {
                "type": "error",
                "error": {
                    "type": "server_error",
                    "code": None,
                    "message": "The server had an error while processing your request.",
                    "param": None,
                    "event_id": None,
                },
            }
        )
        return True

    async def _call(
        self, response_id: str, index: int, name: str, arguments: dict[str, Any]
    ) -> dict[str, Any]:
        item_id = next(self.item_ids)
        call_id = f"call_{item_id}"
        item = {
            "id": item_id,
            "object": "realtime.item",
            "type": "function_call",
            "status": "in_progress",
            "call_id": call_id,
            "name": name,
            "arguments": "",
        }
        common = {"response_id": response_id, "item_id": item_id, "output_index": index}
        await self.send({"type": "response.output_item.added", **common, "item": item})
        await self._add(item)
        encoded = json.dumps(arguments)
        await self.send(
            {
                "type": "response.function_call_arguments.delta",
                **common,
                "call_id": call_id,
                "delta": encoded,
            }
        )
        await self.send(
            {
                "type": "response.function_call_arguments.done",
                **common,
                "call_id": call_id,
                "arguments": encoded,
            }
        )
        item.update(arguments=encoded, status="completed")
        self.server.function_calls.append((name, arguments))
        await self.send({"type": "response.output_item.done", **common, "item": item})
        await self.send({"type": "conversation.item.done", "item": item})
        return item


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
    pace: float = _PACE
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
