"""The caller's speech cache: a hit is byte-identical to a fresh rendering, keys follow the
voice, a damaged entry is a miss, a line cut short is not kept, only the caller's voice uses it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pytest
from crosstalk_harness.backends import Voice, get_backend
from crosstalk_harness.backends.offline import espeak, piper
from crosstalk_harness.backends.offline.synthesis import OfflineTTS
from crosstalk_harness.backends.speech_cache import SpeechCache, speech_cache
from crosstalk_harness.callers import build_caller
from crosstalk_harness.config import load_scenario
from crosstalk_harness.runner import SessionRun
from livekit.agents import tokenize
from livekit.agents import tts as livekit_tts

from .test_callers import caller_context

RATE = 16_000
LINE = "Sure, the order number is 42791."
SCENARIO = Path(__file__).parent.parent / "scenarios" / "hesitant_elder.yaml"


async def _frames(tts: OfflineTTS, text: str) -> bytes:
    audio = bytearray()
    async with tts.synthesize(text) as stream:
        async for event in stream:
            audio += bytes(event.frame.data)
    return bytes(audio)


def _counting(tts: OfflineTTS) -> list[str]:
    """Record every text the engine itself renders (a cache hit renders nothing)."""
    rendered: list[str] = []
    original = tts.pcm_pieces

    def pcm_pieces(text: str):  # noqa: ANN202
        rendered.append(text)
        return original(text)

    tts.pcm_pieces = pcm_pieces  # type: ignore[method-assign]
    return rendered


@pytest.mark.parametrize("engine", [piper, espeak])
def test_a_cached_line_is_byte_identical_and_not_rendered_again(engine, tmp_path: Path) -> None:
    fresh = asyncio.run(_frames(engine.build_tts(Voice(), sample_rate=RATE), LINE))
    cached_tts = engine.build_tts(Voice(), sample_rate=RATE)
    cached_tts.keep_speech(SpeechCache(tmp_path))
    rendered = _counting(cached_tts)
    first = asyncio.run(_frames(cached_tts, LINE))
    second = asyncio.run(_frames(cached_tts, LINE))
    assert fresh == first == second
    assert rendered == [LINE]  # the second time came from the cache
    assert len(list(tmp_path.rglob("*.pcm"))) == 1


def test_another_voice_rate_or_text_is_a_different_entry(tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path)
    for voice, rate, text in [
        (Voice(), RATE, LINE),
        (Voice(pitch=60), RATE, LINE),
        (Voice(), 24_000, LINE),
        (Voice(), RATE, LINE + " Thanks."),
    ]:
        tts = piper.build_tts(voice, sample_rate=rate)
        tts.keep_speech(cache)
        rendered = _counting(tts)
        asyncio.run(_frames(tts, text))
        assert rendered == [text]  # a miss each time: nothing shaped differently is shared
    assert len(list(tmp_path.rglob("*.pcm"))) == 4


def test_a_damaged_entry_is_a_miss_and_is_rendered_again(tmp_path: Path) -> None:
    tts = piper.build_tts(Voice(), sample_rate=RATE)
    tts.keep_speech(SpeechCache(tmp_path))
    good = asyncio.run(_frames(tts, LINE))
    (entry,) = tmp_path.rglob("*.pcm")
    entry.write_bytes(entry.read_bytes()[:-100])  # a torn write
    rendered = _counting(tts)
    assert asyncio.run(_frames(tts, LINE)) == good
    assert rendered == [LINE]
    entry.write_bytes(b"CTSP1\xff\xff\xff\xff")  # a header promising four billion pieces
    assert SpeechCache(tmp_path).get(tts.identity(), RATE, LINE) is None


def test_an_utterance_cut_short_is_not_kept(tmp_path: Path) -> None:
    tts = piper.build_tts(Voice(), sample_rate=RATE)
    tts.keep_speech(SpeechCache(tmp_path))

    async def first_piece_only() -> None:
        pieces = tts.spoken("First clause, second clause, third clause.")
        await anext(pieces)
        await pieces.aclose()  # interrupted: the rest is never rendered

    asyncio.run(first_piece_only())
    assert list(tmp_path.rglob("*.pcm")) == []


def test_only_the_callers_voice_keeps_speech(tmp_path: Path, monkeypatch) -> None:
    """A session's sides as the runner builds them: the agent's synthesis stays the agent's."""
    monkeypatch.setenv("CROSSTALK_SPEECH_CACHE", str(tmp_path))
    backend = get_backend("offline")
    run = SimpleNamespace(transport=SimpleNamespace(sample_rate=RATE))
    sides = {
        role: asyncio.run(SessionRun._session_kwargs(run, role, backend, Voice()))  # type: ignore[arg-type]
        for role in ("caller", "agent")
    }
    assert sides["caller"]["tts"].speech_cache.directory == tmp_path
    assert sides["agent"]["tts"].speech_cache is None
    monkeypatch.setenv("CROSSTALK_SPEECH_CACHE", "off")
    assert speech_cache() is None


def test_lines_rendered_ahead_are_hits_when_livekit_speaks_them(tmp_path: Path) -> None:
    """The caller's lines go into the cache before the clock, split as a session splits them."""
    lines = ["Great. Can I still change the delivery address?", "Hi, it is me again, Jordan."]
    tts = piper.build_tts(Voice(), sample_rate=RATE)
    tts.keep_speech(SpeechCache(tmp_path))
    asyncio.run(tts.render_ahead(lines))
    rendered = _counting(tts)

    async def as_a_session_speaks(line: str) -> None:
        adapter = livekit_tts.StreamAdapter(
            tts=tts, sentence_tokenizer=tokenize.blingfire.SentenceTokenizer(retain_format=True)
        )
        async with adapter.stream() as stream:
            for word in line.split(" "):  # the caller's brain streams its line in pieces
                stream.push_text(word + " ")
            stream.end_input()
            async for _ in stream:
                pass

    for line in lines:
        asyncio.run(as_a_session_speaks(line))
    assert rendered == []


def test_a_scripted_caller_foresees_its_lines_as_it_will_say_them() -> None:
    """Fillers and hesitations included: the words rendered ahead are the words it says."""
    loaded = load_scenario(SCENARIO)
    caller = build_caller(caller_context(SCENARIO), sample_rate=RATE)
    lines = caller.foreseen_lines()
    assert len(lines) == len(loaded.persona.script)
    assert lines == [caller.rendered(index) for index in range(len(lines))]
    written = [line.say for line in loaded.persona.script]
    assert lines != written  # its fillers and hesitations are in what it foresees
