"""Serve an agent factory as a LiveKit worker: the same `Agent`, on a real room instead of a link.

`python -m crosstalk_agent start` uses this to run the reference agent as a worker registered
under an agent name, so `target: {kind: livekit, agent_name: ...}` scenarios can dispatch it.
Each job builds the agent with the factory exactly as the in-process runner does (`backend=`,
`session_dir=`, `clock=` when the factory takes them) and the same backend's session arguments.

Settings come from the environment, so the forked job processes see them too:
`CROSSTALK_AGENT_BACKEND` (offline | openai, default offline), `CROSSTALK_AGENT_SESSION_DIR`
(where each room's agent artifacts go, default `agent-sessions/`), `LIVEKIT_AGENT_NAME` (the
agent name, else the caller's default) and the worker's own `LIVEKIT_URL`/`_API_KEY`/`_SECRET`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from livekit.agents import Agent, AgentSession, JobContext, JobProcess, WorkerOptions

from .backends import BACKEND_NAMES, Backend, get_backend
from .config.models import AgentConfig
from .errors import ConfigError
from .runner.agent_loader import AgentFactory, factory_kwargs

logger = logging.getLogger(__name__)

ENV_BACKEND = "CROSSTALK_AGENT_BACKEND"
ENV_SESSION_DIR = "CROSSTALK_AGENT_SESSION_DIR"


def worker_backend() -> Backend:
    name = os.environ.get(ENV_BACKEND, "offline")
    if name not in BACKEND_NAMES:
        raise ConfigError(f"{ENV_BACKEND}={name!r}: expected one of {', '.join(BACKEND_NAMES)}")
    return get_backend(name)


def build_agent(
    factory: AgentFactory, backend: Backend, session_dir: Path, clock: Callable[[], float]
) -> tuple[Agent, dict[str, Any]]:
    """The agent and its `AgentSession` arguments, built as the in-process runner builds them."""
    session_dir.mkdir(parents=True, exist_ok=True)
    kwargs = factory_kwargs(factory, {}, backend=backend.name, session_dir=session_dir, clock=clock)
    agent = factory(**kwargs)
    if not isinstance(agent, Agent):
        raise ConfigError(f"the agent factory returned {type(agent).__name__}, not an Agent")
    return agent, backend.session_kwargs(AgentConfig().voice)


async def serve_agent(ctx: JobContext, factory: AgentFactory) -> AgentSession:
    """One job: join the room, build the agent with `factory`, and start its session there."""
    started = time.monotonic()
    backend = worker_backend()
    session_dir = Path(os.environ.get(ENV_SESSION_DIR, "agent-sessions")) / ctx.room.name
    await ctx.connect()
    agent, session_kwargs = await asyncio.to_thread(
        build_agent, factory, backend, session_dir, lambda: time.monotonic() - started
    )
    session = AgentSession(**session_kwargs)
    await session.start(agent, room=ctx.room)
    logger.info("agent session started in room %s (%s backend)", ctx.room.name, backend.name)
    return session


def _prewarm(process: JobProcess) -> None:
    """Load models once per worker process, before any job's clock starts."""
    worker_backend().warm_up()


def worker_options(
    entrypoint: Callable[[JobContext], Coroutine[Any, Any, None]], *, default_agent_name: str
) -> WorkerOptions:
    """Options for `cli.run_app`: explicit dispatch only, under `LIVEKIT_AGENT_NAME` or the
    default name, with the backend's models loaded in each process before it takes a job."""
    return WorkerOptions(
        entrypoint_fnc=entrypoint,
        prewarm_fnc=_prewarm,
        agent_name=os.environ.get("LIVEKIT_AGENT_NAME") or default_agent_name,
    )
