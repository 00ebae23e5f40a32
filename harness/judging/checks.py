"""The built-in deterministic checks: what was said, which tools ran, the final database, limits.

Each is registered with `@check`, so a scenario names it under `success.checks`; see
`registry.py` for writing your own.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ..agent_description import only_reads
from ..rundir.layout import AGENT_DATABASE, CALLER_STATE_FILE, HEARING_FILE
from ..rundir.models import Turn
from .registry import CheckArgs, CheckError, CheckOutcome, check
from .session_data import SessionData
from .verdicts import Evidence

Speaker = Literal["agent", "caller", "any"]


class PatternArgs(CheckArgs):
    pattern: str = Field(description="a regular expression (Python syntax)")
    speaker: Speaker = Field("agent", description="whose turns are searched")
    ignore_case: bool = Field(True, description="match regardless of upper or lower case")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        return pattern

    def matches(self, session: SessionData) -> list[tuple[Turn, str]]:
        regex = re.compile(self.pattern, re.IGNORECASE if self.ignore_case else 0)
        return [
            (turn, match.group(0))
            for turn in session.turns_of(self.speaker)
            for match in regex.finditer(turn.text)
        ]


def _who(speaker: str) -> str:
    return "anyone" if speaker == "any" else f"the {speaker}"


_REGEX_SYNTAX = re.compile(r"[\\.^$*+?{}\[\]()]")


def in_words(pattern: str) -> str:
    """A pattern as a person reads it: “22 oak avenue”, “yes” or “yeah”; real regexes stay /…/."""
    text = re.sub(r"^\(\?[aiLmsux]+\)", "", pattern).replace("\\b", "")
    options = [option.strip() for option in text.split("|")]
    if all(option and not _REGEX_SYNTAX.search(option) for option in options):
        return " or ".join(f"“{option}”" for option in options)
    return f"something matching /{pattern}/"


def _times(count: int) -> str:
    return {0: "never", 1: "once", 2: "twice"}.get(count, f"{count} times")


def _call(name: str, arguments: dict[str, Any]) -> str:
    shown = ", ".join(f"{key} {value}" for key, value in arguments.items())
    return f"{name} with {shown}" if shown else name


@check("must_say", PatternArgs, kind="reasoning")
def must_say(session: SessionData, args: PatternArgs) -> CheckOutcome:
    """The speaker said something matching `pattern` at least once."""
    found = args.matches(session)
    if not found:
        return CheckOutcome(False, f"{_who(args.speaker)} never said {in_words(args.pattern)}")
    turn, quote = found[0]
    return CheckOutcome(
        True,
        f"{_who(args.speaker)} said “{quote}” (turn {turn.number})",
        [Evidence(turn.number, quote)],
    )


@check("must_not_say", PatternArgs, kind="guardrail")
def must_not_say(session: SessionData, args: PatternArgs) -> CheckOutcome:
    """The speaker never said anything matching `pattern`."""
    found = args.matches(session)
    if not found:
        return CheckOutcome(True, f"{_who(args.speaker)} never said {in_words(args.pattern)}")
    turns = ", ".join(str(turn.number) for turn, _ in found)
    return CheckOutcome(
        False,
        f"{_who(args.speaker)} said “{found[0][1]}” (turn {turns}), which it must not",
        [Evidence(turn.number, quote) for turn, quote in found],
    )


def _same(actual: Any, expected: Any) -> bool:
    """Equal, or equal as text: YAML's 42791 and a tool's "42791" are the same order."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return all(key in actual and _same(actual[key], value) for key, value in expected.items())
    if isinstance(expected, list) and isinstance(actual, list | tuple):
        return len(actual) == len(expected) and all(map(_same, actual, expected))
    return actual == expected or str(actual).strip() == str(expected).strip()


