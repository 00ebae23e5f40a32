"""From a scenario's `link` settings to the transport's impairment chains, seeded per run."""

from __future__ import annotations

from ..config.models import (
    ImpairmentConfig,
    JitterImpairment,
    LinkConfig,
    LossImpairment,
    NoiseImpairment,
    TelephoneImpairment,
)
from ..transport import Role
from ..transport.impairments import AdditiveNoise, Impairment, PacketLoss, TelephoneBand
from ..transport.jitter import JitterBuffer


def _build(config: ImpairmentConfig, sample_rate: int, seed: int) -> Impairment:
    if isinstance(config, NoiseImpairment):
        return AdditiveNoise(config.kind, config.snr_db, seed=seed, sample_rate=sample_rate)
    if isinstance(config, TelephoneImpairment):
        return TelephoneBand(sample_rate)
    if isinstance(config, JitterImpairment):
        return JitterBuffer(
            config.std_ms,
            config.buffer_ms,
            config.extra_latency_ms,
            config.correlation,
            config.late,
            seed=seed,
        )
    assert isinstance(config, LossImpairment)
    return PacketLoss(config.percent, config.mean_burst_frames, seed=seed)


def build_impairments(
    link: LinkConfig, seed: int, *, noise: bool = True
) -> dict[Role, list[Impairment]]:
    """Impairments keyed by the side whose audio they affect, each with its own derived seed.

    `noise=False` leaves the additive noise out and keeps everything else as it would be (same
    seeds, so the same losses and delays): the timing probes' copy of the call.
    """
    chains: dict[Role, list[Impairment]] = {}
    for direction, (speaker, configs) in enumerate(
        (("caller", link.impairments.caller_to_agent), ("agent", link.impairments.agent_to_caller))
    ):
        chains[speaker] = [  # type: ignore[index]
            _build(config, link.sample_rate, seed * 1000 + direction * 100 + position)
            for position, config in enumerate(configs)
            if noise or not isinstance(config, NoiseImpairment)
        ]
    return chains


def has_noise(link: LinkConfig) -> bool:
    both = [*link.impairments.caller_to_agent, *link.impairments.agent_to_caller]
    return any(isinstance(config, NoiseImpairment) for config in both)
