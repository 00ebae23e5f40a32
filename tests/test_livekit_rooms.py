"""The LiveKit room lifecycle against a local stand-in for the server API (real livekit-api client).

Drives `SessionRoom` and the real `LiveKitTransport.start` up to the point where a media
connection would be needed: rooms, tokens and their grants, dispatch, SIP dialling, timeouts,
and that the room is deleted whatever happens.
"""

from __future__ import annotations

import socket

import pytest
from crosstalk_harness.config.models import DtmfStep, LiveKitTarget, PhoneTarget
from crosstalk_harness.errors import ConfigError, InfrastructureError
from crosstalk_harness.testing.livekit_stub import API_SECRET, LiveKitStub
from crosstalk_harness.transport.livekit_room.credentials import LiveKitCredentials
from crosstalk_harness.transport.livekit_room.parties import outbound_trunk_id
from crosstalk_harness.transport.livekit_room.rooms import SessionRoom, is_agent
from crosstalk_harness.transport.livekit_room.transport import LiveKitTransport
from livekit import api

AGENT = "crosstalk-agent"
TRUNK = "ST_test_trunk"


@pytest.fixture
def stub():
    with LiveKitStub(agent_names={AGENT}, trunks={TRUNK}, busy_numbers={"+15550000486"}) as s:
        yield s


def _credentials(stub: LiveKitStub, **overrides: str) -> LiveKitCredentials:
    return LiveKitCredentials.from_env(stub.env(**overrides))


def _agent_target(name: str = AGENT, timeout_s: float = 1.0) -> LiveKitTarget:
    return LiveKitTarget(kind="livekit", agent_name=name, join_timeout_s=timeout_s)


async def test_room_lifecycle_requests_carry_the_grants_each_method_needs(stub):
    room = SessionRoom(_credentials(stub), "crosstalk-t1")
    await room.create()
    await room.dispatch_agent(AGENT, metadata='{"k": 1}')
    joined = await room.wait_for_participant(is_agent, who="the agent", timeout_s=2)
    await room.aclose()
    after = SessionRoom(_credentials(stub), "crosstalk-t1")
    assert not await after.exists()
    await after.aclose()

    assert joined.kind == api.ParticipantInfo.Kind.AGENT
    assert stub.methods()[:4] == ["CreateRoom", "CreateDispatch", "ListParticipants", "DeleteRoom"]
    assert stub.calls[4].method == "ListRooms" and stub.calls[4].claims["video"]["roomList"]
    assert stub.rejected == []
    create, dispatch, listing, delete, _ = stub.calls
    assert create.content_type == "application/protobuf"
    assert create.request.name == "crosstalk-t1" and create.request.empty_timeout > 0
    assert create.claims["video"].get("roomCreate") is True
    assert dispatch.request.agent_name == AGENT and dispatch.request.metadata == '{"k": 1}'
    assert dispatch.claims["video"] == {**dispatch.claims["video"], "roomAdmin": True}
    assert dispatch.claims["video"]["room"] == "crosstalk-t1"
    assert listing.claims["video"]["room"] == "crosstalk-t1"
    assert delete.request.room == "crosstalk-t1"
    assert stub.rooms == {} and stub.deleted_rooms == ["crosstalk-t1"]


async def test_caller_token_may_join_this_room_only(stub):
    room = SessionRoom(_credentials(stub), "crosstalk-t2")
    token = room.participant_token("crosstalk-caller", ttl_s=120)
    await room.aclose()
    claims = api.TokenVerifier(stub.api_key, stub.api_secret).verify(token)
    assert claims.identity == "crosstalk-caller"
    assert claims.video.room_join is True and claims.video.room == "crosstalk-t2"
    assert claims.video.can_publish and claims.video.can_subscribe
    assert not claims.video.room_create and not claims.video.room_admin
    assert not claims.video.room_list and not claims.sip.call and not claims.sip.admin
    assert stub.calls == []  # an unused room was never created, so nothing to delete


async def test_agent_that_never_joins_times_out_and_the_room_is_deleted(stub):
    transport = LiveKitTransport(
        _credentials(stub), _agent_target("nobody-runs-this", timeout_s=0.6), session_id="01-x"
    )
    with pytest.raises(InfrastructureError, match="did not join LiveKit room .* within 0.6 s"):
        await transport.start(_unused_recording())
    assert stub.methods()[:2] == ["CreateRoom", "CreateDispatch"]
    assert set(stub.methods()[2:-1]) == {"ListParticipants"}
    assert stub.methods()[-1] == "DeleteRoom"
    assert stub.deleted_rooms == [transport.room_name] and stub.rooms == {}
    assert stub.rtc_attempts == 0  # the caller never tried to join an empty room
    await transport.stop()  # idempotent after a failed start
    assert stub.methods().count("DeleteRoom") == 1


async def test_media_failure_after_the_agent_joined_still_deletes_the_room(stub):
    transport = LiveKitTransport(_credentials(stub), _agent_target(), session_id="02-y")
    with pytest.raises(InfrastructureError, match="realtime connection"):
        await transport.start(_unused_recording())
    assert stub.rtc_attempts > 0  # it got as far as the realtime SDK's signalling request
    assert stub.deleted_rooms == [transport.room_name] and stub.rooms == {}
    assert transport.describe()["remote"]["identity"].startswith("agent-")