class ToolCalledArgs(CheckArgs):
    name: str = Field(description="the tool's name as the agent logged it")
    arguments: dict[str, Any] = Field(
        default_factory=dict, description="arguments it must have had (others are ignored)"
    )
    min_times: int = Field(1, ge=1, description="how many matching calls are needed")


@check("tool_called", ToolCalledArgs, kind="tool")
def tool_called(session: SessionData, args: ToolCalledArgs) -> CheckOutcome:
    """The agent called the tool `name`, with at least these `arguments`, `min_times` or more."""
    calls = [c for c in session.tool_calls if c.data.get("name") == args.name]
    matching = [c for c in calls if _same(c.data.get("arguments") or {}, args.arguments)]
    wanted = _call(args.name, args.arguments)
    if len(matching) >= args.min_times:
        return CheckOutcome(True, f"the agent called {wanted} {_times(len(matching))}")
    if not calls:
        names = sorted({str(c.data.get("name")) for c in session.tool_calls})
        others = f" (it called {', '.join(names)})" if names else " (it called no tool)"
        return CheckOutcome(False, f"the agent never called {args.name}{others}")
    seen = "; ".join(_call(args.name, c.data.get("arguments") or {}) for c in calls)
    return CheckOutcome(
        False,
        f"expected {wanted} at least {_times(args.min_times)}, found it {_times(len(matching))}; "
        f"the calls were: {seen}",
    )


class ToolNotCalledArgs(CheckArgs):
    name: str = Field(description="the tool's name as the agent logged it")


@check("tool_not_called", ToolNotCalledArgs, kind="tool")
def tool_not_called(session: SessionData, args: ToolNotCalledArgs) -> CheckOutcome:
    """The agent never called the tool `name`."""
    calls = [c for c in session.tool_calls if c.data.get("name") == args.name]
    if calls:
        return CheckOutcome(False, f"the agent called {args.name} {_times(len(calls))}")
    return CheckOutcome(True, f"the agent never called {args.name}")


class DatabaseArgs(CheckArgs):
    query: str = Field(description=f"a read-only SQL query on the agent's {AGENT_DATABASE}")
    expect_rows: list[list[Any]] | None = Field(None, description="every row, in order")
    expect_value: Any = Field(None, description="the first column of the only row")

    @model_validator(mode="after")
    def _one_expectation(self) -> DatabaseArgs:
        if (self.expect_rows is None) == (self.expect_value is None):
            raise ValueError("give exactly one of expect_rows and expect_value")
        return self


@check("db_state", DatabaseArgs, kind="tool")
def db_state(session: SessionData, args: DatabaseArgs) -> CheckOutcome:
    """After the call, SQL `query` on the agent's database gives the expected rows or value."""
    if session.database is None:
        raise CheckError(
            f"no {AGENT_DATABASE} in the session directory: the agent kept no database"
        )
    with only_reads(sqlite3.connect(f"file:{session.database}?mode=ro", uri=True)) as connection:
        try:
            rows = [list(row) for row in connection.execute(args.query).fetchall()]
        except sqlite3.DatabaseError as exc:
            if "authoriz" not in str(exc):
                raise
            raise CheckError(
                f"the query may only read the database, it was refused ({exc}): {args.query}"
            ) from None
    if args.expect_rows is not None:
        passed, expected = _same(rows, args.expect_rows), args.expect_rows
    else:
        passed = len(rows) == 1 and bool(rows[0]) and _same(rows[0][0], args.expect_value)
        expected = args.expect_value
    found = rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else rows
    if passed:
        return CheckOutcome(True, f"the database holds {expected!r} (query: {args.query})")
    return CheckOutcome(
        False,
        f"the database holds {found!r}, expected {expected!r} (query: {args.query})",
    )


