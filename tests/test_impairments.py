"""Each impairment does what it says, measured on test signals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from crosstalk_harness.transport.impairments import (
    AdditiveNoise,
    PacketLoss,
    TelephoneBand,
    mu_law_round_trip,
)
from crosstalk_harness.transport.jitter import JitterBuffer
from crosstalk_harness.transport.noises import noise_loop

RATE = 16_000
FRAME = RATE // 50


def _frames(signal: np.ndarray, frame: int = FRAME) -> list[np.ndarray]:
    return [signal[i : i + frame] for i in range(0, signal.size - frame + 1, frame)]


def _tone(
    freq_hz: float, seconds: float, level_dbfs: float = -20.0, rate: int = RATE
) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return 10 ** (level_dbfs / 20) * np.sqrt(2) * np.sin(2 * np.pi * freq_hz * t)


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x**2)))


@pytest.mark.parametrize("rate", [16_000, 48_000])
@pytest.mark.parametrize("kind", ["white", "pink", "babble", "street", "office"])
@pytest.mark.parametrize("snr_db", [5.0, 15.0, 30.0])
def test_noise_is_added_at_the_requested_snr_relative_to_active_speech(kind, snr_db, rate):
    # 15 s: longer than one noise loop (12 s), as the SNR is against the long-term noise level
    # and street or office noise swell and dip over a few seconds, as the real ones do
    speech = np.concatenate(
        [_tone(440, 1.0, rate=rate), np.zeros(rate // 2), _tone(300, 1.0, -26, rate=rate)] * 6
    )
    frame = rate // 50
    noise = AdditiveNoise(kind=kind, snr_db=snr_db, seed=1, sample_rate=rate)
    out = np.concatenate([noise.process(f) for f in _frames(speech, frame)])
    added = out - speech[: out.size]
    active = np.abs(speech[: out.size]) > 0
    measured = 20 * np.log10(_rms(speech[: out.size][active]) / _rms(added[frame * 10 :]))
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


def _spectrum(samples: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray]:
    return np.fft.rfftfreq(samples.size, 1 / rate), np.abs(np.fft.rfft(samples)) ** 2


def _band(samples: np.ndarray, rate: int, low_hz: float, high_hz: float) -> np.ndarray:
    spectrum = np.fft.rfft(samples)
    freqs = np.fft.rfftfreq(samples.size, 1 / rate)
    spectrum[(freqs < low_hz) | (freqs > high_hz)] = 0
    return np.fft.irfft(spectrum, n=samples.size)


def _share_below(samples: np.ndarray, rate: int, cutoff_hz: float) -> float:
    freqs, power = _spectrum(samples, rate)
    return float(power[freqs < cutoff_hz].sum() / power.sum())


def _syllabic_modulation(samples: np.ndarray, rate: int) -> float:
    """Depth of the 2-8 Hz (syllable-rate) modulation of the 300-4000 Hz band's 10 ms envelope."""
    window = rate // 100
    band = _band(samples, rate, 300, 4000)
    envelope = np.sqrt(np.mean(band[: band.size // window * window].reshape(-1, window) ** 2, 1))
    freqs, power = _spectrum(envelope - envelope.mean(), 100)
    in_band = power[(freqs >= 2) & (freqs <= 8)].sum()
    return float(np.sqrt(2 * in_band) / envelope.size / envelope.mean())


def _crest_db(samples: np.ndarray) -> float:
    return float(20 * np.log10(np.max(np.abs(samples)) / _rms(samples)))


def _strongest_tone_db(samples: np.ndarray, rate: int, low_hz: float, high_hz: float) -> float:
    """How far the strongest 100 ms spectral peak in [low, high] Hz stands above that
    window's median level over 300-3000 Hz, maximised over all 100 ms windows."""
    window = rate // 10
    best = -np.inf
    for start in range(0, samples.size - window, window // 2):
        freqs, power = _spectrum(samples[start : start + window] * np.hanning(window), rate)
        speech_band = power[(freqs >= 300) & (freqs <= 3000)]
        peak = power[(freqs >= low_hz) & (freqs <= high_hz)].max()
        best = max(best, 10 * np.log10(peak / np.median(speech_band)))
    return best


KINDS = ("white", "pink", "babble", "street", "office")


@pytest.fixture(scope="module")
def loops() -> dict[str, np.ndarray]:
    return {kind: noise_loop(kind, RATE, seed=5) for kind in KINDS}


def test_every_noise_loop_is_unit_rms_and_loops_for_at_least_12_seconds(loops):
    for kind, loop in loops.items():
        assert _rms(loop) == pytest.approx(1.0), kind
        assert loop.size >= 12 * RATE, kind


def test_street_noise_is_low_frequency_heavy(loops):
    assert _share_below(loops["street"], RATE, 500) > 0.9
    for kind in ("white", "pink", "babble", "office"):
        assert _share_below(loops[kind], RATE, 500) < 0.8, kind


def test_street_noise_has_a_horn_a_tone_near_400_to_500_hz(loops):
    assert _strongest_tone_db(loops["street"], RATE, 350, 550) > 25
    assert _strongest_tone_db(loops["pink"], RATE, 350, 550) < 20


def test_street_noise_swells_as_vehicles_pass(loops):
    def level_range_db(samples: np.ndarray) -> float:
        band = _band(samples, RATE, 100, 1000)
        levels = np.sqrt(np.mean(band[: 12 * RATE].reshape(12, -1) ** 2, axis=1))
        return float(20 * np.log10(levels.max() / levels.min()))

    assert level_range_db(loops["street"]) > 6
    assert level_range_db(loops["pink"]) < 2


def test_office_noise_has_keyboard_clicks_and_mains_hum(loops):
    assert _crest_db(loops["office"]) > 22
    for kind in ("white", "pink", "babble", "street"):
        assert _crest_db(loops[kind]) < 20, kind
    freqs, power = _spectrum(loops["office"], RATE)
    hum = max(power[np.abs(freqs - mains).argmin()] for mains in (50, 60))
    assert hum > 100 * np.median(power[(freqs > 30) & (freqs < 200)])


def test_babble_has_the_syllable_rate_modulation_of_speech(loops):
    assert _syllabic_modulation(loops["babble"], RATE) > 0.25
    for kind in ("white", "pink", "street"):
        assert _syllabic_modulation(loops[kind], RATE) < 0.15, kind


@pytest.mark.parametrize("kind", KINDS)
def test_the_same_seed_gives_the_same_noise_and_another_seed_other_noise(kind):
    first, again, other = (noise_loop(kind, RATE, seed) for seed in (3, 3, 4))
    assert np.array_equal(first, again)
    assert not np.allclose(first, other)


def _tagged_frames(count: int) -> list[np.ndarray]:
    """Frame i is constant (i + 1) / 4096, so every output frame says which input it was."""
    return [np.full(FRAME, (i + 1) / 4096) for i in range(count)]


def _source_indices(outputs: list[np.ndarray]) -> np.ndarray:
    """Per output frame, the index of the input frame it carries, or -1 for silence."""
    return np.array([round(frame[0] * 4096) - 1 for frame in outputs])


@pytest.mark.parametrize(
    ("std_ms", "buffer_ms", "extra_ms", "correlation"),
    [(20.0, 40.0, 0.0, 0.0), (30.0, 30.0, 50.0, 0.0), (15.0, 20.0, 100.0, 0.0), (30, 30, 50, 0.8)],
)
def test_jitter_keeps_order_and_length_and_loses_late_frames_at_the_predicted_rate(
    std_ms, buffer_ms, extra_ms, correlation
):
    inputs = _tagged_frames(1000)
    late_rates = []
    for seed in range(10):
        jitter = JitterBuffer(std_ms, buffer_ms, extra_ms, correlation, seed=seed)
        outputs = [jitter.process(frame) for frame in inputs]
        assert len(outputs) == len(inputs)
        assert all(out.size == FRAME for out in outputs)
        sources = _source_indices(outputs)
        played = np.flatnonzero(sources >= 0)
        assert np.all(np.diff(sources[played]) > 0)  # order kept
        delays_ms = (played - sources[played]) * 20
        assert np.all(delays_ms == jitter.added_delay_ms)
        assert abs(jitter.added_delay_ms - (extra_ms + buffer_ms)) <= 10
        slots = len(inputs) - jitter.delay_frames  # inputs whose slot came within the run
        late_rates.append(1 - played.size / slots)
    margin_ms = jitter.added_delay_ms - extra_ms
    predicted = 0.5 * math.erfc(margin_ms / (std_ms * math.sqrt(2)))
    assert jitter.predicted_late_fraction() == pytest.approx(predicted)
    assert np.mean(late_rates) == pytest.approx(predicted, abs=max(0.005, 0.2 * predicted))


def _mean_run_length(flags: np.ndarray) -> float:
    edges = np.flatnonzero(np.diff(np.concatenate([[0], flags.astype(int), [0]])))
    return float(np.mean(edges[1::2] - edges[::2]))


def test_correlated_jitter_loses_frames_in_longer_runs():
    runs = {}
    for correlation in (0.0, 0.9):
        lengths = []
        for seed in range(5):
            jitter = JitterBuffer(30, 30, 20, correlation, seed=seed)
            sources = _source_indices([jitter.process(f) for f in _tagged_frames(1000)])
            lengths.append(_mean_run_length(sources[jitter.delay_frames :] < 0))
        runs[correlation] = np.mean(lengths)
    assert runs[0.9] > 2 * runs[0.0]


def test_jitter_without_variation_is_a_plain_extra_latency():
    jitter = JitterBuffer(std_ms=0, buffer_ms=0, extra_latency_ms=100, seed=1)
    sources = _source_indices([jitter.process(f) for f in _tagged_frames(50)])
    assert list(sources[:5]) == [-1] * 5
    assert list(sources[5:]) == list(range(45))
    assert jitter.predicted_late_fraction() == 0


def test_concealment_repeats_the_last_frame_fading_by_half_each_time():
    inputs = _tagged_frames(400)
    silent = JitterBuffer(std_ms=40, buffer_ms=20, late="silence", seed=2)
    sources_silent = _source_indices([silent.process(f) for f in inputs])
    jitter = JitterBuffer(std_ms=40, buffer_ms=20, late="conceal", seed=2)
    outputs = [jitter.process(f) for f in inputs]
    late_slots = np.flatnonzero(sources_silent[jitter.delay_frames :] < 0) + jitter.delay_frames
    assert late_slots.size > 20
    for slot in late_slots:
        previous, repeats = slot - 1, 1
        while previous >= jitter.delay_frames and sources_silent[previous] < 0:
            previous, repeats = previous - 1, repeats + 1
        played_before = previous >= jitter.delay_frames
        expected = (sources_silent[previous] + 1) / 4096 * 0.5**repeats if played_before else 0
        assert outputs[slot][0] == pytest.approx(expected), slot


def test_scenario_link_settings_build_the_new_impairments_at_the_link_rate():
    from crosstalk_harness.config.models import LinkConfig
    from crosstalk_harness.runner.line import build_impairments

    link = LinkConfig.model_validate(
        {
            "sample_rate": 48_000,
            "impairments": {
                "caller_to_agent": [
                    {"type": "noise", "kind": "office", "snr_db": 10},
                    {"type": "jitter", "std_ms": 20, "extra_latency_ms": 80, "late": "conceal"},
                ]
            },
        }
    )
    noise, jitter = build_impairments(link, seed=7)["caller"]
    assert isinstance(noise, AdditiveNoise) and noise.sample_rate == 48_000
    assert isinstance(jitter, JitterBuffer) and jitter.added_delay_ms == 140
    assert jitter.late == "conceal"
