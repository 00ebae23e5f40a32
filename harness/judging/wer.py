"""Word error rate between what a side meant to say and what the other side's STT heard.

Both texts are normalised the same way (lower case, no punctuation, digit strings read out digit
by digit, so "42,791", "42791" and "4 2 7 9 1" all compare equal; common contractions expanded, so
"I'm" and "I am" do too) before a word-level edit distance.
"""

from __future__ import annotations

import re

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


def normalise(text: str) -> list[str]:
    text = _THOUSANDS_SEPARATOR.sub("", text.lower())
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
