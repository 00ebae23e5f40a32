"""One session's room on a LiveKit server, through the server API (`livekit-api`, Twirp over HTTP).

`SessionRoom` creates the room, mints the caller's access token (joining that room only),
brings the other party in (explicit dispatch of an agent by name, or an outbound SIP call),
watches for it to join, and deletes the room. Nothing here touches media, so the whole lifecycle
runs against any server that speaks the room service's Twirp endpoints. Every failure becomes an
`InfrastructureError` that names the server but never the key or the secret.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp
from livekit import api

from ...errors import InfrastructureError
from .credentials import LiveKitCredentials

logger = logging.getLogger(__name__)

T = TypeVar("T")

AGENT_KIND = api.ParticipantInfo.Kind.AGENT
_AUTH_FAILURES = {"unauthenticated", "permission_denied"}


class SessionRoom:
    """Create, admit, invite, watch and delete one room; `delete` is safe to call at any time."""

    def __init__(
        self,
        credentials: LiveKitCredentials,
        name: str,
        *,
        request_timeout_s: float = 10.0,
        empty_timeout_s: int = 60,
    ) -> None:
        self.credentials = credentials
        self.name = name
        self.created = False
        self._deleted = False
        self._empty_timeout_s = empty_timeout_s
        self._api = api.LiveKitAPI(
            credentials.url,
            credentials.api_key,
            credentials.api_secret,
            timeout=aiohttp.ClientTimeout(total=request_timeout_s),
            failover=False,
        )

    async def _call(self, what: str, request: Callable[[], Awaitable[T]]) -> T:
        """One server-API request, its failures turned into errors a user can act on."""
        host = self.credentials.host
        try:
            return await request()
        except api.SipCallError as exc:
            raise InfrastructureError(f"LiveKit SIP: {what} failed: {exc}") from None
        except api.ServerError as exc:
            if exc.code in _AUTH_FAILURES or exc.status in (401, 403):
                raise InfrastructureError(
                    f"LiveKit at {host} refused to {what}: {exc.code} ({exc.status})",
                    hint="check LIVEKIT_API_KEY and LIVEKIT_API_SECRET belong to this server",
                ) from None
            raise InfrastructureError(
                f"LiveKit at {host} could not {what}: {exc.code}: {exc.message} ({exc.status})"
            ) from None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise InfrastructureError(
                f"LiveKit server at {host} unreachable while trying to {what} "
                f"({type(exc).__name__})",
                hint="check LIVEKIT_URL and that the server is up",
            ) from None

    async def create(self, metadata: str = "") -> None:
        await self._call(
            f"create room {self.name}",
            lambda: self._api.room.create_room(
                api.CreateRoomRequest(
                    name=self.name, empty_timeout=self._empty_timeout_s, metadata=metadata
                )
            ),
        )
        self.created = True
        logger.info("created LiveKit room %s on %s", self.name, self.credentials.host)

    def participant_token(self, identity: str, *, name: str = "", ttl_s: float = 3600) -> str:
        """A token that may join this room only, publish and subscribe; nothing else."""
        grants = api.VideoGrants(
            room_join=True,
            room=self.name,
            can_publish=True,
            can_subscribe=True,
            can_publish_data=True,
        )
        return (
            api.AccessToken(self.credentials.api_key, self.credentials.api_secret)
            .with_identity(identity)
            .with_name(name or identity)
            .with_grants(grants)
            .with_ttl(datetime.timedelta(seconds=ttl_s))
            .to_jwt()
        )

    async def dispatch_agent(self, agent_name: str, metadata: str = "") -> str:
        """Ask the server to send the worker registered as `agent_name`; returns the dispatch id."""
        dispatch = await self._call(
            f"dispatch agent {agent_name!r} to room {self.name}",
            lambda: self._api.agent_dispatch.create_dispatch(
                api.CreateAgentDispatchRequest(
                    agent_name=agent_name, room=self.name, metadata=metadata
                )
            ),
        )
        logger.info("dispatched agent %r to %s (dispatch %s)", agent_name, self.name, dispatch.id)
        return dispatch.id

    async def dial(
        self,
        number: str,
        *,
        trunk_id: str,
        identity: str,
        from_number: str | None = None,
        ringing_timeout_s: float = 30.0,
    ) -> api.SIPParticipantInfo:
        """Call `number` through the outbound trunk into this room; returns once answered."""
        request = api.CreateSIPParticipantRequest(
            sip_trunk_id=trunk_id,
            sip_call_to=number,
            room_name=self.name,
            participant_identity=identity,
            participant_name=f"phone {number}",
            wait_until_answered=True,
        )
        request.ringing_timeout.FromTimedelta(datetime.timedelta(seconds=ringing_timeout_s))
        if from_number:
            request.sip_number = from_number
        info = await self._call(
            f"call {number}", lambda: self._api.sip.create_sip_participant(request)
        )
        logger.info("call to %s answered in room %s (%s)", number, self.name, info.sip_call_id)
        return info

    async def exists(self) -> bool:
        response = await self._call(
            f"look up room {self.name}",
            lambda: self._api.room.list_rooms(api.ListRoomsRequest(names=[self.name])),
        )
        return any(room.name == self.name for room in response.rooms)

    async def participants(self) -> list[api.ParticipantInfo]:
        response = await self._call(
            f"list participants of room {self.name}",
            lambda: self._api.room.list_participants(api.ListParticipantsRequest(room=self.name)),
        )
        return list(response.participants)

    async def wait_for_participant(
        self,
        matches: Callable[[api.ParticipantInfo], bool],
        *,
        who: str,
        timeout_s: float,
        poll_s: float = 0.25,
    ) -> api.ParticipantInfo:
        """Poll the room until a participant `matches`; an `InfrastructureError` after timeout."""
        deadline = time.monotonic() + timeout_s
        while True:
            for participant in await self.participants():
                if matches(participant):
                    return participant
            if time.monotonic() >= deadline:
                raise InfrastructureError(
                    f"{who} did not join LiveKit room {self.name} within {timeout_s:g} s",
                    hint="is a worker with that agent_name running and registered with this "
                    "server? (python -m crosstalk_agent start; see docs/scale.md)",
                )
            await asyncio.sleep(poll_s)

    async def delete(self) -> None:
        """Delete the room (idempotent); a failure is logged, never raised over the real error."""
        if not self.created or self._deleted:
            return
        self._deleted = True
        try:
            await self._call(
                f"delete room {self.name}",
                lambda: self._api.room.delete_room(api.DeleteRoomRequest(room=self.name)),
            )
            logger.info("deleted LiveKit room %s", self.name)
        except InfrastructureError as exc:
            logger.error("%s (the server removes it once empty)", exc.message)

    async def aclose(self) -> None:
        """Delete the room if needed, then close the HTTP session."""
        try:
            await self.delete()
        finally:
            await self._api.aclose()


def is_agent(participant: api.ParticipantInfo) -> bool:
    return participant.kind == AGENT_KIND
