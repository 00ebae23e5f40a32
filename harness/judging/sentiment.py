"""The caller's sentiment per turn and its trend over the call, offline (VADER lexicon).

`compound` is VADER's normalised score in [-1, 1]; `trend` is the least-squares slope of the
caller's compound scores per caller turn (positive: the caller grew happier as the call went on).
"""

from __future__ import annotations

from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from .session_data import SessionData
from .verdicts import Sentiment, TurnSentiment


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def compound(text: str) -> float:
    return round(float(_analyzer().polarity_scores(text)["compound"]), 4)


def slope(values: list[float]) -> float | None:
    """Least-squares slope of `values` against their index; None for fewer than two."""
    n = len(values)
    if n < 2:
        return None
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    numerator = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values))
    denominator = sum((x - mean_x) ** 2 for x in range(n))
    return round(numerator / denominator, 4)


def caller_sentiment(session: SessionData) -> Sentiment:
    turns = tuple(
        TurnSentiment(turn.number, compound(turn.text))
        for turn in session.turns_of("caller")
        if turn.text.strip()
    )
    if not turns:
        return Sentiment()
    scores = [turn.compound for turn in turns]
    return Sentiment(turns, round(sum(scores) / len(scores), 4), slope(scores))
