"""Who the simulated caller talks to in the room, and how they are brought in.

An `AgentParty` is a LiveKit agent dispatched explicitly by its `agent_name` (any deployed
worker, ours or the user's); the caller joins once the agent is in, since an agent only starts
speaking when someone subscribes. A `PhoneParty` is a phone number called through a SIP outbound
trunk; the caller joins first, so that nothing the callee says on answering is lost.
"""

from __future__ import annotations

import os
from typing import Any, Protocol

from livekit import rtc

from ...config.models import LiveKitTarget, PhoneTarget
from ...errors import ConfigError
from .credentials import ENV_SIP_TRUNK
from .rooms import SessionRoom, is_agent


class RemoteParty(Protocol):
    kind: str
    joins_before_caller: bool

    async def bring_in(self, room: SessionRoom) -> None: ...

    def matches(self, participant: rtc.RemoteParticipant) -> bool: ...

    def describe(self) -> dict[str, Any]: ...

    def describe_who(self) -> str: ...


class AgentParty:
    kind = "agent"
    joins_before_caller = True

    def __init__(self, target: LiveKitTarget) -> None:
        self.target = target
        self.dispatch_id: str | None = None
        self.identity: str | None = None

    async def bring_in(self, room: SessionRoom) -> None:
        self.dispatch_id = await room.dispatch_agent(
            self.target.agent_name, self.target.dispatch_metadata
        )
        joined = await room.wait_for_participant(
            is_agent, who=self.describe_who(), timeout_s=self.target.join_timeout_s
        )
        self.identity = joined.identity

    def matches(self, participant: rtc.RemoteParticipant) -> bool:
        if self.identity is not None:
            return participant.identity == self.identity
        return participant.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT

    def describe(self) -> dict[str, Any]:
        return {
            "kind": "agent",
            "agent_name": self.target.agent_name,
            "dispatch_id": self.dispatch_id,
            "identity": self.identity,
        }

    def describe_who(self) -> str:
        return f"agent {self.target.agent_name!r}"


class PhoneParty:
    kind = "phone"
    joins_before_caller = False

    def __init__(self, target: PhoneTarget, room_name: str) -> None:
        self.target = target
        self.trunk_id = outbound_trunk_id(target)
        self.identity = f"phone-{room_name}"[:128]
        self.sip_call_id: str | None = None

    async def bring_in(self, room: SessionRoom) -> None:
        info = await room.dial(
            self.target.number,
            trunk_id=self.trunk_id,
            identity=self.identity,
            from_number=self.target.from_number,
            ringing_timeout_s=self.target.ringing_timeout_s,
        )
        self.sip_call_id = info.sip_call_id

    def matches(self, participant: rtc.RemoteParticipant) -> bool:
        return participant.identity == self.identity

    def describe(self) -> dict[str, Any]:
        return {
            "kind": "phone",
            "number": self.target.number,
            "trunk_id": self.trunk_id,
            "sip_call_id": self.sip_call_id,
        }

    def describe_who(self) -> str:
        return f"the phone call to {self.target.number}"


def outbound_trunk_id(target: PhoneTarget) -> str:
    """The scenario's trunk, else $LIVEKIT_SIP_OUTBOUND_TRUNK_ID; a `ConfigError` if neither."""
    trunk = target.outbound_trunk_id or os.environ.get(ENV_SIP_TRUNK, "").strip()
    if not trunk:
        raise ConfigError(
            f"target.outbound_trunk_id not set and {ENV_SIP_TRUNK} is empty: a phone target "
            "needs a LiveKit SIP outbound trunk",
            hint="create one (lk sip outbound create ...) and put its id (ST_...) in the "
            "scenario or the environment; see docs/scale.md",
        )
    return trunk


def party_for(target: LiveKitTarget | PhoneTarget, room_name: str) -> RemoteParty:
    if isinstance(target, PhoneTarget):
        return PhoneParty(target, room_name)
    return AgentParty(target)
