"""The agent's parts on their own: configuration, redaction, retrieval, hearing numbers, policies,
and the offline responder's choice of what to say."""

from __future__ import annotations

import pytest
from crosstalk_agent.config import AgentOptionsError, load_config
from crosstalk_agent.conversation import Conversation, Guidance, ThinkerResultItem
from crosstalk_agent.intents import address, loose_address, needs_thinker, order_number
from crosstalk_agent.offline_brain import GREETING, ResponderBrain
from crosstalk_agent.policies import PolicyEngine
from crosstalk_agent.redaction import redact, redact_text
from crosstalk_agent.retrieval import KnowledgeBase
from livekit.agents import llm


def test_defaults_come_from_the_yaml_file_and_options_override_key_by_key():
    config = load_config({"thinker": {"latency_s": 3}, "policies": {"wrap_up": {"after_s": None}}})
    assert config.thinker.latency_s == 3
    assert config.thinker.kind == "auto"  # untouched keys keep their defaults
    assert config.policies.wrap_up is not None
    assert config.policies.wrap_up.after_s is None
    assert config.policies.wrap_up.after_caller_turns == 8
    assert config.guardrails.buffer_ms == 300
    assert {rule.name for rule in config.guardrails.rules} >= {"other_customer_data"}


def test_a_policy_set_to_null_is_switched_off():
    assert load_config({"policies": {"keep_engaged": None}}).policies.keep_engaged is None


def test_options_may_name_a_yaml_file(tmp_path):
    extra = tmp_path / "strict.yaml"
    extra.write_text("guardrails:\n  buffer_ms: 120\n  rules: []\n")
    config = load_config({"config_file": str(extra), "thinker": {"latency_s": 1}})
    assert config.guardrails.buffer_ms == 120
    assert config.guardrails.rules == []
    assert config.thinker.latency_s == 1


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"thinker": {"latency_s": -1}}, "thinker.latency_s"),
        ({"thinker": {"latncy_s": 1}}, "thinker.latncy_s"),
        ({"guardrails": {"rules": [{"name": "x", "kind": "pattern"}]}}, "guardrails.rules.0"),
    ],
)
def test_bad_options_name_the_field(options, field):
    with pytest.raises(AgentOptionsError) as caught:
        load_config(options)
    assert str(caught.value).startswith(field)
    assert isinstance(caught.value, TypeError)  # so the runner adds the scenario's file:line


@pytest.mark.parametrize(
    ("heard", "stored"),
    [
        ("My phone number is 555 867-5300", "My phone number is [phone]"),
        ("call me back on 077-0-0-0-0-0-0-1-2-3.", "call me back on [phone]."),
        ("my email is Jordan at gmail.com.", "my email is [email]."),
        ("to my email, Jordanatgmail.com", "to my email, [email]"),
        ("it is jordan.lee@example.co.uk", "it is [email]"),
        ("card 4111 1111 1111 1111 please", "card [card] please"),
        ("my postcode is NW1 6XE", "my postcode is [postcode]"),
        ("order 42,791 placed 2026-11-18", "order 42,791 placed 2026-11-18"),
        ("speech_83b1234567cc", "speech_83b1234567cc"),
        ("555, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0", "[phone]"),
    ],
)
def test_redaction_catches_pii_as_speech_to_text_writes_it(heard, stored):
    assert redact_text(heard) == stored


def test_redaction_walks_nested_event_data():
    data = {"arguments": {"phone": "07700900123"}, "hits": [{"text": "jordan@gmail.com"}], "n": 5}
    assert redact(data) == {
        "arguments": {"phone": "[phone]"},
        "hits": [{"text": "[email]"}],
        "n": 5,
    }


def test_bm25_ranks_the_passage_that_answers_the_question_first():
    knowledge = KnowledgeBase.load()
    assert (
        "Sale items" in knowledge.search("Can I return an item I bought on sale?")[0].passage.text
    )
    sunday = knowledge.search("What time do you open on Sunday?")[0]
    assert sunday.passage.document == "stores.md" and "Sundays" in sunday.passage.text
    assert knowledge.search("zebra quantum") == []


@pytest.mark.parametrize(
    ("heard", "number"),
    [
        ("Sure, the order number is 42,791", "42791"),
        ("order number one zero three five eight", "10358"),
        ("The order number is 4 2 7 9 1.", "42791"),
        ("I placed it last week", None),
    ],
)
def test_order_numbers_as_whisper_writes_them(heard, number):
    assert order_number(heard) == number


