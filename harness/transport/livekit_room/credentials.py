"""LiveKit server credentials, read from the standard environment variables and never shown.

`LIVEKIT_URL`, `LIVEKIT_API_KEY` and `LIVEKIT_API_SECRET` are the only source (the same names the
LiveKit CLI and SDKs use). The secret never appears in a repr, a log line or an artifact.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlparse

from ...errors import ConfigError

ENV_URL = "LIVEKIT_URL"
ENV_KEY = "LIVEKIT_API_KEY"
ENV_SECRET = "LIVEKIT_API_SECRET"
ENV_SIP_TRUNK = "LIVEKIT_SIP_OUTBOUND_TRUNK_ID"


@dataclass(frozen=True)
class LiveKitCredentials:
    url: str
    api_key: str = field(repr=False)
    api_secret: str = field(repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LiveKitCredentials:
        """Read the three variables; a missing one is a `ConfigError` naming it."""
        environ = os.environ if environ is None else environ
        missing = [name for name in (ENV_URL, ENV_KEY, ENV_SECRET) if not environ.get(name)]
        if missing:
            raise ConfigError(
                f"{', '.join(missing)} not set: a LiveKit target needs the server's URL and an "
                "API key and secret",
                hint="export LIVEKIT_URL=wss://<project>.livekit.cloud LIVEKIT_API_KEY=... "
                "LIVEKIT_API_SECRET=... (see docs/scale.md)",
            )
        url = environ[ENV_URL].strip()
        if urlparse(url).scheme not in ("ws", "wss", "http", "https"):
            raise ConfigError(
                f"{ENV_URL}: expected a ws://, wss://, http:// or https:// URL",
                hint="e.g. wss://my-project.livekit.cloud or ws://localhost:7880",
            )
        return cls(url, environ[ENV_KEY].strip(), environ[ENV_SECRET].strip())

    @property
    def host(self) -> str:
        """Where the server is, for messages: scheme and host, no credentials or path."""
        parsed = urlparse(self.url)
        return f"{parsed.scheme}://{parsed.hostname}" + (f":{parsed.port}" if parsed.port else "")

    @property
    def ws_url(self) -> str:
        """The URL the realtime SDK connects to (ws/wss, as the SDKs expect)."""
        parsed = urlparse(self.url)
        scheme = {"http": "ws", "https": "wss"}.get(parsed.scheme, parsed.scheme)
        return parsed._replace(scheme=scheme).geturl()
