"""Entities heard or missed: whether a value (an order number, an address, a name) that one text
holds is in another, and if not, what stands in its place.

Both texts are normalised as `wer.normalise` does (so "42791", "4 2 7 9 1" and "four two seven
nine one" are the same entity), then aligned word by word with the least edits; the words of the
heard text aligned to the entity's words are its *misheard form* ("12 Baker Street" heard as
"12 bakers treat"). Shown with runs of digit words back as digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .wer import holds, normalise

_DIGITS = {
    word: str(value)
    for value, word in enumerate(
        ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
    )
}


@dataclass(frozen=True)
class EntityHeard:
    """One entity of a said text, found or missed in what the listener heard."""

    value: str  # as the persona or the text gives it
    heard: bool
    heard_as: str  # the aligned span of the heard text ("" when nothing stood in its place)


def shown(words: list[str]) -> str:
    """Normalised words as a person reads them: digit words run together as digits."""
    out: list[str] = []
    digits = ""
    for word in words:
        if word in _DIGITS:
            digits += _DIGITS[word]
            continue
        if digits:
            out.append(digits)
            digits = ""
        out.append(word)
    if digits:
        out.append(digits)
    return " ".join(out)


def _alignment(said: list[str], heard: list[str]) -> list[tuple[int | None, int | None]]:
    """(said index, heard index) pairs of a least-edit alignment; None on the side that has no
    word (a deletion or an insertion). Ties prefer a substitution, so a misheard word stays in
    the place of the word it replaced."""
    rows, cols = len(said), len(heard)
    cost = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows + 1):
        cost[i][0] = i
    for j in range(cols + 1):
        cost[0][j] = j
    for i in range(1, rows + 1):
        for j in range(1, cols + 1):
            cost[i][j] = min(
                cost[i - 1][j - 1] + (said[i - 1] != heard[j - 1]),
                cost[i - 1][j] + 1,
                cost[i][j - 1] + 1,
            )
    pairs: list[tuple[int | None, int | None]] = []
    i, j = rows, cols
    while i or j:
        if i and j and cost[i][j] == cost[i - 1][j - 1] + (said[i - 1] != heard[j - 1]):
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif i and cost[i][j] == cost[i - 1][j] + 1:
            pairs.append((i - 1, None))
            i -= 1
        else:
            pairs.append((None, j - 1))
            j -= 1
    return pairs[::-1]


def aligned_span(said: list[str], heard: list[str], start: int, stop: int) -> list[str]:
    """The heard words aligned to `said[start:stop]`, with any heard words inserted among them.

    A number's span takes in the digits heard next to it: edits cost the same whichever word
    they land on, and "5 4 7 4 7 9 1" heard for "is 4 2 7 9 1" is one misheard number."""
    pairs = _alignment(said, heard)
    inside = [at for at, (i, _) in enumerate(pairs) if i is not None and start <= i < stop]
    found = [j for _, j in pairs[inside[0] : inside[-1] + 1] if j is not None] if inside else []
    if not found:
        return []
    first, last = found[0], found[-1]
    if said[start] in _DIGITS:
        while first > 0 and heard[first - 1] in _DIGITS:
            first -= 1
    if said[stop - 1] in _DIGITS:
        while last + 1 < len(heard) and heard[last + 1] in _DIGITS:
            last += 1
    return heard[first : last + 1]


def _position(words: list[str], entity: list[str]) -> int | None:
    for at in range(len(words) - len(entity) + 1):
        if words[at : at + len(entity)] == entity:
            return at
    return None


def entity_heard(said: str, heard: str, value: str) -> EntityHeard | None:
    """Whether `value`, said in `said`, is in `heard`; None when `said` does not hold it."""
    entity, said_words, heard_words = normalise(value), normalise(said), normalise(heard)
    at = _position(said_words, entity) if entity else None
    if at is None:
        return None
    if holds(heard_words, entity):
        return EntityHeard(value, True, shown(entity))
    span = aligned_span(said_words, heard_words, at, at + len(entity))
    return EntityHeard(value, False, shown(span))


_NUMBER_RUN = re.compile(r"(?:\b(?:zero|one|two|three|four|five|six|seven|eight|nine)\b ?)+")


def numbers_in(text: str, least_digits: int = 2) -> list[str]:
    """The numbers a text says (runs of `least_digits` digits or more, however spelt), as digits:
    the entities of a line that names no persona fact ("order 4 2 7 9 1 ships Friday")."""
    words = " ".join(normalise(text))
    runs = [shown(match.group().split()) for match in _NUMBER_RUN.finditer(words)]
    return [run for run in dict.fromkeys(runs) if len(run) >= least_digits]