def test_addresses_and_triage():
    assert address("Please deliver it to 12 baker street.") == "12 Baker Street"
    assert loose_address("Please deliver it to 12 makers treat.") == "12 Makers Treat"
    assert address("Actually, please deliver it to 12-part road instead.") == "12 Part Road"
    assert needs_thinker("What time do you open on Sunday?")
    assert not needs_thinker("Hi, I am calling about an order I placed last week.")
    assert not needs_thinker("Thank you, that is all. Goodbye.")
    read_back = "Just to confirm, order 4 2 7 9 1 should now go to 12 Baker Street. Is that right?"
    assert needs_thinker("Yes, that is right.", read_back)  # the answer to a read-back
    assert needs_thinker("No.", read_back)
    assert not needs_thinker("Yes, that is right.", "Anything else?")


def _chat(*lines: tuple[str, str]) -> llm.ChatContext:
    chat = llm.ChatContext()
    for role, text in lines:
        chat.add_message(role=role, content=text)  # type: ignore[arg-type]
    return chat


def test_the_offline_brain_greets_fills_in_and_then_speaks_the_result():
    conv = Conversation()
    brain = ResponderBrain(conv, filler="Let me check that for you.")
    assert brain.reply(_chat()) == GREETING
    asked = _chat(("assistant", GREETING), ("user", "Where is order 42791?"))
    conv.jobs_in_flight[1] = 0.0
    assert brain.reply(asked) == "Let me check that for you."
    conv.jobs_in_flight.clear()
    conv.results.append(ThinkerResultItem(1, "It shipped yesterday.", late=True))
    assert brain.reply(asked) == "Thanks for waiting. It shipped yesterday."


def test_guidance_now_is_said_alone_and_next_reply_guidance_is_appended():
    conv = Conversation()
    brain = ResponderBrain(conv, filler="One moment.")
    asked = _chat(("assistant", GREETING), ("user", "Hi there"))
    conv.guidance.append(Guidance("wrap_up", "wrap up", "Anything else?", now=False))
    assert brain.reply(asked) == "Hello! How can I help you today? Anything else?"
    conv.guidance.append(Guidance("keep_engaged", "hold on", "Still checking.", now=True))
    assert brain.reply(asked) == "Still checking."
    assert conv.guidance == []


def _engine(**policies) -> PolicyEngine:
    return PolicyEngine(load_config({"policies": policies}).policies, Conversation())


def test_wrap_up_after_the_turn_limit_fires_once():
    engine = _engine(wrap_up={"after_caller_turns": 2, "after_s": None})
    engine.conversation.caller_turns = ["one"]
    assert engine.after_user_turn("one") == []
    engine.conversation.caller_turns.append("two")
    assert [g.policy for g in engine.after_user_turn("two")] == ["wrap_up"]
    engine.conversation.caller_turns.append("three")
    assert engine.after_user_turn("three") == []


def test_repeats_and_frustration_get_guidance():
    engine = _engine()
    engine.conversation.caller_turns = ["where is my parcel", "where is my parcel?"]
    assert [g.policy for g in engine.after_user_turn("where is my parcel?")] == [
        "clarify_on_repeat"
    ]
    assert [g.policy for g in engine.after_user_turn("this is ridiculous")] == [
        "escalate_on_frustration"
    ]


def test_a_stall_after_a_question_gets_one_clarifying_question():
    engine = _engine(clarify_on_stall={"after_s": 4.0})
    conv = engine.conversation
    conv.agent_state, conv.agent_turns, conv.agent_speech_end = (
        "listening",
        ["How can I help?"],
        10.0,
    )
    assert engine.tick(13.0) == []
    assert [g.policy for g in engine.tick(14.1)] == ["clarify_on_stall"]
    assert engine.tick(15.0) == []


def test_slow_thinking_keeps_the_caller_company_within_limits():
    engine = _engine(keep_engaged={"every_s": 1.0, "max_times": 2})
    conv = engine.conversation
    conv.agent_state, conv.agent_speech_end = "listening", 5.0
    conv.jobs_in_flight[7] = 4.5
    said = [g.say for t in (5.5, 6.1, 7.2, 8.3, 9.4) for g in engine.tick(t)]
    assert said == [
        "Still checking, thank you for bearing with me.",
        "Nearly there, just a moment more.",
    ]


def test_silence_gets_reengaged_at_most_max_times():
    engine = _engine(reengage_after_silence={"after_s": 5.0, "max_times": 1}, clarify_on_stall=None)
    conv = engine.conversation
    conv.agent_state, conv.agent_turns, conv.agent_speech_end = "listening", ["Done."], 1.0
    assert [g.policy for g in engine.tick(6.5)] == ["reengage_after_silence"]
    assert engine.tick(20.0) == []


def test_a_relative_config_file_is_read_in_the_scenario_folder(tmp_path, monkeypatch):
    (tmp_path / "strict.yaml").write_text("guardrails:\n  buffer_ms: 120\n")
    monkeypatch.chdir(tmp_path.parent)
    config = load_config({"config_file": "strict.yaml"}, scenario_dir=tmp_path)
    assert config.guardrails.buffer_ms == 120
