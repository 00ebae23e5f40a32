"""The thinker: the offline planner on the retailer's data, and the OpenAI thinker over HTTP
against a local fake of the API (tool calls, parallel fan-out, moderation)."""

from __future__ import annotations

import json

import pytest
from crosstalk_agent import build_runtime, load_config
from crosstalk_agent.thinker import OpenAIThinker, PlannerThinker, ThinkJob
from crosstalk_harness.testing.fake_openai import ChatReply, FakeOpenAI


def _runtime(**options):
    return build_runtime(load_config(options), session_dir=None, clock=lambda: 0.0)


def _job(text: str, history: tuple = ()) -> ThinkJob:
    return ThinkJob(job_id=1, utterance=text, history=history, facts={})


async def test_the_planner_looks_an_order_up_and_identifies_the_caller():
    runtime = _runtime()
    result = await PlannerThinker().think(_job("the order number is 42,791"), runtime.tools)
    assert result.steps == ("lookup_order",)
    assert "4 2 7 9 1 shipped yesterday" in result.say
    assert runtime.conversation.facts.customer_id == "C001"


async def test_the_planner_reads_the_address_back_and_changes_it_once_confirmed():
    runtime = _runtime()
    planner = PlannerThinker()
    store = runtime.controller.store
    await planner.think(_job("order 42791"), runtime.tools)
    asked = (("assistant", "I can still change it. What is the new address?"),)
    heard = await planner.think(_job("deliver it to 12 makers treat", asked), runtime.tools)
    assert heard.say == (
        "Just to confirm, order 4 2 7 9 1 should now go to 12 Makers Treat. Is that right?"
    )
    assert "change_address" not in heard.steps  # nothing changes before the caller says yes
    assert store.query("SELECT address FROM orders WHERE id = '42791'") == [
        {"address": "4 Mill Lane"}
    ]
    confirmed = await planner.think(
        _job("Yes, that is right.", (("assistant", heard.say),)), runtime.tools
    )
    assert confirmed.say.startswith("Done, the delivery address is updated")
    assert "12 Makers Treat" in confirmed.say
    assert store.query("SELECT address FROM orders WHERE id = '42791'") == [
        {"address": "12 Makers Treat"}
    ]
    [change] = store.query("SELECT old_address, new_address FROM address_changes")
    assert change == {"old_address": "4 Mill Lane", "new_address": "12 Makers Treat"}


async def test_a_misheard_address_is_corrected_in_a_repair_turn_before_anything_changes():
    runtime = _runtime()
    planner = PlannerThinker()
    store = runtime.controller.store
    await planner.think(_job("order 42791"), runtime.tools)
    misheard = "Just to confirm, order 4 2 7 9 1 should now go to 12 Bakers Treat. Is that right?"
    repair = await planner.think(
        _job("No, 12 Baker Street.", (("assistant", misheard),)), runtime.tools
    )
    assert repair.say == (
        "Sorry about that. Just to confirm, order 4 2 7 9 1 should now go to 12 Baker Street. "
        "Is that right?"
    )
    assert store.query("SELECT * FROM address_changes") == []
    heard_again = await planner.think(
        _job("No, 12 bakers treat.", (("assistant", misheard),)), runtime.tools
    )
    assert heard_again.say.startswith("Sorry about that. Just to confirm")  # however it was heard
    refused = await planner.think(_job("No.", (("assistant", misheard),)), runtime.tools)
    assert refused.say == "Sorry about that. What is the new address?"
    done = await planner.think(_job("Yes.", (("assistant", repair.say),)), runtime.tools)
    assert "will now go to 12 Baker Street" in done.say
    assert store.query("SELECT new_address FROM address_changes") == [
        {"new_address": "12 Baker Street"}
    ]


async def test_a_return_fans_out_to_the_policy_checker_and_respects_the_window():
    runtime = _runtime()
    planner = PlannerThinker()
    too_old = await planner.think(_job("I would like to return order 31544"), runtime.tools)
    assert "fan_out" in too_old.steps and "check_policy" in too_old.steps
    assert "cannot be returned" in too_old.say and "54 days" in too_old.say
    assert runtime.controller.store.query("SELECT * FROM returns") == []


