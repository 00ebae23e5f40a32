"""The LLM judge: scores one rubric on one session through any OpenAI-compatible chat model.

Structured output (a JSON schema per rubric), temperature 0, N samples with the median and the
agreement, the SDK's retries with backoff on 429/5xx/timeouts, and an on-disk cache. It is
fail-closed: an unparseable answer, a missing or malformed criterion, "unsure" or evidence that is
not in the transcript never passes, and each of these is said in the verdict. A criterion the judge
did not decide (missing, malformed, unsure) is the judge not answering, not the agent failing: the
rubric is an `error` (inconclusive) unless another criterion was decided as failed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from statistics import median_low
from typing import Any

import openai
from openai.types.chat import ChatCompletion
from pydantic import ValidationError

from .audio_input import AudioUnavailable, keyed, turn_clips, with_audio
from .cache import AnswerCache, cache_key
from .prompt import PROMPT_VERSION, UNSURE, render_messages, response_format
from .rubrics import Criterion, Rubric
from .session_data import SessionData
from .settings import JudgeSettings
from .verdicts import CriterionResult, Evidence, Status, Usage, Verdict

logger = logging.getLogger(__name__)


class UnusableAnswer(Exception):
    """The judge server answered, but not with a chat completion we can read (an `error`)."""


@dataclass(frozen=True)
class CriterionSample:
    """One sample's answer for one criterion; `score` None: unsure, missing or unparseable."""

    score: float | None
    rationale: str
    evidence: tuple[Evidence, ...] = ()


def _parse_answer(
    content: str | None, rubric: Rubric
) -> tuple[dict[str, CriterionSample], str | None]:
    """Per-criterion samples from the raw answer, and what was wrong with it (None if nothing)."""
    try:
        answer = json.loads(content or "")
    except json.JSONDecodeError as exc:
        return {}, f"the answer is not JSON ({exc.msg}): {str(content)[:80]!r}"
    criteria = answer.get("criteria") if isinstance(answer, dict) else None
    if not isinstance(criteria, dict):
        return {}, "the answer has no `criteria` object"
    parsed: dict[str, CriterionSample] = {}
    problems = []
    for criterion in rubric.criteria:
        raw = criteria.get(criterion.name)
        if not isinstance(raw, dict):
            problems.append(f"{criterion.name} missing")
            continue
        try:
            sample = _criterion_sample(raw, criterion)
        except (ValidationError, TypeError, ValueError, KeyError) as exc:
            problems.append(f"{criterion.name} malformed ({type(exc).__name__})")
            continue
        parsed[criterion.name] = sample
    return parsed, "; ".join(problems) or None


def _criterion_sample(raw: dict[str, Any], criterion: Criterion) -> CriterionSample:
    level = str(raw["score"]).strip().lower()
    if level != UNSURE and level not in criterion.levels:
        raise ValueError(f"{level!r} is not on the scale")
    if level == UNSURE:
        score = None
    elif criterion.scale == "pass_fail":
        score = float(level == "pass")
    else:
        score = float(level)
    evidence = tuple(
        Evidence(int(q["turn"]), str(q["quote"]), at_s=_seconds(q.get("at_s")))
        for q in raw.get("evidence") or []
    )
    return CriterionSample(score, str(raw.get("rationale", "")), evidence)


def _seconds(value: Any) -> float | None:
    return None if value is None else float(value)


def _holds(evidence: Evidence, session: SessionData) -> bool:
    """A quote must be in the turn it cites; a time it was heard at must fall within that turn."""
    if not session.quote_in_turn(evidence.quote, evidence.turn):
        return False
    return evidence.at_s is None or session.time_in_turn(evidence.at_s, evidence.turn)


