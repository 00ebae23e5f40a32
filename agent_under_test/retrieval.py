"""Retrieval over the knowledge base (`data/kb/*.md`): Okapi BM25 over one passage per line.

Small on purpose (a handful of documents), but a real ranking: term frequency saturation,
document-length normalisation and inverse document frequency, with light stemming so "returns",
"returned" and "return" meet.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .config import DATA_DIR

# function words, and the small talk and negations callers wrap questions in: a passage should
# not win on "hi", "like" or "not"
_STOPWORD_TEXT = """a an and are as at be by can do does for from how i if in is it its me my of
on or our please the this to we what when where which will with you your hi hello hey hiya
would like want just not no don t dont s im am i'm there that so about some any get got could"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_SUFFIXES = ("ing", "ed", "es", "s")


def tokens(text: str) -> list[str]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return [_stem(word) for word in words if word not in _STOPWORDS]


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@dataclass(frozen=True)
class Passage:
    document: str  # file name, e.g. returns.md
    title: str
    text: str


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float


class KnowledgeBase:
    def __init__(self, passages: list[Passage], *, k1: float = 1.5, b: float = 0.75) -> None:
        self.passages = passages
        self._k1, self._b = k1, b
        # the title's words count towards every passage of its document
        self._terms = [Counter(tokens(f"{p.title} {p.text}")) for p in passages]
        self._lengths = [sum(terms.values()) for terms in self._terms]
        self._average_length = sum(self._lengths) / max(1, len(self._lengths))
        frequency = Counter(term for terms in self._terms for term in terms)
        count = len(passages)
        self._idf = {
            term: math.log(1 + (count - n + 0.5) / (n + 0.5)) for term, n in frequency.items()
        }

    @classmethod
    def load(cls, folder: Path = DATA_DIR / "kb") -> KnowledgeBase:
        passages = []
        for path in sorted(folder.glob("*.md")):
            lines = path.read_text(encoding="utf-8").splitlines()
            title = next((line.lstrip("# ") for line in lines if line.startswith("#")), path.stem)
            passages += [
                Passage(path.name, title, line.strip())
                for line in lines
                if line.strip() and not line.startswith("#")
            ]
        return cls(passages)

    def search(self, query: str, *, limit: int = 3) -> list[Hit]:
        query_terms = tokens(query)
        hits = []
        for passage, terms, length in zip(self.passages, self._terms, self._lengths, strict=True):
            score = 0.0
            for term in query_terms:
                tf = terms.get(term, 0)
                if tf:
                    norm = tf + self._k1 * (1 - self._b + self._b * length / self._average_length)
                    score += self._idf[term] * tf * (self._k1 + 1) / norm
            if score > 0:
                hits.append(Hit(passage, round(score, 3)))
        hits.sort(key=lambda hit: -hit.score)
        return hits[:limit]
