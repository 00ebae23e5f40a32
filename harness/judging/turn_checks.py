"""Built-in checks on turn-taking against the caller's plan: pauses taken over, asides answered.

Both read probes.json (`pauses`, `asides`: probes/pauses.py), so untrusted timing leaves them
unjudged; a call whose caller planned no pause (or said no aside) gives them nothing to judge.
"""

from __future__ import annotations

from typing import Any

from .registry import CheckArgs, CheckOutcome, check
from .session_data import SessionData
from .verdicts import Evidence


def _quote(session: SessionData, number: int) -> str:
    if 1 <= number <= len(session.turns):
        return session.turns[number - 1].text
    return ""


def _planned(session: SessionData, key: str) -> list[dict[str, Any]] | None:
    if session.probes.get("summary", {}).get("pause_plan") != "plan":
        return None
    items = session.probes.get(key)
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


@check("no_takeover", kind="turn-taking", timing_derived=True)
def no_takeover(session: SessionData, args: CheckArgs) -> CheckOutcome:
    """The agent never began to speak while the caller only paused inside a turn."""
    pauses = _planned(session, "pauses")
    if not pauses:
        return CheckOutcome(None, "no caller turn with a planned pause: nothing to take over")
    taken = [p for p in pauses if p.get("takeover")]
    if not taken:
        return CheckOutcome(
            True, f"the agent waited through the pauses of all {len(pauses)} paused turn(s)"
        )
    first = taken[0]
    when = (
        f"{first['in_pause_s']:g} s pause"
        if first.get("in_pause_s") is not None
        else "turn, after the caller resumed"
    )
    return CheckOutcome(
        False,
        f"the agent took over {len(taken)} of {len(pauses)} paused caller turn(s): it began "
        f"to speak inside turn {first['turn']}'s {when}",
        [Evidence(int(p["turn"]), _quote(session, int(p["turn"]))) for p in taken],
    )


@check("asides_ignored", kind="turn-taking", timing_derived=True)
def asides_ignored(session: SessionData, args: CheckArgs) -> CheckOutcome:
    """The agent answered none of the caller's asides (lines said to someone else)."""
    asides = _planned(session, "asides")
    if not asides:
        return CheckOutcome(None, "the caller said no aside: nothing to ignore")
    answered = [a for a in asides if a.get("answered")]
    if not answered:
        return CheckOutcome(True, f"the agent answered none of {len(asides)} aside(s)")
    first = answered[0]
    return CheckOutcome(
        False,
        f"the agent answered {len(answered)} of {len(asides)} aside(s): turn {first['turn']} "
        f"(“{_quote(session, int(first['turn']))}”), {first.get('why', '')}",
        [Evidence(int(a["turn"]), _quote(session, int(a["turn"]))) for a in answered],
    )
