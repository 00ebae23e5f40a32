"""The OpenAI backend against a local fake of the API: it reaches OPENAI_BASE_URL with the key,
and a model that refuses the call is an infrastructure error (exit 3) that keeps the artifacts
and never writes the key anywhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from crosstalk_harness.testing.fake_openai import FakeOpenAI

from .conftest import REPO

pytestmark = pytest.mark.e2e  # real clock: in the one real-time lane (conftest.py)

SECRET = "sk-test-do-not-leak-4f9c2"


def test_realtime_backend_calls_the_configured_server_and_fails_cleanly(crosstalk, tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        f"name: openai_agent\npersona: {REPO / 'personas' / 'order_status_caller.yaml'}\n"
        "agent:\n  backend: openai\nmax_duration_s: 30\n"
    )
    out = tmp_path / "out"
    with FakeOpenAI(realtime_status=401) as fake:
        result = crosstalk(
            "run",
            str(scenario),
            "--out",
            str(out),
            env={"OPENAI_API_KEY": SECRET, "OPENAI_BASE_URL": fake.base_url},
        )
    assert result.exit_code == 3, result.stderr
    assert "Traceback" not in result.stderr
    assert "the agent side failed" in result.stderr

    assert fake.requests, "the realtime client never reached OPENAI_BASE_URL"
    first = fake.requests[0]
    assert first.path == "/v1/realtime" and first.query.get("model") == "gpt-realtime"
    assert first.authorization == f"Bearer {SECRET}"

    [run_dir] = out.iterdir()
    [session_dir] = [p for p in run_dir.iterdir() if p.is_dir()]
    session = json.loads((session_dir / "session.json").read_text())
    assert session["status"] == "error"
    assert (session_dir / "call.wav").exists() and (session_dir / "events.jsonl").exists()
    for path in Path(run_dir).rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), f"key leaked into {path}"
    assert SECRET not in result.stderr + result.stdout
