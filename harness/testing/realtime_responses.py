"""The response side of the fake Realtime API: a response's audio and transcript deltas, paced,
cancellable and truncatable, ending in text or a function call, with injected faults.

`ResponseStreaming` is mixed into each connection of `fake_realtime.FakeRealtime`; it uses the
connection's `send`, `error`, `spawn`, `server` and conversation.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
from typing import Any

from ..backends.offline.espeak import EspeakEngine, EspeakVoice
from ..backends.offline.synthesis import resample_utterance
from .realtime_brain import Fault, Turn, usage

RATE = 24_000
BYTES_PER_MS = RATE * 2 // 1000
CHUNK_MS = 100
PACE = 2.0  # default: audio streamed this many times faster than real time, as the real API does
TTFT_S = 0.25


def synthesize(text: str, voice: str) -> bytes:
    """`text` as 24 kHz PCM in an espeak-ng voice chosen by the OpenAI voice name."""
    engine = EspeakEngine.shared()
    pitch = 30 + sum(map(ord, voice)) % 40
    pcm = engine.synthesize(text, EspeakVoice("en-us", 170, pitch))
    return resample_utterance(pcm, engine.sample_rate, RATE)


class ResponseStreaming:
    """What a connection does to answer: start, stream, cancel and fail responses."""

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
            await asyncio.sleep(TTFT_S)
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
        chunk = CHUNK_MS * BYTES_PER_MS
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
            self.server.audio_sent_ms[item_id] += len(audio) // BYTES_PER_MS
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
            await asyncio.sleep(CHUNK_MS / 1000 / self.server.pace)
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