def _aggregate(
    criterion: Criterion, samples: list[CriterionSample | None], session: SessionData
) -> CriterionResult:
    """The median sample decides; missing, unsure and unverifiable evidence all fail closed."""
    undecided = -1.0  # below every scale, so unsure and missing answers pull the median down
    scores = [s.score if s is not None and s.score is not None else undecided for s in samples]
    decided = median_low(scores)
    agreement = sum(criterion.passes(x) == criterion.passes(decided) for x in scores) / len(scores)
    chosen = next(
        (s for s, x in zip(samples, scores, strict=True) if s is not None and x == decided), None
    )
    name, top = criterion.name, criterion.max_score
    if chosen is None:
        return CriterionResult(name, None, top, False, "missing from the judge's answer")
    evidence = tuple(Evidence(e.turn, e.quote, _holds(e, session), e.at_s) for e in chosen.evidence)
    rationale = chosen.rationale
    if chosen.score is None:
        return CriterionResult(name, None, top, False, f"judge unsure: {rationale}", evidence)
    hallucinated = [e for e in evidence if not e.found]
    passed = criterion.passes(decided) and not hallucinated
    if hallucinated:
        cited = "; ".join(
            f"turn {e.turn} {e.quote!r}" + (f" at {e.at_s:g} s" if e.at_s is not None else "")
            for e in hallucinated
        )
        rationale = f"hallucinated evidence (not in the turn it cites: {cited}). {rationale}"
    if len(samples) > 1:
        rationale = f"{rationale} [median of {len(samples)} samples, agreement {agreement:.0%}]"
    return CriterionResult(name, decided, top, passed, rationale, evidence)


def _reason(results: list[CriterionResult], rubric: Rubric) -> str:
    failing = []
    for result in results:
        if result.passed:
            continue
        criterion = rubric.criterion(result.name)
        assert criterion is not None
        if result.score is None:
            failing.append(f"{result.name}: {result.rationale.split(':')[0]}")
        elif any(not e.found for e in result.evidence):
            failing.append(f"{result.name}: hallucinated evidence")
        elif criterion.scale == "pass_fail":
            failing.append(f"{result.name}: fail")
        else:
            failing.append(f"{result.name}: {result.score:g}/5 (needs {criterion.pass_threshold})")
    if not failing:
        return f"all {len(results)} criteria passed"
    return "; ".join(failing)


