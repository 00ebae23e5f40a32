"""How well each side is heard: word error rate and key entities through Whisper tiny.en.

A fixed set of sentences written for this benchmark (caller lines full of order ids, addresses,
postcodes and phone numbers; agent lines that read them back) is spoken by each voice engine in
the default caller and agent voices, sent down each line (clean, telephone: 8 kHz band and
mu-law, noise: street noise at 15 dB SNR) at the demo's 16 kHz, and transcribed by the same
Whisper tiny.en the sides listen with. Prints per engine, direction and line the WER (numbers
normalised as `judging.wer` does) and the share of entities heard exactly, and whether the
demo's order id and new address were heard exactly. Targets with Piper: WER <= 10 % clean and
telephone; the demo's entities exact.

    python benchmarks/hearing.py [--engines piper espeak] [--lines clean telephone noise] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys

import numpy as np
from crosstalk_harness.backends import Voice
from crosstalk_harness.backends.offline import whisper
from crosstalk_harness.backends.voices import engine
from crosstalk_harness.config.models import AgentConfig
from crosstalk_harness.judging.entities import entity_heard
from crosstalk_harness.judging.wer import edit_distance, normalise
from crosstalk_harness.transport.impairments import AdditiveNoise, ImpairmentChain, TelephoneBand

RATE = 16_000
FRAME = RATE // 50

# (sentence, its key entities); the demo's own lines come first
CALLER_LINES: list[tuple[str, list[str]]] = [
    ("Sure, the order number is 42791.", ["42791"]),
    ("Please deliver it to 12 Baker Street.", ["12 Baker Street"]),
    ("Hi, I am calling about an order I placed last week.", []),
    ("Great. Can I still change the delivery address?", []),
    ("My order number is 10358.", ["10358"]),
    ("It should go to 4 Mill Lane instead.", ["4 Mill Lane"]),
    ("The postcode is SW1A 2AA.", ["SW1A 2AA"]),
    ("You can reach me on 555 0199.", ["555 0199"]),
    ("I live at 221 Oak Avenue, Springfield.", ["221 Oak Avenue", "Springfield"]),
    ("The parcel was meant to arrive on Tuesday.", ["Tuesday"]),
    ("Can you send it to 7 Church Road?", ["7 Church Road"]),
    ("I bought two shirts and a pair of jeans.", []),
    ("What time do you open on Sunday?", ["Sunday"]),
    ("I would like to return a jacket I bought in the sale.", []),
    ("The order was 38120, placed on the third of May.", ["38120"]),
    ("My email is jordan at gmail dot com.", ["jordan"]),
    ("No, that is all. Thank you very much.", []),
    ("Could you check order 55016 for me?", ["55016"]),
    ("Please change the address to 9 Station Road.", ["9 Station Road"]),
    ("My name is Priya Shah.", ["Priya Shah"]),
    ("Is there a store near Manchester?", ["Manchester"]),
    ("I am calling because my refund has not arrived.", []),
    ("The delivery note says order 61234.", ["61234"]),
    ("Do you deliver to the Highlands?", ["Highlands"]),
    ("The new address is 30 Queen Street, Leeds.", ["30 Queen Street", "Leeds"]),
]
AGENT_LINES: list[tuple[str, list[str]]] = [
    (
        "Order 4 2 7 9 1 shipped yesterday and should arrive on Friday, to 4 Mill Lane.",
        ["4 2 7 9 1", "Friday", "4 Mill Lane"],
    ),
    (
        "Done, the delivery address is updated: order 4 2 7 9 1 will now go to 12 Baker Street.",
        ["4 2 7 9 1", "12 Baker Street"],
    ),
    ("Thank you for calling Acme Outfitters, this is Ava. How can I help you today?", []),
    ("I can help with that. What is your order number?", []),
    ("We are open from ten until four on Sundays.", ["Sundays"]),
    ("Items bought in the sale can be returned within 30 days.", ["30 days"]),
    ("I am sorry, I can only share details of orders on your own account.", []),
    ("Your refund of 45 pounds was sent on Monday.", ["45 pounds", "Monday"]),
    ("Yes, we deliver to the Highlands within five working days.", ["Highlands"]),
    ("Thanks for waiting. Order 1 0 3 5 8 is out for delivery today.", ["1 0 3 5 8"]),
]
DEMO_ENTITIES = ("42791", "12 Baker Street")


def _lines() -> dict[str, list]:
    return {
        "clean": [],
        "telephone": [TelephoneBand(RATE)],
        "noise 15 dB": [AdditiveNoise("street", 15, seed=1, sample_rate=RATE)],
    }


async def _speak(voice: Voice, text: str) -> bytes:
    tts = engine(voice.engine).build_tts(voice, sample_rate=RATE)
    chunks = []
    async with tts.synthesize(text) as stream:
        async for audio in stream:
            chunks.append(bytes(audio.frame.data))
    return b"".join(chunks)


def _through(line: list, pcm: bytes) -> np.ndarray:
    """`pcm` down the line frame by frame, as the link does, with a second of lead-in and out."""
    silence = bytes(2 * RATE // 2)
    padded = silence + pcm + silence
    padded += bytes((-len(padded)) % (FRAME * 2))
    chain = ImpairmentChain(list(line))
    out = b"".join(chain(padded[i : i + FRAME * 2]) for i in range(0, len(padded), FRAME * 2))
    return np.frombuffer(out, dtype=np.int16).astype(np.float32) / 32768.0


def measure(engines: list[str], line_names: list[str]) -> list[dict[str, object]]:
    voices = {
        "caller->agent": Voice(),
        "agent->caller": AgentConfig().voice,
    }
    sets = {"caller->agent": CALLER_LINES, "agent->caller": AGENT_LINES}
    lines = _lines()
    rows = []
    for engine_name in engines:
        for direction, voice in voices.items():
            voice = voice.model_copy(update={"engine": engine_name})
            spoken = [asyncio.run(_speak(voice, text)) for text, _ in sets[direction]]
            for line_name in line_names:
                errors = words = hit = total = 0
                demo_heard = []
                for (text, entities), pcm in zip(sets[direction], spoken, strict=True):
                    heard_text = whisper.transcribe(
                        _through(lines[line_name], pcm),
                        utterance_window=direction == "agent->caller",  # the caller's hearing
                    )
                    heard = normalise(heard_text)
                    reference = normalise(text)
                    errors += edit_distance(reference, heard)
                    words += len(reference)
                    for entity in entities:
                        total += 1
                        # the same matching as a call's entity recall (hearing.json)
                        found = entity_heard(text, heard_text, entity)
                        hit += bool(found and found.heard)
                        if entity in DEMO_ENTITIES:
                            demo_heard.append(bool(found and found.heard))
                rows.append(
                    {
                        "engine": engine_name,
                        "direction": direction,
                        "line": line_name,
                        "sentences": len(spoken),
                        "wer": errors / words,
                        "entities_exact": hit / total,
                        "demo_entities_exact": all(demo_heard) if demo_heard else None,
                    }
                )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", nargs="+", default=["piper", "espeak"])
    parser.add_argument("--lines", nargs="+", default=list(_lines()), choices=list(_lines()))
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    rows = measure(args.engines, args.lines)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"# {platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"{'engine':<8} {'direction':<14} {'line':<12} {'WER':>6} {'entities':>9} {'demo':>5}")
    for row in rows:
        demo = row["demo_entities_exact"]
        print(
            f"{row['engine']:<8} {row['direction']:<14} {row['line']:<12} "
            f"{row['wer']:>6.1%} {row['entities_exact']:>9.0%} "
            f"{'-' if demo is None else 'yes' if demo else 'NO':>5}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
