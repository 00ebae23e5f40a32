"""Values a generated caller gives for a tool's parameters, and how the caller says them.

In order of trust: the parameter's own `examples`, its `enum`, a value from the agent's
database (a column of the same name), then a value made up from the parameter's type and the
words of its name and description (a phone number for `phone`, a date for `date`, ...).
"""

from __future__ import annotations

import re
import sqlite3
import zlib
from dataclasses import dataclass
from typing import Any

from .agent_spec import Param, Tool

# (words in the name or description, value): the first whose word appears wins
_BY_WORD: tuple[tuple[tuple[str, ...], str], ...] = (
    (("email",), "sam.taylor@example.com"),
    (("phone", "mobile", "telephone"), "5550142"),
    (("postcode", "zip"), "NW1 6XE"),
    (("address", "street"), "12 Baker Street"),
    (("city", "town"), "Leeds"),
    (("date", "day"), "2026-12-14"),
    (("time", "hour"), "10:30"),
    (("name",), "Sam Taylor"),
    (("colour", "color"), "blue"),
)
_NUMBERISH = ("number", "id", "code", "reference", "ref", "card", "account", "ticket", "booking")
_PLAIN_WORDS = ("Willow", "Harbour", "Maple", "Juniper", "Copper", "Meadow")
_PERSONAL = {"phone", "mobile", "telephone", "email"}
_LONG_VALUE_WORDS = 4  # a value longer than this is the caller's wording, which agents rephrase


@dataclass(frozen=True)
class Fact:
    param: Param
    value: Any
    source: str  # where the value comes from, for the file's comment

    @property
    def label(self) -> str:
        """How the caller names it: a short description, else the parameter's name in words."""
        text = self.param.description.strip().rstrip(".")
        text = re.sub(r"^(the|a|an)\s+", "", text, flags=re.I)
        if text and len(text.split()) <= _LONG_VALUE_WORDS and " or " not in text:
            return text[0].lower() + text[1:]
        return name_words(self.param.name)

    @property
    def spoken(self) -> str:
        """The value as said aloud: identifiers' underscores become spaces, no end punctuation."""
        return str(self.value).replace("_", " ").rstrip(".?!")

    @property
    def personal(self) -> bool:
        """A phone number or email: agents redact these in their logs ("[phone]")."""
        words = set(
            re.findall(r"[a-z]+", f"{name_words(self.param.name)} {self.param.description}".lower())
        )
        return bool(words & _PERSONAL)

    @property
    def checkable(self) -> bool:
        """A required, short, not personal value: what a `tool_called` check can expect verbatim."""
        short = len(str(self.value).split()) <= _LONG_VALUE_WORDS
        return self.param.required and short and not self.personal


def name_words(name: str) -> str:
    """`order_id` -> "order number", `bookingRef` -> "booking ref"."""
    words = re.sub(r"([a-z])([A-Z])", r"\1 \2", name).replace("_", " ").lower().split()
    return " ".join("number" if word == "id" else word for word in words)


def _database_values(sql: str | None) -> dict[str, Any]:
    """Column name -> its first non-empty value, over every table of the agent's database."""
    if not sql:
        return {}
    values: dict[str, Any] = {}
    with sqlite3.connect(":memory:") as database:
        database.executescript(sql)
        tables = [
            row[0] for row in database.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        for table in tables:
            cursor = database.execute(f'SELECT * FROM "{table}" LIMIT 1')
            row = cursor.fetchone()
            for column, value in zip([c[0] for c in cursor.description], row or (), strict=False):
                if value not in (None, "") and column not in values:
                    values[column] = value
    return values


def _made_up(param: Param) -> Any:
    words = set(re.findall(r"[a-z]+", f"{name_words(param.name)} {param.description}".lower()))
    if param.type == "integer":
        return 2
    if param.type == "number":
        return 25
    if param.type == "boolean":
        return True
    for keys, value in _BY_WORD:
        if words & set(keys):
            return value
    if words & set(_NUMBERISH):
        return str(48000 + zlib.crc32(param.name.encode()) % 2000)
    return _PLAIN_WORDS[zlib.crc32(param.name.encode()) % len(_PLAIN_WORDS)]


def facts_for(tool: Tool, database_sql: str | None) -> list[Fact]:
    """One fact per parameter of `tool`, required ones first."""
    in_database = _database_values(database_sql)
    facts = []
    for param in sorted(tool.params, key=lambda p: not p.required):
        if param.examples:
            facts.append(Fact(param, param.examples[0], "the parameter's example"))
        elif param.enum:
            facts.append(Fact(param, param.enum[0], "the parameter's first allowed value"))
        elif param.name in in_database:
            facts.append(Fact(param, in_database[param.name], "the agent's database"))
        else:
            facts.append(Fact(param, _made_up(param), "made up from its type and name"))
    return facts


def wrong_value(fact: Fact) -> Any | None:
    """A plausible wrong value for `fact` (two neighbouring digits swapped, one more, another
    word), or None when there is none."""
    value = fact.value
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value + 1
    text = str(value)
    for index in range(len(text) - 1, 0, -1):
        left, right = text[index - 1], text[index]
        if left.isdigit() and right.isdigit() and left != right:
            return text[: index - 1] + right + left + text[index + 1 :]
    if text in _PLAIN_WORDS:
        return _PLAIN_WORDS[(_PLAIN_WORDS.index(text) + 1) % len(_PLAIN_WORDS)]
    return None
