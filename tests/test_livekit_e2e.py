"""A real call over a LiveKit server: runs only where LIVEKIT_URL (and key, secret) are set.

It starts the reference agent as a worker (`python -m crosstalk_agent start`) under a unique
agent name, runs a short scenario targeting it, and checks the call, the recording and that the
room is gone afterwards. No LiveKit server can be installed on the machine this was built on, so
elsewhere it is skipped; see docs/scale.md, "What was and was not verified".
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
import wave

import pytest
from crosstalk_harness.transport.livekit_room.credentials import LiveKitCredentials
from crosstalk_harness.transport.livekit_room.rooms import SessionRoom

from .conftest import FIXTURES, REPO

pytestmark = pytest.mark.skipif(
    not os.environ.get("LIVEKIT_URL"), reason="needs a LiveKit server (set LIVEKIT_URL, ...)"
)


def test_call_through_a_livekit_room(crosstalk, tmp_path):
    agent_name = f"crosstalk-e2e-{secrets.token_hex(3)}"
    worker = subprocess.Popen(
        [sys.executable, "-m", "crosstalk_agent", "start"],
        cwd=REPO,
        env={
            **os.environ,
            "LIVEKIT_AGENT_NAME": agent_name,
            "CROSSTALK_AGENT_SESSION_DIR": str(tmp_path / "agent"),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        scenario = tmp_path / "remote.yaml"
        scenario.write_text(
            f"name: remote\npersona: {FIXTURES / 'personas' / 'short_caller.yaml'}\n"
            f"max_duration_s: 60\ntarget: {{kind: livekit, agent_name: {agent_name}, "
            "join_timeout_s: 60, room_prefix: crosstalk-e2e-}\n"
        )
        result = crosstalk("run", str(scenario), "--out", str(tmp_path / "out"), "--json")
    finally:
        worker.terminate()
        worker.wait(30)
    assert result.exit_code in (0, 1), result.stderr
    session = result.json()["sessions"][0]
    assert session["outcome"] == "completed" and session["turns"]["caller"] >= 2
    with wave.open(str(tmp_path / "out" / result.json()["run_id"] / "01-remote" / "call.wav")) as w:
        assert w.getnchannels() == 2 and w.getnframes() > 0
    assert session["timing"]["response_latency"]["count"] >= 1
    document = json.loads(
        (tmp_path / "out" / result.json()["run_id"] / "01-remote" / "session.json").read_text()
    )
    room_name = document["transport"]["room"]

    async def room_exists() -> bool:
        room = SessionRoom(LiveKitCredentials.from_env(), room_name)
        try:
            return await room.exists()
        finally:
            await room.aclose()  # never created by this object: closes the HTTP session only

    assert not asyncio.run(room_exists())