_DIGIT_WORDS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_DIGIT_WORD = re.compile(r"\b(" + "|".join(_DIGIT_WORDS) + r")\b", re.IGNORECASE)
PII_PATTERNS = {
    "card": re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)"),
    "ssn": re.compile(r"(?<!\d)\d{3}[ -]?\d{2}[ -]?\d{4}(?!\d)"),
    "email": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    "phone": re.compile(r"(?<![\d+])\+?\d(?:[ ().-]{0,2}\d){9,13}(?!\d)"),
}
PiiKind = Literal["card", "ssn", "email", "phone"]


def _luhn(digits: str) -> bool:
    total = 0
    for index, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def find_pii(text: str, kinds: list[str]) -> list[tuple[str, str]]:
    """(kind, value as written) for each PII-looking value; spoken digits count as digits."""
    spoken = _DIGIT_WORD.sub(lambda m: _DIGIT_WORDS[m.group(1).lower()], text)
    found = []
    for kind in kinds:
        for match in PII_PATTERNS[kind].finditer(spoken):
            value = match.group(0).strip()
            if kind == "card" and not _luhn(re.sub(r"\D", "", value)):
                continue
            found.append((kind, value))
    return found


def _key(value: str) -> str:
    return re.sub(r"[^0-9a-z@.]", "", value.lower())


class PiiArgs(CheckArgs):
    kinds: list[PiiKind] = Field(
        default_factory=lambda: ["card", "ssn", "email", "phone"],
        description="which kinds of personal data to look for",
    )
    echoed_only: bool = Field(
        True, description="only values the caller said first (false: any the agent says)"
    )


@check("no_pii_spoken", PiiArgs, kind="guardrail")
def no_pii_spoken(session: SessionData, args: PiiArgs) -> CheckOutcome:
    """The agent did not speak card numbers, SSNs, emails or phone numbers back to the caller."""
    caller_values = {
        _key(value)
        for turn in session.turns_of("caller")
        for _, value in find_pii(turn.text, args.kinds)
    }
    spoken = [
        (turn, kind, value)
        for turn in session.turns_of("agent")
        for kind, value in find_pii(turn.text, args.kinds)
        if not args.echoed_only or _key(value) in caller_values
    ]
    if not spoken:
        return CheckOutcome(True, "the agent spoke no " + "/".join(args.kinds) + " back")
    turn, kind, value = spoken[0]
    return CheckOutcome(
        False,
        f"the agent spoke a {kind} back in turn {turn.number}",
        [Evidence(t.number, v) for t, _, v in spoken],
    )


class MaxTurnsArgs(CheckArgs):
    limit: int = Field(ge=1, description="most turns allowed")
    speaker: Speaker = Field("any", description="whose turns are counted")


@check("max_turns", MaxTurnsArgs, kind="reasoning")
def max_turns(session: SessionData, args: MaxTurnsArgs) -> CheckOutcome:
    """The call took at most `limit` turns (of `speaker`)."""
    count = len(session.turns_of(args.speaker))
    who = "" if args.speaker == "any" else f" by the {args.speaker}"
    return CheckOutcome(count <= args.limit, f"{count} turns{who} (limit {args.limit})")


class MaxDurationArgs(CheckArgs):
    seconds: float = Field(gt=0, description="longest call allowed, in seconds")


@check("max_duration", MaxDurationArgs, kind="latency", timing_derived=True)
def max_duration(session: SessionData, args: MaxDurationArgs) -> CheckOutcome:
    """The call lasted at most `seconds`."""
    duration = session.duration_s
    if duration is None:
        return CheckOutcome(None, "the call's duration is unknown (no probes, no timed turns)")
    return CheckOutcome(duration <= args.seconds, f"{duration:.1f} s (limit {args.seconds:g} s)")


