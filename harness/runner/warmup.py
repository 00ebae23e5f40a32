"""Pay one-time start-up costs before any session clock runs.

The first `AgentSession` of a process imports and builds lazily (a few hundred ms of blocking work
on the event loop); on a live call that would show up as late frames and a slower greeting. A
throwaway session that starts, speaks a word into an unclocked link and closes absorbs it.
Per-session VAD instances: a shared one would report its metrics into every session.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
import threading

from livekit.agents import Agent, AgentSession

from ..backends import Backend, Voice
from ..transport import InProcessTransport

logger = logging.getLogger(__name__)
_warmed: set[str] = set()
_frozen = False
_GIL_SWITCH_INTERVAL_S = 0.001
_CLOCK_THREAD_NICENESS = -10


async def warm_up(backends: list[Backend]) -> None:
    for backend in backends:
        if backend.name in _warmed:
            continue
        await asyncio.to_thread(backend.warm_up)
        if backend.agent_has_own_brain():
            await _throwaway_session(backend)
        _warmed.add(backend.name)
    global _frozen
    if not _frozen:
        # Objects made at start-up live for the whole process; freezing them keeps full garbage
        # collections (tens of ms of blocking otherwise) from scanning them during a call. Once
        # only, before any session object exists: whatever is frozen is never collected, so a
        # freeze per session would keep every finished call's cycles alive.
        gc.collect()
        gc.freeze()
        _frozen = True
    # Model threads run Python too; a shorter GIL switch interval bounds how long the event
    # loop can wait for the interpreter behind them (5 ms by default, a quarter of a frame).
    sys.setswitchinterval(_GIL_SWITCH_INTERVAL_S)
    _raise_clock_thread_priority()


def _raise_clock_thread_priority() -> None:
    """Best effort: the event loop paces audio, so it should win the CPU over batch work.

    Needs root or CAP_SYS_NICE; without them the priority stays as it was (logged once).
    """
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _CLOCK_THREAD_NICENESS)
    except (OSError, AttributeError) as exc:
        logger.info("audio clock thread keeps its priority (%s)", exc)


async def _throwaway_session(backend: Backend) -> None:
    link = InProcessTransport()
    session = AgentSession(**await asyncio.to_thread(backend.session_kwargs, Voice()))
    ends = link.end_for("agent")
    session.input.audio, session.output.audio = ends.audio_input, ends.audio_output
    try:
        await session.start(Agent(instructions="warm-up"), record=False)
        session.say("ready", allow_interruptions=False)
        await asyncio.sleep(0.5)
    finally:
        await session.aclose()
        await link.stop()
