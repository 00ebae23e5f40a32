"""How each turn sounded, for the report's transcript: its prosody figures and the tone verdicts.

The figures come from probes.json's `prosody.turns` (the prosody probe's turns are found from the
audio, so each transcript turn takes the probe turn of its side it overlaps most); the verdicts
are the criteria whose evidence an audio judge heard in that turn (evidence with a time, `at_s`).
Either is simply left out when the run has none: older runs, text mode, no judge configured.
"""

from __future__ import annotations

from typing import Any

from .loading import Session


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


def _figures(measured: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs for the figures a probe turn has."""
    shown: list[tuple[str, str]] = []
    if _number(measured.get("wpm")):
        shown.append(("rate", f"{measured['wpm']:.0f} wpm"))
    if _number(measured.get("pitch_median_hz")):
        shown.append(("pitch", f"{measured['pitch_median_hz']:.0f} Hz"))
    if _number(measured.get("pitch_range_st")):
        shown.append(("pitch range", f"{measured['pitch_range_st']:.1f} st"))
    if _number(measured.get("level_dbfs")):
        shown.append(("level", f"{measured['level_dbfs']:.1f} dBFS"))
    pauses = measured.get("pauses")
    if isinstance(pauses, dict) and _number(pauses.get("count")) and pauses["count"]:
        shown.append(("pauses", str(pauses["count"])))
    if measured.get("trailing_off") is True:
        shown.append(("trails off", f"{measured.get('trailing_off_db') or 0:.0f} dB"))
    return shown


def prosody_by_turn(session: Session) -> dict[int, list[tuple[str, str]]]:
    """Transcript turn number -> the prosody figures of the probe turn it overlaps most."""
    prosody = session.probes.get("prosody")
    measured = prosody.get("turns") if isinstance(prosody, dict) else None
    if not isinstance(measured, list):
        return {}
    found: dict[int, list[tuple[str, str]]] = {}
    for number, turn in enumerate(session.turns, start=1):
        start, end = turn.get("start_s"), turn.get("end_s")
        if not (_number(start) and _number(end)):
            continue
        best, most = None, 0.0
        for item in measured:
            if not isinstance(item, dict) or item.get("side") != turn.get("speaker"):
                continue
            if not (_number(item.get("start_s")) and _number(item.get("end_s"))):
                continue
            shared = _overlap((start, end), (item["start_s"], item["end_s"]))
            if shared > most:
                best, most = item, shared
        if best is not None and _figures(best):
            found[number] = _figures(best)
    return found


def tone_verdicts_by_turn(session: Session) -> dict[int, list[dict[str, Any]]]:
    """Transcript turn number -> each criterion an audio judge cited that turn for."""
    found: dict[int, list[dict[str, Any]]] = {}
    for verdict in (session.judgement or {}).get("verdicts") or []:
        for criterion in verdict.get("criteria") or []:
            for evidence in criterion.get("evidence") or []:
                if not isinstance(evidence, dict) or not _number(evidence.get("at_s")):
                    continue  # heard evidence only: a quote alone is the transcript's
                if not isinstance(evidence.get("turn"), int):
                    continue
                found.setdefault(evidence["turn"], []).append(
                    {
                        "judge": verdict.get("judge"),
                        "criterion": criterion.get("name"),
                        "passed": bool(criterion.get("passed")),
                        "at_s": evidence["at_s"],
                        "found": evidence.get("found", True),
                        "rationale": criterion.get("rationale") or "",
                    }
                )
    return found