@check("goal_achieved", kind="reasoning")
def goal_achieved(session: SessionData, args: CheckArgs) -> CheckOutcome:
    """The simulated caller says it got what it called for."""
    state = session.caller_state
    if state is None:
        return CheckOutcome(None, f"no {CALLER_STATE_FILE}: the caller did not report its goal")
    achieved = state.get("goal_achieved")
    why = f" ({state['reason']})" if state.get("reason") else ""
    if achieved is None:
        return CheckOutcome(None, f"the caller could not tell whether its goal was met{why}")
    if achieved:
        return CheckOutcome(True, f"the caller says its goal was met{why}")
    persona = session.session.get("persona") or {}
    goal = f": “{persona['goal']}”" if persona.get("goal") else ""
    needed = (
        f"; it needed to hear {in_words(persona['goal_reached_when'])}"
        if persona.get("goal_reached_when")
        else ""
    )
    return CheckOutcome(False, f"the caller's goal was not met{goal}{needed}{why}")


class SentimentArgs(CheckArgs):
    min_mean: float | None = Field(
        None, ge=-1, le=1, description="lowest mean over the caller's turns (-1 to +1)"
    )
    min_final: float | None = Field(
        None, ge=-1, le=1, description="lowest score of the caller's last turn (-1 to +1)"
    )


@check("caller_sentiment", SentimentArgs, kind="reasoning")
def caller_sentiment(session: SessionData, args: SentimentArgs) -> CheckOutcome:
    """The caller's sentiment (-1 upset to +1 pleased) stayed at or above the minimums."""
    from .sentiment import caller_sentiment as measure

    sentiment = measure(session)
    if sentiment.mean is None:
        return CheckOutcome(None, "the caller said nothing")
    final = sentiment.turns[-1].compound
    problems = []
    if args.min_mean is not None and sentiment.mean < args.min_mean:
        problems.append(f"mean {sentiment.mean:+.2f} < {args.min_mean:+.2f}")
    if args.min_final is not None and final < args.min_final:
        problems.append(f"last turn {final:+.2f} < {args.min_final:+.2f}")
    summary = f"caller sentiment mean {sentiment.mean:+.2f}, last turn {final:+.2f}"
    return CheckOutcome(not problems, "; ".join(problems) or summary)


class EntitiesHeardArgs(CheckArgs):
    min_recall: float = Field(
        1.0, gt=0, le=1, description="share of the facts said that the agent must hear exactly"
    )


def misheard_facts(facts: list[dict[str, Any]], verb: str = "heard") -> str:
    """Missed facts in words: “42791” heard as “14791” (turn 2); with `verb=""`, “42791” as
    “14791” (turn 2), to follow "the agent heard"."""
    shown = []
    for fact in facts:
        value, form, turn = fact.get("value"), fact.get("heard_as"), fact.get("turn")
        how = f"{verb} as" if verb else "as"
        shown.append(
            f"“{value}” {how} “{form}” (turn {turn})"
            if form
            else f"“{value}” {how} nothing (turn {turn})"
        )
    return "; ".join(shown)


@check("entities_heard", EntitiesHeardArgs, kind="hearing")
def entities_heard(session: SessionData, args: EntitiesHeardArgs) -> CheckOutcome:
    """The agent's speech-to-text heard the persona's facts the caller said (order numbers,
    addresses, names) word for word, at least `min_recall` of them."""
    facts = session.hearing.get("facts")
    if not isinstance(facts, list):
        return CheckOutcome(None, f"no record of what the agent heard (no {HEARING_FILE} facts)")
    facts = [fact for fact in facts if isinstance(fact, dict)]
    if not facts:
        return CheckOutcome(None, "the caller said none of the persona's facts")
    missed = [fact for fact in facts if not fact.get("heard")]
    recall = (len(facts) - len(missed)) / len(facts)
    shown = f"the agent heard {len(facts) - len(missed)} of {len(facts)} facts"
    evidence = [
        Evidence(int(fact["turn"]), str(fact.get("heard_as") or fact.get("value")))
        for fact in missed
        if isinstance(fact.get("turn"), int)
    ]
    reason = f"{shown}: {misheard_facts(missed)}" if missed else f"{shown} exactly"
    return CheckOutcome(recall >= args.min_recall, reason, evidence, score=recall)
