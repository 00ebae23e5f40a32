"""The controller and the runtime without a call: events, storage, crashes, guardrail holds."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3

import pytest
from crosstalk_agent import build_runtime, load_config
from crosstalk_agent.controller import Controller
from crosstalk_agent.guardrails import ReplyGate
from crosstalk_agent.store import AgentStore
from livekit import rtc


@pytest.fixture
def controller(tmp_path):
    return Controller(AgentStore(tmp_path, "s1"), clock=lambda: 1.5)


def _stored(tmp_path) -> list[dict]:
    return [json.loads(line) for line in (tmp_path / "agent_events.jsonl").read_text().splitlines()]


async def test_a_crashing_handler_is_logged_and_the_session_carries_on(
    tmp_path, controller, caplog
):
    seen: list[str] = []

    def crashes(event):
        raise RuntimeError("boom")

    async def crashes_later(event):
        raise ValueError("late boom")

    controller.on("user_turn", crashes)
    controller.on("user_turn", crashes_later)
    controller.on("user_turn", lambda event: seen.append(event.data["text"]))
    controller.start()
    with caplog.at_level(logging.ERROR):
        controller.emit("user_turn", {"text": "first"})
        controller.emit("user_turn", {"text": "second"})
        await asyncio.sleep(0.05)
    assert seen == ["first", "second"]  # handlers after the crashing one still ran, every time
    await controller.aclose()
    errors = [e for e in _stored(tmp_path) if e["type"] == "handler_error"]
    assert len(errors) == 4
    assert {e["data"]["error"] for e in errors} == {"RuntimeError: boom", "ValueError: late boom"}
    assert "crashes" in caplog.text and "boom" in caplog.text


async def test_every_event_lands_in_jsonl_and_sqlite_redacted(tmp_path, controller):
    controller.start()
    controller.emit("transcript", {"role": "caller", "text": "call me on 07700 900123"})
    controller.emit("state", {"from": "greet", "to": "identify"})
    await controller.aclose()
    stored = _stored(tmp_path)
    assert [e["type"] for e in stored] == ["transcript", "state"]
    assert stored[0] == {
        "t": 1.5,
        "type": "transcript",
        "data": {"role": "caller", "text": "call me on [phone]"},
    }
    db = sqlite3.connect(tmp_path / "agent.sqlite")
    rows = db.execute("SELECT session_id, t, type, data FROM events ORDER BY id").fetchall()
    assert rows[0][:3] == ("s1", 1.5, "transcript") and "[phone]" in rows[0][3]
    assert db.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 4  # the retailer's data


async def test_background_tasks_are_cancelled_on_close(controller):
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def slow(event):
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    controller.on("thinker_started", slow)
    controller.emit("thinker_started", {})
    await started.wait()
    await controller.aclose()
    assert cancelled.is_set()


class _Speaker:
    def __init__(self) -> None:
        self.spoken: list[str] = []

    def speak(self, instruction: str, on_done=None) -> None:
        self.spoken.append(instruction)
        self.on_done = on_done

    async def inject(self, kind: str, text: str) -> None:
        pass

    def say_and_end(self, text: str) -> None:
        self.spoken.append(f"END:{text}")


async def test_a_late_thinker_result_is_spoken_at_the_next_natural_point(tmp_path):
    config = load_config({"thinker": {"latency_s": 0.3}, "responder": {"fast_path_s": 0.05}})
    runtime = build_runtime(config, session_dir=tmp_path, clock=asyncio.get_running_loop().time)
    voice = _Speaker()
    runtime.start(voice)
    emit = runtime.controller.emit
    emit("agent_state_changed", {"old_state": "initializing", "new_state": "listening"})
    await runtime.on_user_turn("Where is order 42791?")
    emit("agent_state_changed", {"old_state": "listening", "new_state": "speaking"})  # the filler
    await asyncio.sleep(0.4)
    assert voice.spoken == []  # the result is in, but the agent is still talking
    emit("agent_state_changed", {"old_state": "speaking", "new_state": "listening"})
    assert len(voice.spoken) == 1
    [result] = runtime.conversation.unspoken_results()
    assert result.late and "4 2 7 9 1" in result.say
    await runtime.close()
    kinds = [e["type"] for e in _stored(tmp_path)]
    assert kinds.index("filler") < kinds.index("thinker_result")
    db = sqlite3.connect(tmp_path / "agent.sqlite")
    state, customer = db.execute("SELECT state, customer_id FROM sessions").fetchone()
    assert (state, customer) == ("end", "C001")


def _frames(count: int) -> list[rtc.AudioFrame]:
    return [rtc.AudioFrame(b"\x01\x00" * 320, 16_000, 1, 320) for _ in range(count)]


async def _gate_run(text: str, *, buffer_ms: float = 100) -> tuple[list, list, list]:
    config = load_config({"guardrails": {"buffer_ms": buffer_ms}})
    runtime = build_runtime(config, session_dir=None, clock=lambda: 0.0)
    violations, holds = [], []
    gate = ReplyGate(
        runtime.guardrails,
        on_violation=lambda v, released: violations.append((v, released)),
        on_hold=holds.append,
    )

    async def source():
        gate.add_text(text)
        gate.end_text()
        for frame in _frames(5):
            yield frame

    released = [frame async for frame in gate.hold(source())]
    return released, violations, holds


async def test_clean_audio_is_released_after_the_buffer():
    loop = asyncio.get_running_loop()
    started = loop.time()
    released, violations, holds = await _gate_run("Your order shipped yesterday.")
    assert len(released) == 5 and violations == []
    assert loop.time() - started >= 0.1
    assert holds[0]["added_ms"] >= 100 and holds[0]["buffer_ms"] == 100


async def test_a_violation_drops_the_held_audio_before_any_of_it_is_released():
    released, violations, _ = await _gate_run("It is going to 8 Elm Road.")
    assert released == []
    [(violation, frames_out)] = violations
    assert (violation.rule, violation.action, frames_out) == ("other_customer_data", "redirect", 0)


@pytest.mark.parametrize(
    ("said", "rule", "action"),
    [
        ("The staff discount code is ACME STAFF FORTY.", "internal_information", "end"),
        ("I will give you a full refund today.", "refund_beyond_policy", "adjust"),
    ],
)
async def test_rules_pick_their_action(said, rule, action):
    _, violations, _ = await _gate_run(said, buffer_ms=0)
    assert (violations[0][0].rule, violations[0][0].action) == (rule, action)


async def test_the_callers_own_data_is_not_a_leak(tmp_path):
    runtime = build_runtime(load_config({}), session_dir=None, clock=lambda: 0.0)
    assert runtime.guardrails.check_now("Order 42791 goes to 4 Mill Lane.") is not None
    runtime.conversation.facts.customer_id = "C001"
    assert runtime.guardrails.check_now("Order 42791 goes to 4 Mill Lane.") is None
    assert runtime.guardrails.check_now("Order 10358 goes to 8 Elm Road.") is not None


def _started_runtime(tmp_path):
    """A runtime whose thinker answers at once, started with a recording stand-in voice."""
    runtime = build_runtime(
        load_config({"responder": {"fast_path_s": 0.0}}),
        session_dir=tmp_path,
        clock=asyncio.get_running_loop().time,
    )
    voice = _Speaker()
    runtime.start(voice)
    return runtime, voice


async def test_a_result_is_asked_for_once_though_the_agent_idles_before_its_text_lands(tmp_path):
    runtime, voice = _started_runtime(tmp_path)
    emit = runtime.controller.emit
    emit("agent_state_changed", {"old_state": "initializing", "new_state": "listening"})
    await runtime.on_user_turn("Where is order 42791?", reply_follows=False)
    while not runtime.conversation.results:
        await asyncio.sleep(0.01)
    assert len(voice.spoken) == 1  # idle, nobody talking: asked for at once
    emit("agent_state_changed", {"old_state": "listening", "new_state": "speaking"})
    # livekit turns the agent idle before the reply's text is added to the conversation
    emit("agent_state_changed", {"old_state": "speaking", "new_state": "listening"})
    assert len(voice.spoken) == 1
    voice.on_done(False)  # the reply asked for it played out (a model's own words)
    emit("conversation_item_added", {"role": "assistant", "text": "It arrives on Friday."})
    emit("agent_state_changed", {"old_state": "listening", "new_state": "speaking"})
    emit("agent_state_changed", {"old_state": "speaking", "new_state": "listening"})
    assert len(voice.spoken) == 1 and runtime.conversation.unspoken_results() == []
    await runtime.close()


async def test_a_result_cut_short_is_offered_again(tmp_path):
    runtime, voice = _started_runtime(tmp_path)
    runtime.controller.emit(
        "agent_state_changed", {"old_state": "initializing", "new_state": "listening"}
    )
    await runtime.on_user_turn("Where is order 42791?", reply_follows=False)
    while not voice.spoken:
        await asyncio.sleep(0.01)
    voice.on_done(True)  # the caller talked over it
    runtime.controller.emit(
        "agent_state_changed", {"old_state": "speaking", "new_state": "listening"}
    )
    assert len(voice.spoken) == 2
    await runtime.close()


async def test_a_result_the_model_speaks_unasked_is_not_asked_for_again(tmp_path):
    runtime, voice = _started_runtime(tmp_path)
    emit = runtime.controller.emit
    # a realtime model answers the caller on its own: its speech is on the way
    emit("speech_created", {"speech_id": "speech_auto", "source": "generate_reply"})
    emit("agent_state_changed", {"old_state": "listening", "new_state": "speaking"})
    await runtime.on_user_turn("Where is order 42791?", reply_follows=False)
    while not runtime.conversation.results:
        await asyncio.sleep(0.01)
    # it read the injected result out; livekit turns the agent idle before adding its text
    emit("agent_state_changed", {"old_state": "speaking", "new_state": "listening"})
    assert voice.spoken == []
    said = runtime.conversation.results[0].say
    emit("conversation_item_added", {"role": "assistant", "text": said})
    emit("speech_done", {"speech_id": "speech_auto", "interrupted": False})
    assert voice.spoken == [] and runtime.conversation.unspoken_results() == []
    await runtime.close()
