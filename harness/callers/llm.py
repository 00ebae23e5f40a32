"""The `llm` caller: an OpenAI-compatible model plays the persona and hangs up when it is done.

The persona, its goal, hidden facts and temperament are rendered into the model's instructions
with a jinja2 template (ours below, or the scenario's `caller.template` file). The model ends
the call itself with the `end_call` tool, saying whether its goal was met. With the offline
backend the model is a chat model over the `openai` SDK (speech stays local); with the `openai`
backend the session's Realtime model plays the persona from the same instructions.
"""

from __future__ import annotations

import os
from pathlib import Path

import jinja2
from livekit.agents import NOT_GIVEN, function_tool, llm

from ..errors import ConfigError
from .base import CallerContext, SimulatedCaller

DEFAULT_MODEL = "gpt-4o-mini"

DEFAULT_TEMPLATE = """\
You are role-playing a caller on a phone call to a customer-service voice agent. You are the
customer, never the agent. Speak as a person on the phone: one or two short sentences per turn,
no lists, no stage directions, nothing but the words you say.

Who you are: {{ persona.description or persona.name }}
What you want: {{ persona.goal }}
{% if persona.facts %}
Things you know, to give only when the agent asks for them:
{% for key, value in persona.facts.items() %}- {{ key }}: {{ value }}
{% endfor %}{% endif %}
Temperament: patience {{ persona.temperament.patience }}, {{ persona.temperament.politeness }},
{{ persona.temperament.verbosity }}. Your frustration {{ persona.temperament.frustration }}.
{% if persona.script %}
Things you might say, in this order, adapted to the conversation:
{% for line in persona.script %}- {{ line.say }}
{% endfor %}{% endif %}
When your goal is met, or you give up on it, say goodbye and then call the `end_call` tool
with whether your goal was achieved and why. Do not call it before you have said goodbye.
"""


def render_instructions(ctx: CallerContext, template_path: Path | None) -> str:
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    source = template_path.read_text(encoding="utf-8") if template_path else DEFAULT_TEMPLATE
    try:
        template = environment.from_string(source)
        return template.render(persona=ctx.persona, scenario=ctx.scenario).strip()
    except jinja2.TemplateError as exc:
        where = f"{template_path}:{getattr(exc, 'lineno', '?')}" if template_path else "template"
        raise ConfigError(f"{where}: caller.template: {exc}") from None


def chat_model(model: str | None):  # -> livekit.plugins.openai.LLM
    """The chat model from the environment; a local server needs no key."""
    from livekit.plugins import openai as openai_plugin

    base_url = os.environ.get("OPENAI_BASE_URL")
    api_key = os.environ.get("OPENAI_API_KEY")
    if not api_key and not base_url:
        raise ConfigError(
            "caller.brain: llm needs a model: set OPENAI_API_KEY, or OPENAI_BASE_URL for a "
            "local OpenAI-compatible server",
            hint="or use `brain: scripted`, which needs no model",
        )
    return openai_plugin.LLM(
        model=model or os.environ.get("CROSSTALK_CALLER_MODEL") or DEFAULT_MODEL,
        base_url=base_url,
        api_key=api_key or "not-needed",
        temperature=0.7,
    )


class LLMCaller(SimulatedCaller):
    def __init__(self, ctx: CallerContext, *, model: str | None, template: Path | None) -> None:
        super().__init__(
            ctx,
            instructions=render_instructions(ctx, template),
            llm=chat_model(model) if ctx.own_brain else NOT_GIVEN,
        )

    @function_tool
    async def end_call(self, goal_achieved: bool, reason: str) -> None:
        """Hang up. Call this after saying goodbye.

        Args:
            goal_achieved: whether what you called for was done
            reason: one sentence on why you are hanging up
        """
        self.finish(goal_achieved=goal_achieved, reason=reason)

    def _count_line(self, event: object) -> None:
        item = getattr(event, "item", None)
        if isinstance(item, llm.ChatMessage) and item.role == "assistant":
            self.state.lines_said += 1

    async def on_enter(self) -> None:
        self.session.on("conversation_item_added", self._count_line)
        if self.ctx.opens_call:
            self.session.generate_reply()
