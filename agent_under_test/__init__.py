"""The reference agent under test: Acme Outfitters' customer-service voice agent.

`create_agent` is the factory a scenario names (`agent_under_test:create_agent`, the default).
"""

from __future__ import annotations

from livekit.agents import Agent

from .responder import Responder


def create_agent(backend: str = "offline") -> Agent:
    """The agent for a session on `backend`: offline it brings its own rule-based brain."""
    return Responder(offline_brain=backend == "offline")


__all__ = ["Responder", "create_agent"]