async def test_bad_credentials_are_an_infrastructure_error_that_hides_the_secret(stub):
    wrong = "not-the-secret-" + "x" * 20
    room = SessionRoom(_credentials(stub, LIVEKIT_API_SECRET=wrong), "crosstalk-t3")
    with pytest.raises(InfrastructureError) as raised:
        await room.create()
    await room.aclose()
    rendered = raised.value.render()
    assert "refused" in rendered and "LIVEKIT_API_SECRET" in rendered
    assert wrong not in rendered and API_SECRET not in rendered
    assert stub.rejected == [("livekit.RoomService/CreateRoom", "unauthenticated")]
    assert stub.rooms == {}


async def test_unreachable_server_is_an_infrastructure_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: nothing listens there
    credentials = LiveKitCredentials.from_env(
        {
            "LIVEKIT_URL": f"ws://127.0.0.1:{port}",
            "LIVEKIT_API_KEY": "k",
            "LIVEKIT_API_SECRET": "s" * 32,
        }
    )
    transport = LiveKitTransport(credentials, _agent_target(), session_id="03-z")
    with pytest.raises(InfrastructureError, match="unreachable") as raised:
        await transport.start(_unused_recording())
    assert "LIVEKIT_URL" in (raised.value.hint or "")


async def test_dialling_a_number_sends_create_sip_participant_with_the_trunk(stub):
    room = SessionRoom(_credentials(stub), "crosstalk-t4")
    await room.create()
    info = await room.dial(
        "+15551230000",
        trunk_id=TRUNK,
        identity="phone-t4",
        from_number="+15559990000",
        ringing_timeout_s=25,
    )
    await room.aclose()
    dial = stub.calls[1]
    assert dial.method == "CreateSIPParticipant"
    assert dial.claims["sip"]["call"] is True
    request = dial.request
    assert (request.sip_trunk_id, request.sip_call_to, request.room_name) == (
        TRUNK,
        "+15551230000",
        "crosstalk-t4",
    )
    assert request.participant_identity == "phone-t4" and request.sip_number == "+15559990000"
    assert request.wait_until_answered and request.ringing_timeout.seconds == 25
    assert info.participant_identity == "phone-t4" and info.sip_call_id
    assert stub.deleted_rooms == ["crosstalk-t4"]


async def test_busy_number_and_unknown_trunk_are_clear_errors(stub):
    room = SessionRoom(_credentials(stub), "crosstalk-t5")
    await room.create()
    with pytest.raises(InfrastructureError, match="486 Busy Here"):
        await room.dial("+15550000486", trunk_id=TRUNK, identity="p")
    with pytest.raises(InfrastructureError, match="trunk ST_missing not found"):
        await room.dial("+15551230000", trunk_id="ST_missing", identity="p")
    await room.aclose()
    assert stub.rooms == {}


async def test_phone_target_joins_the_caller_before_dialling(stub):
    """Nothing the callee says on answering may be lost, so the caller is in the room first:
    against the stand-in the media join fails, and no call must have been placed."""
    target = PhoneTarget(kind="phone", number="+15551230000", outbound_trunk_id=TRUNK)
    transport = LiveKitTransport(_credentials(stub), target, session_id="04-p")
    with pytest.raises(InfrastructureError, match="realtime connection"):
        await transport.start(_unused_recording())
    assert "CreateSIPParticipant" not in stub.methods()
    assert stub.methods() == ["CreateRoom", "DeleteRoom"]


def test_missing_variables_are_named(monkeypatch):
    with pytest.raises(ConfigError) as raised:
        LiveKitCredentials.from_env({"LIVEKIT_URL": "wss://x.livekit.cloud"})
    assert "LIVEKIT_API_KEY, LIVEKIT_API_SECRET not set" in raised.value.message
    with pytest.raises(ConfigError, match="LIVEKIT_URL: expected"):
        LiveKitCredentials.from_env(
            {"LIVEKIT_URL": "x.livekit.cloud", "LIVEKIT_API_KEY": "k", "LIVEKIT_API_SECRET": "s"}
        )
    monkeypatch.delenv("LIVEKIT_SIP_OUTBOUND_TRUNK_ID", raising=False)
    with pytest.raises(ConfigError, match="LIVEKIT_SIP_OUTBOUND_TRUNK_ID"):
        outbound_trunk_id(PhoneTarget(kind="phone", number="+15551230000"))
    monkeypatch.setenv("LIVEKIT_SIP_OUTBOUND_TRUNK_ID", "ST_env")
    assert outbound_trunk_id(PhoneTarget(kind="phone", number="+15551230000")) == "ST_env"


def test_credentials_never_show_in_repr():
    credentials = LiveKitCredentials.from_env(
        {"LIVEKIT_URL": "https://u.example", "LIVEKIT_API_KEY": "APIkey", "LIVEKIT_API_SECRET": "S"}
    )
    assert "APIkey" not in repr(credentials) and "'S'" not in repr(credentials)
    assert credentials.ws_url == "wss://u.example" and credentials.host == "https://u.example"


def test_dtmf_step_needs_exactly_one_trigger():
    with pytest.raises(ValueError, match="exactly one"):
        DtmfStep(digits="1")
    with pytest.raises(ValueError, match="exactly one"):
        DtmfStep(digits="1", at_s=1, after_agent_turns=1)


def _unused_recording():
    from pathlib import Path

    return Path("/nonexistent/never-written.wav")  # start() fails before it opens the recording
