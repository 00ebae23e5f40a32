"""Word error rate between what a side meant to say and what the other side's STT heard.

Both texts are normalised the same way (lower case, no punctuation, digit strings read out digit
by digit, so "42,791", "42791" and "4 2 7 9 1" all compare equal) before a word-level edit distance.
"""

from __future__ import annotations

import re

_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_THOUSANDS_SEPARATOR = re.compile(r"(?<=\d)[,.](?=\d{3}\b)")
_NON_WORD = re.compile(r"[^a-z0-9' ]+")


def normalise(text: str) -> list[str]:
    text = _THOUSANDS_SEPARATOR.sub("", text.lower())
    text = re.sub(r"\d", lambda match: f" {_DIGIT_WORDS[int(match.group())]} ", text)
    text = _NON_WORD.sub(" ", text.replace("-", " "))
    return [word.strip("'") for word in text.split() if word.strip("'")]


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