async def test_another_customers_order_is_refused_once_the_caller_is_known():
    runtime = _runtime()
    planner = PlannerThinker()
    await planner.think(_job("order 42791"), runtime.tools)
    result = await planner.think(_job("where is order 10358 going"), runtime.tools)
    assert "not on your account" in result.say and "Elm" not in result.say


@pytest.fixture
def openai_env(monkeypatch):
    def use(fake: FakeOpenAI) -> None:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")

    return use


async def test_the_openai_thinker_calls_tools_in_parallel_and_answers(openai_env):
    def chat(body):
        if not any(m["role"] == "tool" for m in body["messages"]):
            return ChatReply(
                tool_calls=[
                    ("lookup_order", {"order_id": "42791"}),
                    ("check_policy", {"action": "change_address", "order_id": "42791"}),
                ]
            )
        return ChatReply(content="It shipped yesterday, and I can still change the address.")

    with FakeOpenAI(chat=chat) as fake:
        openai_env(fake)
        runtime = _runtime()
        thinker = OpenAIThinker("test-model", max_steps=3, timeout_s=10)
        result = await thinker.think(
            _job("Where is order 42791, can I change the address?"), runtime.tools
        )
    assert result.say == "It shipped yesterday, and I can still change the address."
    assert result.steps == ("lookup_order", "check_policy")
    first, second = fake.chat_requests()
    assert first["model"] == "test-model"
    assert {tool["function"]["name"] for tool in first["tools"]} >= {
        "lookup_order",
        "search_knowledge",
    }
    tool_messages = [m for m in second["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tool_messages] == ["call_0", "call_1"]
    assert json.loads(tool_messages[0]["content"])["status"] == "shipped"
    assert json.loads(tool_messages[1]["content"])["allowed"] is True
    assert runtime.conversation.facts.customer_id == "C001"
    assert thinker.usage["prompt_tokens"] == 200


async def test_llm_moderation_blocks_what_the_model_flags(openai_env):
    def chat(body):
        said = body["messages"][-1]["content"]
        return "BLOCK: medical advice" if "doctor" in said else "ALLOW: fine"

    options = {
        "thinker": {"kind": "openai", "model": "moderator"},
        "guardrails": {"rules": [{"name": "moderation", "kind": "llm_moderation"}]},
    }
    with FakeOpenAI(chat=chat) as fake:
        openai_env(fake)
        runtime = _runtime(**options)
        blocked = await runtime.guardrails.check("You do not need a doctor.", complete=True)
        allowed = await runtime.guardrails.check("Your order shipped.", complete=True)
    assert blocked is not None and blocked.rule == "moderation" and "medical" in blocked.reason
    assert allowed is None


def test_on_the_openai_backend_the_thinker_is_the_chat_model_unless_configured():
    from crosstalk_agent import create_agent

    realtime = create_agent(backend="openai", thinker={"model": "gpt-test"})
    assert isinstance(realtime.runtime.thinker, OpenAIThinker)
    assert realtime.runtime.thinker.model == "gpt-test"
    assert not realtime.llm  # the session's realtime model speaks, not an offline brain
    offline = create_agent(backend="offline")
    assert isinstance(offline.runtime.thinker, PlannerThinker) and offline.llm
    pinned = create_agent(backend="openai", thinker={"kind": "planner"})
    assert isinstance(pinned.runtime.thinker, PlannerThinker)


async def test_a_phone_number_misheard_at_the_start_still_finds_the_account():
    runtime = _runtime()
    found = await runtime.tools.call("lookup_customer", {"phone": "07 770 or 0900456"})
    assert found["found"] and found["id"] == "C002"
    assert not (await runtime.tools.call("lookup_customer", {"phone": "123"}))["found"]


async def test_a_knowledge_answer_takes_a_close_second_passage_from_the_same_article():
    runtime = _runtime()
    hours = await PlannerThinker().think(_job("Hiya, what are your opening hours?"), runtime.tools)
    assert hours.say.startswith("Our stores are open from nine") and "On Sundays" in hours.say
    assert hours.sources == ("stores.md",)
    sale = await PlannerThinker().think(
        _job("Can I return an item I bought on sale?"), runtime.tools
    )
    assert sale.say.startswith("Sale items can be returned within fourteen days")
    assert "thirty days" not in sale.say
