"""A local stand-in for a LiveKit server's API: the Twirp endpoints `livekit-api` calls.

Speaks RoomService (CreateRoom, DeleteRoom, ListRooms, ListParticipants), AgentDispatchService
(CreateDispatch) and SIP (CreateSIPParticipant) in protobuf (what the client sends) or JSON. Every
request's `Authorization` JWT is verified with the API secret, and the grants each method needs
are checked as a LiveKit server checks them; a bad token or a missing grant gets the server's
Twirp error. Workers named in `agent_names` "join" a room when dispatched to it, so tests can
play an agent that comes or one that never does. Media (the `/rtc` WebSocket) is not served.
Runs in a background thread so that a child `crosstalk` process can reach it too.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

import jwt
from aiohttp import web
from google.protobuf import json_format
from google.protobuf.message import Message
from livekit import api

from .local_server import BackgroundServer

API_KEY = "stub-key"
API_SECRET = "stub-secret-0123456789abcdef0123456789"

_STATUS = {
    "unauthenticated": 401,
    "permission_denied": 403,
    "not_found": 404,
    "invalid_argument": 400,
    "bad_route": 404,
}


class TwirpFailure(Exception):
    def __init__(self, code: str, msg: str, meta: dict[str, str] | None = None) -> None:
        super().__init__(msg)
        self.code, self.msg, self.meta = code, msg, meta or {}


@dataclass
class SeenCall:
    method: str
    claims: dict[str, Any]
    request: Message
    content_type: str


@dataclass
class LiveKitStub(BackgroundServer):
    api_key: str = API_KEY
    api_secret: str = API_SECRET
    agent_names: set[str] = field(default_factory=set)
    trunks: set[str] = field(default_factory=set)
    busy_numbers: set[str] = field(default_factory=set)
    calls: list[SeenCall] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    rooms: dict[str, list[api.ParticipantInfo]] = field(default_factory=dict)
    deleted_rooms: list[str] = field(default_factory=list)
    rtc_attempts: int = 0
    port: int = 0

    def __post_init__(self) -> None:
        self._prepare_background()
        self._ids = itertools.count(1)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, **overrides: str) -> dict[str, str]:
        """The environment a crosstalk process needs to use this server."""
        return {
            "LIVEKIT_URL": self.url,
            "LIVEKIT_API_KEY": self.api_key,
            "LIVEKIT_API_SECRET": self.api_secret,
            **overrides,
        }

    def methods(self) -> list[str]:
        return [call.method for call in self.calls]

    # -- auth ---------------------------------------------------------------------------------

    def _claims(self, request: web.Request) -> dict[str, Any]:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise TwirpFailure("unauthenticated", "authorization header missing")
        try:
            return jwt.decode(
                header.removeprefix("Bearer "),
                self.api_secret,
                algorithms=["HS256"],
                issuer=self.api_key,
                options={"require": ["exp", "iss"]},
            )
        except jwt.PyJWTError as exc:
            raise TwirpFailure("unauthenticated", f"invalid token: {exc}") from None

    @staticmethod
    def _need_video(claims: dict[str, Any], grant: str, room: str | None = None) -> None:
        video = claims.get("video", {})
        if not video.get(grant):
            raise TwirpFailure("permission_denied", f"token lacks the {grant} grant")
        if room is not None and video.get("room") != room:
            raise TwirpFailure("permission_denied", f"token is not valid for room {room}")

    def _room(self, name: str) -> list[api.ParticipantInfo]:
        if name not in self.rooms:
            raise TwirpFailure("not_found", f"room {name} does not exist")
        return self.rooms[name]

    # -- methods ------------------------------------------------------------------------------

    def _create_room(self, claims: dict[str, Any], req: api.CreateRoomRequest) -> Message:
        self._need_video(claims, "roomCreate")
        if not req.name:
            raise TwirpFailure("invalid_argument", "room name required")
        self.rooms.setdefault(req.name, [])
        return api.Room(
            sid=f"RM_{next(self._ids)}",
            name=req.name,
            empty_timeout=req.empty_timeout,
            metadata=req.metadata,
            creation_time=int(time.time()),
        )

    def _delete_room(self, claims: dict[str, Any], req: api.DeleteRoomRequest) -> Message:
        self._need_video(claims, "roomCreate")
        self._room(req.room)
        del self.rooms[req.room]
        self.deleted_rooms.append(req.room)
        return api.DeleteRoomResponse()

    def _list_rooms(self, claims: dict[str, Any], req: api.ListRoomsRequest) -> Message:
        self._need_video(claims, "roomList")
        names = [name for name in self.rooms if not req.names or name in req.names]
        return api.ListRoomsResponse(rooms=[api.Room(name=name) for name in names])

    def _list_participants(
        self, claims: dict[str, Any], req: api.ListParticipantsRequest
    ) -> Message:
        self._need_video(claims, "roomAdmin", req.room)
        return api.ListParticipantsResponse(participants=self._room(req.room))

    def _create_dispatch(
        self, claims: dict[str, Any], req: api.CreateAgentDispatchRequest
    ) -> Message:
        self._need_video(claims, "roomAdmin", req.room)
        participants = self._room(req.room)
        dispatch_id = f"AD_{next(self._ids)}"
        if req.agent_name in self.agent_names:
            participants.append(
                api.ParticipantInfo(
                    sid=f"PA_{next(self._ids)}",
                    identity=f"agent-{dispatch_id}",
                    kind=api.ParticipantInfo.Kind.AGENT,
                    state=api.ParticipantInfo.State.ACTIVE,
                )
            )
        return api.AgentDispatch(
            id=dispatch_id, agent_name=req.agent_name, room=req.room, metadata=req.metadata
        )

    def _create_sip_participant(
        self, claims: dict[str, Any], req: api.CreateSIPParticipantRequest
    ) -> Message:
        if not claims.get("sip", {}).get("call"):
            raise TwirpFailure("permission_denied", "token lacks the sip.call grant")
        participants = self._room(req.room_name)
        if req.sip_trunk_id not in self.trunks:
            raise TwirpFailure("not_found", f"outbound trunk {req.sip_trunk_id} not found")
        if req.sip_call_to in self.busy_numbers:
            raise TwirpFailure(
                "unavailable",
                "call failed",
                {"sip_status_code": "486", "sip_status": "Busy Here"},
            )
        participant = api.ParticipantInfo(
            sid=f"PA_{next(self._ids)}",
            identity=req.participant_identity,
            kind=api.ParticipantInfo.Kind.SIP,
            state=api.ParticipantInfo.State.ACTIVE,
        )
        participants.append(participant)
        return api.SIPParticipantInfo(
            participant_id=participant.sid,
            participant_identity=req.participant_identity,
            room_name=req.room_name,
            sip_call_id=f"SCL_{next(self._ids)}",
        )

    _ROUTES: ClassVar[dict[str, tuple[str, type[Message]]]] = {
        "livekit.RoomService/CreateRoom": ("_create_room", api.CreateRoomRequest),
        "livekit.RoomService/DeleteRoom": ("_delete_room", api.DeleteRoomRequest),
        "livekit.RoomService/ListRooms": ("_list_rooms", api.ListRoomsRequest),
        "livekit.RoomService/ListParticipants": (
            "_list_participants",
            api.ListParticipantsRequest,
        ),
        "livekit.AgentDispatchService/CreateDispatch": (
            "_create_dispatch",
            api.CreateAgentDispatchRequest,
        ),
        "livekit.SIP/CreateSIPParticipant": (
            "_create_sip_participant",
            api.CreateSIPParticipantRequest,
        ),
    }

    async def _twirp(self, request: web.Request) -> web.Response:
        route = request.match_info["route"]
        content_type = request.content_type
        try:
            if route not in self._ROUTES:
                raise TwirpFailure("bad_route", f"no handler for {route}")
            handler_name, request_class = self._ROUTES[route]
            claims = self._claims(request)
            body = await request.read()
            if content_type == "application/json":
                message = json_format.Parse(body.decode() or "{}", request_class())
            else:
                message = request_class.FromString(body)
            self.calls.append(SeenCall(route.split("/")[-1], claims, message, content_type))
            reply = getattr(self, handler_name)(claims, message)
        except TwirpFailure as failure:
            self.rejected.append((route, failure.code))
            return web.json_response(
                {"code": failure.code, "msg": failure.msg, "meta": failure.meta},
                status=_STATUS.get(failure.code, 503 if failure.code == "unavailable" else 500),
            )
        if content_type == "application/json":
            return web.json_response(json_format.MessageToDict(reply))
        return web.Response(body=reply.SerializeToString(), content_type="application/protobuf")

    async def _rtc(self, request: web.Request) -> web.Response:
        self.rtc_attempts += 1
        return web.Response(status=404, text="media is not served by this stand-in")

    # -- lifecycle ----------------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/twirp/{route:.+}", self._twirp)
        app.router.add_route("*", "/rtc{tail:.*}", self._rtc)
