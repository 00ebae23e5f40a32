"""A local stand-in for the OpenAI API's network peer: records requests, answers as configured.

Runs an aiohttp server on 127.0.0.1 in a background thread so that a child `crosstalk` process
can reach it through `OPENAI_BASE_URL`.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class SeenRequest:
    path: str
    query: dict[str, str]
    authorization: str | None


@dataclass
class FakeOpenAI:
    realtime_status: int = 401
    requests: list[SeenRequest] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def _realtime(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(
            SeenRequest(request.path, dict(request.query), request.headers.get("Authorization"))
        )
        return web.json_response(
            {"error": {"message": "invalid api key", "type": "invalid_request_error"}},
            status=self.realtime_status,
        )

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_get("/v1/realtime", self._realtime)
        runner = web.AppRunner(app)
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(runner.cleanup())

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *_: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
