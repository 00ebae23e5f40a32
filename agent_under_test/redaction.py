"""PII redaction of what the agent stores: card numbers, phone numbers, emails and postcodes.

Applied to events on their way to `agent_events.jsonl` and `agent.sqlite`, never to the live
call. Speech-to-text writes numbers and emails many ways ("555-0199", "07700 900123",
"jordan at gmail.com"), so the patterns match spoken forms as well as written ones. Order
numbers (five digits) are not PII and stay readable.
"""

from __future__ import annotations

import re
from typing import Any

_DIGIT_RUN = r"\d(?:[\s\-.,()]{0,2}\d)"
_RUN_START = r"(?<!\w)(?<!\d[\s\-.,()])(?<!\d[\s\-.,()]{2})"  # not inside a longer run
_CARD = re.compile(rf"{_RUN_START}{_DIGIT_RUN}{{12,18}}(?![\s\-.,()]{{0,2}}\d)")
_PHONE = re.compile(rf"{_RUN_START}(?!\d{{4}}-\d\d-\d\d\b)\+?{_DIGIT_RUN}{{6,}}(?!\d)")
_EMAIL = re.compile(
    r"\b[\w.+-]+(?:@|\s+at\s+)[\w-]+(?:(?:\.|\s+dot\s+)[\w-]+)*(?:\.|\s+dot\s+)"
    r"(?:com|co\.uk|co\s+dot\s+uk|org|net|uk|io|de|fr)\b",
    re.IGNORECASE,
)
# speech-to-text may run an address together ("jordanatgmail.com"): any mail-like domain goes
_DOMAIN = re.compile(r"\b[\w.+-]*[\w-]\.(?:com|co\.uk|org|net|io)\b", re.IGNORECASE)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)

# most specific first: a card number also looks like a long phone number
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("[card]", _CARD),
    ("[phone]", _PHONE),
    ("[email]", _EMAIL),
    ("[email]", _DOMAIN),
    ("[postcode]", _POSTCODE),
)


def redact_text(text: str) -> str:
    for marker, pattern in PATTERNS:
        text = pattern.sub(marker, text)
    return text


def redact(value: Any) -> Any:
    """`value` with every string in it redacted (dicts, lists and tuples are walked)."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {key: redact(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value
