"""The reference agent as a LiveKit worker: the entry point, and that it builds the same agent."""

from __future__ import annotations

import subprocess
import sys

import crosstalk_agent
import pytest
from crosstalk_harness.backends import get_backend
from crosstalk_harness.errors import ConfigError
from crosstalk_harness.worker import build_agent, worker_backend, worker_options

from .conftest import REPO


def test_module_help_lists_the_worker_commands():
    completed = subprocess.run(
        [sys.executable, "-m", "crosstalk_agent", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    for command in ("start", "dev", "console"):
        assert command in completed.stdout


def test_worker_builds_the_agent_with_the_in_process_factory(tmp_path):
    seen: dict[str, object] = {}

    def factory(backend, session_dir, clock):
        seen.update(backend=backend, session_dir=session_dir, clock=clock)
        return crosstalk_agent.create_agent(backend=backend)

    agent, session_kwargs = build_agent(
        factory, get_backend("offline"), tmp_path / "room-1", lambda: 1.5
    )
    assert type(agent) is type(crosstalk_agent.create_agent(backend="offline"))
    assert seen["backend"] == "offline" and seen["session_dir"] == tmp_path / "room-1"
    assert callable(seen["clock"]) and seen["clock"]() == 1.5
    assert (tmp_path / "room-1").is_dir()
    assert {"stt", "tts", "vad"} <= set(session_kwargs)


def test_worker_offers_only_what_the_factory_takes(tmp_path):
    agent, _ = build_agent(
        crosstalk_agent.create_agent, get_backend("offline"), tmp_path, lambda: 0.0
    )
    assert agent is not None


def test_worker_options_use_explicit_dispatch(monkeypatch):
    from crosstalk_agent.__main__ import AGENT_NAME, entrypoint

    monkeypatch.delenv("LIVEKIT_AGENT_NAME", raising=False)
    options = worker_options(entrypoint, default_agent_name=AGENT_NAME)
    assert options.agent_name == "crosstalk-agent" and options.entrypoint_fnc is entrypoint
    monkeypatch.setenv("LIVEKIT_AGENT_NAME", "ava-staging")
    assert worker_options(entrypoint, default_agent_name=AGENT_NAME).agent_name == "ava-staging"


def test_unknown_worker_backend_is_a_config_error(monkeypatch):
    monkeypatch.setenv("CROSSTALK_AGENT_BACKEND", "gpt9")
    with pytest.raises(ConfigError, match="CROSSTALK_AGENT_BACKEND='gpt9'"):
        worker_backend()
