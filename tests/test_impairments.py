"""Each impairment does what it says, measured on test signals."""

from __future__ import annotations

import numpy as np
import pytest

from harness.transport.impairments import (
    AdditiveNoise,
    PacketLoss,
    TelephoneBand,
    mu_law_round_trip,
)

RATE = 16_000
FRAME = RATE // 50


def _frames(signal: np.ndarray) -> list[np.ndarray]:
    return [signal[i : i + FRAME] for i in range(0, signal.size - FRAME + 1, FRAME)]


def _tone(
    freq_hz: float, seconds: float, level_dbfs: float = -20.0, rate: int = RATE
) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return 10 ** (level_dbfs / 20) * np.sqrt(2) * np.sin(2 * np.pi * freq_hz * t)


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x**2)))


@pytest.mark.parametrize("kind", ["white", "pink"])
@pytest.mark.parametrize("snr_db", [5.0, 15.0, 30.0])
def test_noise_is_added_at_the_requested_snr_relative_to_active_speech(kind, snr_db):
    speech = np.concatenate([_tone(440, 1.0), np.zeros(RATE // 2), _tone(300, 1.0, -26)] * 3)
    noise = AdditiveNoise(kind=kind, snr_db=snr_db, seed=1)
    out = np.concatenate([noise.process(frame) for frame in _frames(speech)])
    added = out - speech[: out.size]
    active = np.abs(speech[: out.size]) > 0
    measured = 20 * np.log10(_rms(speech[: out.size][active]) / _rms(added[FRAME * 10 :]))
    assert measured == pytest.approx(snr_db, abs=1.0)


def _gain_db(band: TelephoneBand, freq_hz: float, rate: int) -> float:
    tone = _tone(freq_hz, 1.0, rate=rate)
    frame = rate // 50
    out = np.concatenate([band.process(tone[i : i + frame]) for i in range(0, tone.size, frame)])
    settled = slice(rate // 4, None)  # past the filters' start-up
    return 20 * np.log10(_rms(out[settled]) / _rms(tone[settled]))


@pytest.mark.parametrize("rate", [8_000, 16_000, 48_000])
def test_telephone_band_passes_300_to_3400_hz_and_stops_the_rest(rate):
    for freq in (500, 1000, 3000):
        assert _gain_db(TelephoneBand(rate), freq, rate) == pytest.approx(0, abs=1.5), freq
    assert _gain_db(TelephoneBand(rate), 100, rate) < -20
    if rate > 8_000:
        assert _gain_db(TelephoneBand(rate), 5000, rate) < -30


def test_telephone_band_keeps_frame_length_and_needs_a_multiple_of_8khz():
    assert TelephoneBand(24_000).process(np.zeros(480)).size == 480
    with pytest.raises(ValueError, match="multiple of 8 kHz"):
        TelephoneBand(22_050)


def test_mu_law_round_trip_quantises_to_256_levels_with_small_relative_error():
    x = np.linspace(-1, 1, 20001)
    y = mu_law_round_trip(x)
    assert np.unique(y).size <= 256
    loud = np.abs(x) > 0.01
    assert np.max(np.abs(y[loud] - x[loud]) / np.abs(x[loud])) < 0.07


@pytest.mark.parametrize(("percent", "burst"), [(2.0, 1.0), (5.0, 3.0), (10.0, 2.0)])
def test_packet_loss_rate_and_burst_length_over_1000_frames(percent, burst):
    rates, bursts = [], []
    for seed in range(10):
        loss = PacketLoss(percent=percent, mean_burst_frames=burst, seed=seed)
        lost = np.array([not loss.process(np.ones(FRAME)).any() for _ in range(1000)])
        rates.append(lost.mean() * 100)
        edges = np.flatnonzero(np.diff(np.concatenate([[0], lost.astype(int), [0]])))
        bursts.extend(edges[1::2] - edges[::2])
    assert np.mean(rates) == pytest.approx(percent, abs=max(1.0, percent * 0.2))
    assert np.mean(bursts) == pytest.approx(burst, rel=0.3)


def test_the_same_seed_gives_the_same_impaired_audio():
    frames = _frames(_tone(440, 0.5))
    runs = []
    for _ in range(2):
        noise, loss = AdditiveNoise("pink", 10, seed=4), PacketLoss(20, 2, seed=4)
        runs.append(np.concatenate([loss.process(noise.process(f)) for f in frames]))
    assert np.array_equal(runs[0], runs[1])