class LlmJudge:
    """Scores rubrics on sessions; one instance shares a client, a cache and the usage tally."""

    def __init__(self, settings: JudgeSettings) -> None:
        self.settings = settings
        self.cache = AnswerCache(settings.cache_dir)
        self._client: openai.AsyncOpenAI | None = None  # made on the first cache miss

    @property
    def client(self) -> openai.AsyncOpenAI:
        if self._client is None:
            self._client = openai.AsyncOpenAI(
                api_key=self.settings.api_key,
                base_url=self.settings.base_url,
                timeout=self.settings.timeout_s,
                max_retries=self.settings.max_retries,
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()

    async def ask(
        self,
        messages: list[dict[str, str]],
        schema: dict[str, Any],
        usage: Usage,
        *,
        version: str,
        sample: int = 0,
    ) -> tuple[str | None, str]:
        """A raw JSON answer to other prompts than a rubric's (`version` names the prompt), and
        the cache key to store it under once the caller has found it usable."""
        return await self._ask(messages, schema, sample, usage, version=version)

    async def _ask(
        self,
        messages: list[dict[str, Any]],
        schema: dict[str, Any],
        sample: int,
        usage: Usage,
        *,
        version: str = PROMPT_VERSION,
    ) -> tuple[str | None, str]:
        """The raw answer for one sample and the cache key it is stored under."""
        key = cache_key(
            version=version,
            model=self.settings.model,
            base_url=self.settings.base_url,  # two servers may serve the same model name
            messages=keyed(messages),  # audio by its hash: a changed recording misses
            schema=schema,
            sample=sample,
        )
        cached = self.cache.get(key)
        if cached is not None:
            usage.cached_calls += 1
            return cached["content"], key
        try:
            completion = await self.client.chat.completions.create(
                model=self.settings.model,  # type: ignore[arg-type]
                messages=messages,  # type: ignore[arg-type]
                temperature=0,
                response_format=schema,  # type: ignore[arg-type]
            )
        except ValueError as exc:  # HTTP 200 with a body cut short: the SDK's JSON parse fails
            raise UnusableAnswer(
                f"the judge server's answer is not valid JSON ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0][:80]}); was it cut short?"
            ) from None
        if not isinstance(completion, ChatCompletion):  # e.g. an HTML page from a website
            raise UnusableAnswer(
                "the judge server did not answer with a chat completion but "
                f"{str(completion)[:60]!r}; is the base URL an OpenAI-compatible API?"
            )
        message = completion.choices[0].message if completion.choices else None
        if message is not None and message.refusal:
            raise UnusableAnswer(f"the judge model refused: {message.refusal}")
        if completion.usage is not None:
            spent = Usage(
                completion.usage.prompt_tokens,
                completion.usage.completion_tokens,
                self.settings.cost_usd(
                    completion.usage.prompt_tokens, completion.usage.completion_tokens
                ),
            )
            usage.add(spent)
        return (message.content if message is not None else None), key

    async def judge(
        self, rubric: Rubric, session: SessionData, context: str = ""
    ) -> tuple[Verdict, Usage]:
        usage = Usage()
        messages: list[dict[str, Any]] = list(render_messages(rubric, session, context))
        if rubric.hears_audio:
            try:
                clips = await asyncio.to_thread(turn_clips, session, list(rubric.listen_to))
            except AudioUnavailable as exc:
                return Verdict.error(rubric.name, "rubric", str(exc)), usage
            messages = with_audio(messages, clips)
        schema = response_format(rubric)
        per_sample: list[dict[str, CriterionSample]] = []
        problems: list[str] = []
        for sample in range(self.settings.samples):
            try:
                content, key = await self._ask(messages, schema, sample, usage)
            except openai.APIError as exc:
                logger.warning("judge %s: model call failed: %s", rubric.name, exc)
                return Verdict.error(rubric.name, "rubric", _api_failure(exc)), usage
            except UnusableAnswer as exc:
                logger.warning("judge %s: %s", rubric.name, exc)
                return Verdict.error(rubric.name, "rubric", str(exc)), usage
            parsed, problem = _parse_answer(content, rubric)
            if problem is None:
                self.cache.put(key, {"content": content})
            else:
                problems.append(problem)
            per_sample.append(parsed)
        if not any(per_sample):
            return Verdict.error(rubric.name, "rubric", f"unusable answer: {problems[0]}"), usage
        results = [
            _aggregate(c, [answer.get(c.name) for answer in per_sample], session)
            for c in rubric.criteria
        ]
        weights = sum(c.weight for c in rubric.criteria)
        score = round(
            sum(
                c.weight * (r.score or 0.0) / r.max_score
                for c, r in zip(rubric.criteria, results, strict=True)
            )
            / weights,
            4,
        )
        reason = _reason(results, rubric)
        if problems:
            reason += f" (answer problems: {problems[0]})"
        status = _status(results)
        if status == "error":
            reason = f"the judge did not decide every criterion: {reason}"
        return Verdict(rubric.name, "rubric", status, score, reason, tuple(results)), usage


def _status(results: list[CriterionResult]) -> Status:
    """failed when a decided criterion failed; error when one was left undecided; else passed."""
    if any(not result.passed and result.score is not None for result in results):
        return "failed"
    if any(result.score is None for result in results):
        return "error"
    return "passed"


def _api_failure(exc: openai.APIError) -> str:
    if isinstance(exc, openai.APITimeoutError):
        return "the judge model timed out (after retries)"
    if isinstance(exc, openai.APIStatusError):
        return f"the judge model answered HTTP {exc.status_code} (after retries): {exc.message}"
    return f"the judge model could not be reached: {exc}"
