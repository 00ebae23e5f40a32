"""Reading what the caller said, as speech-to-text wrote it: numbers, addresses, intents.

Whisper writes "42791" as "42,791", "one zero three five eight" or "4 2 7 9 1"; these helpers
undo that. `needs_thinker` is the responder's quick triage (no I/O): does this turn need the
thinker's tools or knowledge, or can the responder answer on its own?
"""

from __future__ import annotations

import re

_DIGIT_WORDS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_ADDRESS = re.compile(
    r"\b(\d+[a-z]?\s+(?:[a-z]+\s+){0,3}?(?:street|road|avenue|lane|drive|way|close|place|"
    r"square|crescent|terrace|gardens))\b",
    re.IGNORECASE,
)
_GOODBYE = re.compile(r"\b(bye|goodbye|that is all|that's all|that's everything)\b", re.I)
_ADDRESS_CHANGE = re.compile(
    r"\b(change|update|new|different)\b.*\baddress\b|\baddress\b.*\b(change|update)\b", re.I
)
_YES = re.compile(r"\b(yes|yeah|yep|correct|right|exactly|that's it|that is it)\b", re.I)
_NO = re.compile(r"\b(no|nope|not quite|not right|wrong|actually)\b", re.I)
# the end of a read-back: the caller's next turn answers it (see thinker/planner.py)
READ_BACK_QUESTION = "Is that right?"
_RETURN = re.compile(r"\b(return|send (it|them) back|refund)\b", re.I)
_QUESTION = re.compile(
    r"\b(what|when|how|where|which|can i|do you|does|is there|are you|policy|hours|open|"
    r"close|deliver|delivery|discount|code|gift card|store|shop)\b",
    re.I,
)
_PHONE_CONTEXT = re.compile(r"\b(phone|mobile|number is|call me)\b", re.I)


def _digit_words_to_digits(text: str) -> str:
    pattern = r"\b(?:%s)(?:[\s,-]+(?:%s))+\b" % (("|".join(_DIGIT_WORDS),) * 2)
    return re.sub(
        pattern,
        lambda m: "".join(_DIGIT_WORDS[w] for w in re.findall(r"[a-z]+", m.group(0).lower())),
        text,
        flags=re.IGNORECASE,
    )


def normalise_numbers(text: str) -> str:
    """Digits as one run: "42,791" / "4 2 7 9 1" / "four two seven nine one" -> "42791"."""
    text = _digit_words_to_digits(text)
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    return re.sub(r"\b(\d)(?:[ -](?=\d\b))", r"\1", text)


def order_number(text: str) -> str | None:
    for run in re.findall(r"\d+", normalise_numbers(text)):
        if len(run) == 5:
            return run
    return None


def phone_number(text: str) -> str | None:
    if not _PHONE_CONTEXT.search(text):
        return None
    digits = re.sub(r"\D", "", re.sub(r"[-\s().]", "", normalise_numbers(text)))
    return digits if len(digits) >= 7 else None


def _house_number_apart(text: str) -> str:
    """Whisper hyphenates a house number onto its street ("12-part road"): split them again."""
    return re.sub(r"\b(\d+)-(?=[a-z])", r"\1 ", text, flags=re.IGNORECASE)


def address(text: str) -> str | None:
    found = _ADDRESS.search(_house_number_apart(normalise_numbers(text)))
    return found.group(1).strip().title() if found else None


def loose_address(text: str) -> str | None:
    """An address however it was heard ("to 12 makers treat"), starting at its house number."""
    heard = _house_number_apart(normalise_numbers(text))
    found = re.search(r"\b(\d+[a-z]?\s+[a-z][a-z' ]*[a-z])", heard, re.I)
    return found.group(1).strip().title() if found else None


def confirms(text: str) -> bool | None:
    """The caller's answer to a read-back: True (yes), False (no, or a correction), None."""
    if _NO.search(text):
        return False
    if _YES.search(text):
        return True
    return None


def says_goodbye(text: str) -> bool:
    return bool(_GOODBYE.search(text))


def wants_address_change(text: str) -> bool:
    return bool(_ADDRESS_CHANGE.search(text))


def wants_return(text: str) -> bool:
    return bool(_RETURN.search(text))


def asks_question(text: str) -> bool:
    return bool(_QUESTION.search(text)) or text.rstrip().endswith("?")


def needs_thinker(text: str, agent_last_said: str = "") -> bool:
    """Quick triage: work for the thinker (an order, an account, an address, a question, or the
    answer to a read-back the agent just made)?"""
    if READ_BACK_QUESTION in agent_last_said and confirms(text) is not None:
        return True
    if says_goodbye(text) and not asks_question(text):
        return False
    return bool(
        order_number(text)
        or phone_number(text)
        or address(text)
        or wants_address_change(text)
        or wants_return(text)
        or asks_question(text)
    )
