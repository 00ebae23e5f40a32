"""Word error rate between what a side meant to say and what the other side's STT heard.

Both texts are normalised the same way (lower case, no punctuation, numbers in words turned into
digits and digit strings read out digit by digit, so "42,791", "42791", "4 2 7 9 1" and "forty
two thousand seven hundred ninety one" all compare equal; common contractions expanded, so "I'm"
and "I am" do too) before a word-level edit distance.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_THOUSANDS_SEPARATOR = re.compile(r"(?<=\d)[,.](?=\d{3}\b)")
_NON_WORD = re.compile(r"[^a-z0-9' ]+")
_CONTRACTIONS = {
    "i'm": "i am",
    "you're": "you are",
    "we're": "we are",
    "they're": "they are",
    "it's": "it is",
    "that's": "that is",
    "what's": "what is",
    "there's": "there is",
    "i'd": "i would",
    "i'll": "i will",
    "i've": "i have",
    "can't": "can not",
    "won't": "will not",
    "don't": "do not",
    "doesn't": "does not",
    "didn't": "did not",
    "isn't": "is not",
    "let's": "let us",
    "cannot": "can not",
}


_UNITS = {word: value for value, word in enumerate(_DIGIT_WORDS)} | {
    word: value
    for value, word in enumerate(
        (
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ),
        start=10,
    )
}
_TENS = {
    word: value * 10
    for value, word in enumerate(
        ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"), start=2
    )
}
_SCALES = {"hundred": 100, "thousand": 1000}
_NUMBER_WORD = "|".join(sorted([*_UNITS, *_TENS, *_SCALES], key=len, reverse=True))
_NUMBER_WORDS = re.compile(
    rf"\b(?:{_NUMBER_WORD})\b(?:(?:(?<=hundred)[\s-]+and|(?<=thousand)[\s-]+and)?"
    rf"[\s-]+(?:{_NUMBER_WORD})\b)*"
)


def _spoken_groups(tokens: list[str]) -> str:
    """Numbers read in groups, no scale word: "forty two seven ninety one" -> "42791" (a tens
    word takes the unit after it; every other word is a group of its own)."""
    groups, at = [], 0
    while at < len(tokens):
        value = _UNITS.get(tokens[at], 0) + _TENS.get(tokens[at], 0)
        following = tokens[at + 1] if at + 1 < len(tokens) else ""
        if tokens[at] in _TENS and 0 < _UNITS.get(following, 0) < 10:
            value, at = value + _UNITS[following], at + 1
        groups.append(str(value))
        at += 1
    return "".join(groups)


def _spoken_number(words: str) -> str:
    """ "forty two thousand seven hundred ninety one" -> "42791"; a run of digits stays one each;
    groups with no scale word are read one after another ("forty two seven ninety one")."""
    tokens = [token for token in re.split(r"[\s-]+", words) if token and token != "and"]
    if all(token in _DIGIT_WORDS for token in tokens):
        return " ".join(str(_UNITS[token]) for token in tokens)
    if not any(token in _SCALES for token in tokens):
        return _spoken_groups(tokens)
    total = current = 0
    for token in tokens:
        if token in _SCALES:
            current = max(current, 1) * _SCALES[token]
            if _SCALES[token] == 1000:
                total, current = total + current, 0
        else:
            current += _UNITS.get(token, 0) + _TENS.get(token, 0)
    return str(total + current)


def normalise(text: str) -> list[str]:
    text = _NUMBER_WORDS.sub(lambda match: f" {_spoken_number(match.group())} ", text.lower())
    text = _THOUSANDS_SEPARATOR.sub("", text)
    text = re.sub(r"\d", lambda match: f" {_DIGIT_WORDS[int(match.group())]} ", text)
    text = _NON_WORD.sub(" ", text.replace("-", " ").replace("\u2019", "'"))
    words = " ".join(_CONTRACTIONS.get(word, word) for word in text.split()).split()
    return [word.strip("'") for word in words if word.strip("'")]


def edit_distance(reference: list[str], hypothesis: list[str]) -> int:
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, start=1):
        current = [i]
        for j, hyp_word in enumerate(hypothesis, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_word != hyp_word))
            )
        previous = current
    return previous[-1]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words; 0.0 for two empty texts."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)


MISHEARD_WER = 0.25  # a turn heard this differently is worth showing beside what was said


@dataclass(frozen=True)
class Misheard:
    """A turn the other side heard as something else: the usual cause of a failed check."""

    turn: int  # 1-based, as in the transcript
    speaker: str
    said: str
    heard: str

    @property
    def listener(self) -> str:
        return "caller" if self.speaker == "agent" else "agent"


def misheard_turns(
    turns: list[dict[str, Any]], limit: int = 3, facts: Iterable[str] = ()
) -> list[Misheard]:
    """transcript.json turns whose `heard_as` is at least MISHEARD_WER off, worst first; a turn
    that said one of `facts` (values a failed check names) and was heard without it comes first
    however little else differs ("12 Quayle Crescent" heard as "12 Kill Crescent")."""
    wanted = [words for words in (normalise(fact) for fact in facts) if words]
    found = []
    for number, turn in enumerate(turns, start=1):
        said, heard = str(turn.get("text") or ""), str(turn.get("heard_as") or "")
        rate = word_error_rate(said, heard) if said and heard else 0.0
        lost = bool(heard) and any(
            holds(normalise(said), fact) and not holds(normalise(heard), fact) for fact in wanted
        )
        if rate >= MISHEARD_WER or lost:
            misheard = Misheard(number, str(turn.get("speaker") or "?"), said, heard)
            found.append(((not lost, -rate, number), misheard))
    found.sort(key=lambda item: item[0])
    return [item for _, item in found[:limit]]


def holds(words: list[str], fact: list[str]) -> bool:
    """Whether the normalised `fact` is a run of `words` (both from `normalise`)."""
    return any(words[at : at + len(fact)] == fact for at in range(len(words) - len(fact) + 1))
