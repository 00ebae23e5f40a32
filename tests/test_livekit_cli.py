"""LiveKit targets through the real `crosstalk` command, against the local stand-in server.

The stand-in serves the room service but no media, so these calls end before any audio: they
pin the exit codes, that the room is deleted, and that no credential reaches an artifact.
"""

from __future__ import annotations

import json
from pathlib import Path

from crosstalk_harness.testing.livekit_stub import LiveKitStub

from .conftest import FIXTURES

PERSONA = FIXTURES / "personas" / "short_caller.yaml"


def _scenario(folder: Path, target: str) -> Path:
    path = folder / "remote.yaml"
    path.write_text(f"name: remote\npersona: {PERSONA}\nmax_duration_s: 30\ntarget: {target}\n")
    return path


def _artifacts_text(run_root: Path) -> str:
    files = [p for p in run_root.rglob("*") if p.is_file() and p.suffix != ".wav"]
    assert any(p.name == "session.json" for p in files)
    assert any(p.name == "crosstalk.log" for p in files)
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in files)


def test_agent_that_never_joins_exits_3_deletes_the_room_and_leaks_no_secret(crosstalk, tmp_path):
    scenario = _scenario(tmp_path, "{kind: livekit, agent_name: ava, join_timeout_s: 1}")
    with LiveKitStub() as stub:  # no worker registered as "ava"
        result = crosstalk("run", str(scenario), "--out", str(tmp_path / "out"), env=stub.env())
    assert result.exit_code == 3, result.stderr
    assert "agent 'ava' did not join LiveKit room" in result.stderr
    assert stub.methods()[:2] == ["CreateRoom", "CreateDispatch"]
    assert stub.methods()[-1] == "DeleteRoom" and stub.rooms == {}

    (session_dir,) = [p for p in (tmp_path / "out").glob("*/*") if p.is_dir()]
    session = json.loads((session_dir / "session.json").read_text())
    assert session["status"] == "error"
    assert session["transport"]["kind"] == "livekit"
    assert session["transport"]["room"] == stub.deleted_rooms[0]
    assert session["transport"]["remote"]["agent_name"] == "ava"
    text = _artifacts_text(tmp_path / "out") + result.stdout + result.stderr
    assert stub.api_secret not in text and stub.api_key not in text


def test_media_stage_failure_exits_3_and_no_token_or_secret_is_logged(crosstalk, tmp_path):
    scenario = _scenario(tmp_path, "{kind: livekit, agent_name: ava, join_timeout_s: 5}")
    with LiveKitStub(agent_names={"ava"}) as stub:
        result = crosstalk("run", str(scenario), "--out", str(tmp_path / "out"), env=stub.env())
    assert result.exit_code == 3, result.stderr
    assert "realtime connection" in result.stderr
    assert stub.rtc_attempts > 0 and stub.rooms == {}
    text = _artifacts_text(tmp_path / "out") + result.stdout + result.stderr
    assert stub.api_secret not in text and stub.api_key not in text
    assert "eyJ" not in text  # no JWT (a token carries the key) in any log or artifact


def test_missing_livekit_variables_exit_2_before_any_call(crosstalk, tmp_path):
    scenario = _scenario(tmp_path, "{kind: livekit, agent_name: ava}")
    result = crosstalk(
        "run",
        str(scenario),
        "--out",
        str(tmp_path / "out"),
        env={"LIVEKIT_URL": "", "LIVEKIT_API_KEY": "", "LIVEKIT_API_SECRET": ""},
    )
    assert result.exit_code == 2, result.stderr
    assert f"{scenario}:4:" in result.stderr
    assert "LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET not set" in result.stderr
    assert not (tmp_path / "out").exists()


def test_bad_credentials_exit_3_with_a_hint(crosstalk, tmp_path):
    scenario = _scenario(tmp_path, "{kind: livekit, agent_name: ava}")
    with LiveKitStub(agent_names={"ava"}) as stub:
        env = stub.env(LIVEKIT_API_SECRET="wrong-secret-" + "y" * 24)
        result = crosstalk("run", str(scenario), "--out", str(tmp_path / "out"), env=env)
    assert result.exit_code == 3, result.stderr
    assert "refused to create room" in result.stderr
    assert stub.rooms == {} and "wrong-secret-" not in result.stderr


def test_phone_target_without_a_trunk_is_a_config_error(crosstalk, tmp_path):
    scenario = _scenario(tmp_path, "{kind: phone, number: '+15551230000'}")
    with LiveKitStub() as stub:
        env = stub.env(LIVEKIT_SIP_OUTBOUND_TRUNK_ID="")
        result = crosstalk("validate", str(scenario), env=env)
    assert result.exit_code == 2, result.stderr
    assert "LIVEKIT_SIP_OUTBOUND_TRUNK_ID" in result.stderr
    assert stub.calls == []
