"""A local stand-in for the OpenAI API's network peer: records requests, answers as configured.

Runs an aiohttp server on 127.0.0.1 in a background thread so that a child `crosstalk` process
can reach it through `OPENAI_BASE_URL`. `heard_audio` decodes the `input_audio` parts a chat
request carries (an audio judge's turns), so a test can check what the model was made to hear.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from aiohttp import web

from .local_server import BackgroundServer


@dataclass
class SeenRequest:
    path: str
    query: dict[str, str]
    authorization: str | None
    body: dict[str, Any] | None = None


@dataclass
class ChatReply:
    """What the fake answers to one chat-completions request.

    `content` is the assistant's text; `tool_calls` are `(name, arguments-dict)` pairs; a `status`
    other than 200 answers with an OpenAI-style error body instead (e.g. 429, 500). `headers` are
    sent with the answer (e.g. `retry-after-ms`); `delay_s` holds the answer back (timeouts).
    """

    content: str | None = None
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    status: int = 200
    prompt_tokens: int = 100
    completion_tokens: int = 20
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    raw_body: str | None = None  # sent as is with HTTP 200 (a body cut short, an HTML page)
    content_type: str = "application/json"


@dataclass(frozen=True)
class HeardAudio:
    """One `input_audio` part of a chat request, decoded, with the text part just before it."""

    label: str
    rate: int
    samples: np.ndarray  # mono, float in [-1, 1]

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.rate

    def dominant_hz(self) -> float:
        spectrum = np.abs(np.fft.rfft(self.samples))
        return float(np.fft.rfftfreq(len(self.samples), 1 / self.rate)[int(np.argmax(spectrum))])


def heard_audio(body: dict[str, Any]) -> list[HeardAudio]:
    """Every audio part of a chat request's messages, decoded from its base64 WAV."""
    heard = []
    for message in body.get("messages") or []:
        content = message.get("content")
        label = ""
        for part in content if isinstance(content, list) else []:
            if part.get("type") == "text":
                label = part.get("text", "")
            elif part.get("type") == "input_audio":
                audio = part["input_audio"]
                if audio.get("format") != "wav":
                    raise ValueError(f"audio format {audio.get('format')!r}: the fake reads wav")
                with wave.open(io.BytesIO(base64.b64decode(audio["data"])), "rb") as wav:
                    if (wav.getnchannels(), wav.getsampwidth()) != (1, 2):
                        raise ValueError("the fake reads mono 16-bit WAV")
                    pcm = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
                    heard.append(HeardAudio(label, wav.getframerate(), pcm / 32768.0))
    return heard


ChatHandler = Callable[[dict[str, Any]], ChatReply | str]


@dataclass
class FakeOpenAI(BackgroundServer):
    """`chat` decides each chat-completions answer from the request body (default: "OK")."""

    realtime_status: int = 401
    chat: ChatHandler | None = None
    requests: list[SeenRequest] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        self._prepare_background()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def _realtime(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(
            SeenRequest(request.path, dict(request.query), request.headers.get("Authorization"))
        )
        return web.json_response(
            {"error": {"message": "invalid api key", "type": "invalid_request_error"}},
            status=self.realtime_status,
        )

    def chat_requests(self) -> list[dict[str, Any]]:
        return [r.body for r in self.requests if r.path.endswith("/chat/completions") and r.body]

    async def _chat_completions(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(
            SeenRequest(
                request.path, dict(request.query), request.headers.get("Authorization"), body
            )
        )
        reply = self.chat(body) if self.chat else ChatReply(content="OK")
        if isinstance(reply, str):
            reply = ChatReply(content=reply)
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        if reply.raw_body is not None:
            return web.Response(text=reply.raw_body, content_type=reply.content_type)
        if reply.status != 200:
            error = {"message": f"fake error {reply.status}", "type": "server_error"}
            return web.json_response({"error": error}, status=reply.status, headers=reply.headers)
        tool_calls = [
            {
                "id": f"call_{index}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(arguments)},
            }
            for index, (name, arguments) in enumerate(reply.tool_calls)
        ]
        message: dict[str, Any] = {"role": "assistant", "content": reply.content}
        if tool_calls:
            message["tool_calls"] = tool_calls
        usage = {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "total_tokens": reply.prompt_tokens + reply.completion_tokens,
        }
        common = {"id": "chatcmpl-fake", "created": int(time.time()), "model": body.get("model")}
        if not body.get("stream"):
            choice = {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if tool_calls else "stop",
            }
            return web.json_response(
                {**common, "object": "chat.completion", "choices": [choice], "usage": usage},
                headers=reply.headers,
            )
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        delta: dict[str, Any] = {"role": "assistant", "content": reply.content or ""}
        if tool_calls:
            delta["tool_calls"] = [{"index": i, **call} for i, call in enumerate(tool_calls)]
        chunks = [
            {"index": 0, "delta": delta, "finish_reason": None},
            {"index": 0, "delta": {}, "finish_reason": "tool_calls" if tool_calls else "stop"},
        ]
        for choice in chunks:
            chunk = {**common, "object": "chat.completion.chunk", "choices": [choice]}
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
        final = {**common, "object": "chat.completion.chunk", "choices": [], "usage": usage}
        await response.write(f"data: {json.dumps(final)}\n\ndata: [DONE]\n\n".encode())
        await response.write_eof()
        return response

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/v1/realtime", self._realtime)
        app.router.add_post("/v1/chat/completions", self._chat_completions)
