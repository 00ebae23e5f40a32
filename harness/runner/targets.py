"""Which transport a scenario's call runs on: the in-process link, or a LiveKit room (`target`).

`check_target` runs with the other checks before any call (missing LiveKit variables are a
`ConfigError`, exit 2); `build_transport` makes the session's transport from its scenario.
"""

from __future__ import annotations

from ..config import LoadedScenario
from ..config.models import PhoneTarget
from ..errors import ConfigError
from ..transport import TRANSPORTS, LinkOptions, Transport
from ..transport.livekit_room.credentials import LiveKitCredentials
from ..transport.livekit_room.parties import outbound_trunk_id
from .line import build_impairments, has_noise


def check_target(loaded: LoadedScenario) -> None:
    """Fail fast on what a remote target needs and lacks (credentials, trunk, unusable settings)."""
    scenario = loaded.scenario
    target = scenario.target
    if target is None:
        return
    where = loaded.where(("target",))
    try:
        LiveKitCredentials.from_env()
        if isinstance(target, PhoneTarget):
            outbound_trunk_id(target)
    except ConfigError as exc:
        raise ConfigError(f"{where}: target: {exc.message}", hint=exc.hint) from None
    if scenario.link.one_way_latency_ms:
        raise ConfigError(
            f"{loaded.where(('link', 'one_way_latency_ms'))}: link.one_way_latency_ms: not "
            f"added on a {target.kind} target, whose latency is the network's own",
            hint="remove it, or set it to 0",
        )


def build_transport(loaded: LoadedScenario, session_id: str) -> Transport:
    scenario = loaded.scenario
    impairments = build_impairments(scenario.link, scenario.seed)
    if scenario.target is None:
        without_noise = (
            build_impairments(scenario.link, scenario.seed, noise=False)
            if has_noise(scenario.link)
            else None
        )
        return TRANSPORTS["inprocess"](
            LinkOptions(scenario.link.sample_rate, scenario.link.one_way_latency_ms),
            impairments,
            dry_impairments=without_noise,
        )
    return TRANSPORTS["livekit"](
        LiveKitCredentials.from_env(),
        scenario.target,
        session_id=session_id,
        sample_rate=scenario.link.sample_rate,
        max_duration_s=scenario.max_duration_s,
        impairments=impairments,
    )
