"""Planning with any OpenAI-compatible endpoint, through the ``openai`` SDK.

Tool calling with a strict pydantic schema first; where the server has no tool support, plain JSON with
validation. A malformed answer gets one corrective retry. An endpoint that is down, slow, or answers
garbage twice hands the request to the offline planner, and the storyboard says so in its notes: the
person always gets a plan and nothing already made is lost.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Literal

import openai
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.free_text_planner import FreeTextPlanner
from agent.grounding import one_line, own_choices, plan_problems
from agent.offline_planner import OfflinePlanner
from agent.reader import RequestReading, read_request
from agent.storyboard import Shot, Storyboard, chain_mode, continues
from engine.backends.base import Capabilities
from engine.world.captions import canonical_caption
from prompts import load_prompt

Colour = Literal["red", "orange", "yellow", "green", "blue", "purple", "white", "black"]
ShapeWord = Literal["ball", "cube", "triangle", "ring"]
Scene = Literal["meadow", "beach", "desert", "snowfield", "night"]
Motion = Literal["still", "moves left", "moves right", "rises", "falls", "bounces", "grows", "shrinks"]
Camera = Literal["static", "pan left", "pan right", "zoom in", "zoom out"]


class LLMSettings(BaseModel):
    base_url: str | None = Field(default_factory=lambda: os.environ.get("OPENAI_BASE_URL"))
    api_key: str = Field(default_factory=lambda: os.environ.get("OPENAI_API_KEY", "not-needed"))
    model: str = Field(default_factory=lambda: os.environ.get("REELWRIGHT_MODEL", "gpt-4o-mini"))
    timeout: float = 30.0
    max_tokens: int = 2048  # an answer longer than a 24-shot storyboard is cut (a weak model may never stop)

    @property
    def configured(self) -> bool:
        return bool(self.base_url)


class ShotDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shape: ShapeWord
    colour: Colour
    scene: Scene
    motion: Motion
    camera: Camera
    duration: float = Field(description="seconds, 0.5 to 8")
    continues_previous: bool
    transition: Literal["cut", "crossfade", "fade"]


class StoryboardDraft(BaseModel):
    """A storyboard in the built-in model's vocabulary."""

    model_config = ConfigDict(extra="forbid")
    title: str
    shots: list[ShotDraft]
    notes: list[str]


class FreeShotDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prompt: str = Field(description="subject, action, setting, camera and light, in one or two sentences")
    subject: str = Field(description="who or what the shot follows, described fully; the same words in every shot")
    setting: str = Field(description="where it happens; the same words in every shot in that place")
    duration: float = Field(description="seconds")
    continues_previous: bool
    transition: Literal["cut", "crossfade", "fade"]


class FreeStoryboardDraft(BaseModel):
    """A storyboard of free-text shot prompts."""

    model_config = ConfigDict(extra="forbid")
    title: str
    shots: list[FreeShotDraft]
    notes: list[str]


class LLMError(RuntimeError):
    pass


def draft_to_storyboard(draft: StoryboardDraft, request: str) -> Storyboard:
    if not draft.shots:
        raise ValueError("the storyboard has no shots")
    board = Storyboard(title=draft.title or "Untitled film", notes=list(draft.notes))
    for i, d in enumerate(draft.shots):
        subject = board.ledger.add(d.shape, d.colour)
        attrs = {"shape": d.shape, "colour": d.colour, "scene": d.scene, "motion": d.motion, "camera": d.camera}
        chained = d.continues_previous and i > 0
        board.shots.append(Shot(id=f"s{i + 1}", prompt=canonical_caption(attrs), subject=subject.id, **attrs,
                                duration=min(8.0, max(0.5, d.duration)), mode="i2v" if chained else "t2v",
                                source="previous" if chained else None, seed=_seed(request, i),
                                transition=d.transition))
    return board


def free_draft_to_storyboard(draft: FreeStoryboardDraft, request: str, caps: Capabilities) -> Storyboard:
    if not draft.shots:
        raise ValueError("the storyboard has no shots")
    board = Storyboard(title=draft.title or "Untitled film", notes=list(draft.notes))
    chain = chain_mode(caps)
    for i, d in enumerate(draft.shots):
        subject = board.ledger.add(description=d.subject.strip()) if d.subject.strip() else None
        shot = Shot(id=f"s{i + 1}", prompt=d.prompt.strip() or d.subject, subject=subject.id if subject else None,
                    setting=d.setting.strip() or None, duration=min(caps.longest_seconds, 8.0, max(0.5, d.duration)),
                    seed=_seed(request, i), transition=d.transition)
        if d.continues_previous and chain and continues(board.shots[-1] if board.shots else None, shot):
            shot.source, shot.mode = "previous", chain
        board.shots.append(shot)
    return board


class LLMPlanner:
    """Plans through an OpenAI-compatible endpoint; falls back to the offline planner when it must.

    For the built-in model it asks for shots in the world's vocabulary; for a free-text engine
    (``capabilities.free_text``) for a cinematic prompt per shot."""

    def __init__(self, settings: LLMSettings | None = None, fallback: OfflinePlanner | None = None,
                 capabilities: Capabilities | None = None):
        self.settings = settings or LLMSettings()
        self.capabilities = capabilities
        self.free_text = bool(capabilities and capabilities.free_text)
        self.fallback = fallback or offline_planner_for(capabilities)
        self.client = openai.OpenAI(base_url=self.settings.base_url, api_key=self.settings.api_key,
                                    timeout=self.settings.timeout, max_retries=0)
        self.last_error: str | None = None
        self.last_outcome = ""  # "accepted", "accepted after a retry" or "fell back": for benchmarks and logs

    # The edit and clause helpers are the offline planner's: edits are read locally either way.
    def read_clause(self, text: str):
        return self.fallback.read_clause(text)

    def _resolve_subject(self, *args, **kwargs):
        return self.fallback._resolve_subject(*args, **kwargs)

    def plan(self, request: str) -> Storyboard:
        """The model's plan, checked against the reader's reading of the request (``agent.grounding``); the
        offline plan, with a one-line note saying why, when the model fails twice."""
        reference = self.fallback.plan(request)  # a request the reader refuses is refused, whatever the model
        try:
            return self._plan_remote(request, read_request(request), reference)
        except LLMError as exc:
            self.last_error, self.last_outcome = str(exc), "fell back"
            reference.notes.insert(0, f"The language model at {self.settings.base_url} {exc}; the offline planner "
                                      f"made this plan instead.")
            return reference

    def _plan_remote(self, request: str, reading: RequestReading, reference: Storyboard) -> Storyboard:
        if self.free_text:
            caps = self.capabilities
            system = load_prompt("planner_free").format(engine=caps.name, seconds=min(8.0, caps.longest_seconds))
            schema_model = FreeStoryboardDraft
        else:
            system, schema_model = load_prompt("planner"), StoryboardDraft
        messages = [{"role": "system", "content": system}, {"role": "user", "content": request}]
        tool = openai.pydantic_function_tool(schema_model, name="submit_storyboard", description=schema_model.__doc__)
        use_tools = True
        failure = ""  # why the last answer was not taken
        for attempt in range(2):
            try:
                message = None
                if use_tools:
                    reply = self.client.chat.completions.create(
                        model=self.settings.model, messages=messages, tools=[tool], max_tokens=self.settings.max_tokens,
                        tool_choice={"type": "function", "function": {"name": "submit_storyboard"}})
                    message = _message_of(reply)
                    calls = message.tool_calls or []
                    if not calls:
                        raise ValueError("the answer did not call submit_storyboard")
                    raw = calls[0].function.arguments
                else:
                    reply = self.client.chat.completions.create(model=self.settings.model, messages=messages,
                                                                max_tokens=self.settings.max_tokens)
                    message = _message_of(reply)
                    raw = _json_part(message.content or "")
                draft = schema_model.model_validate(json.loads(raw))
                board = (free_draft_to_storyboard(draft, request, self.capabilities) if self.free_text
                         else draft_to_storyboard(draft, request))
                problems = plan_problems(board, request, reading, reference, self.capabilities)
                if not problems:
                    self.last_outcome = "accepted" if attempt == 0 else "accepted after a retry"
                    choices = own_choices(board, reading, reference)
                    if choices:
                        board.notes.insert(0, choices)
                    return board
                failure = f"a plan that does not match the request ({one_line(problems)})"
                messages = [*messages, {"role": "assistant", "content": str(raw)[:2000]},
                            {"role": "user", "content": load_prompt("planner_check").format(problems=one_line(
                                problems, most=len(problems)))}]
            except openai.BadRequestError as exc:
                if use_tools and attempt == 0:
                    # No tool support on this server: ask for plain JSON against the same schema.
                    use_tools = False
                    schema = json.dumps(schema_model.model_json_schema())
                    messages = [*messages[:1], {"role": "system",
                                                "content": load_prompt("planner_json").format(schema=schema)},
                                *messages[1:]]
                    continue
                raise LLMError(f"refused the request ({_short(exc)})") from None
            except openai.APITimeoutError:
                raise LLMError(f"did not answer within {self.settings.timeout:g} s") from None
            except openai.APIConnectionError:
                raise LLMError("could not be reached") from None
            except openai.APIStatusError as exc:
                raise LLMError(f"answered with an error ({exc.status_code})") from None
            except openai.APIError as exc:  # a body that is not a completion (HTML, other JSON), or any other fault
                raise LLMError(f"answered with something that is not a chat completion ({_short(exc)})") from None
            except (json.JSONDecodeError, ValidationError, ValueError, IndexError, AttributeError) as exc:
                error = _short(exc)
                failure = f"an unusable storyboard ({error})"
                messages = [*messages, {"role": "assistant", "content": str(getattr(message, "content", "") or "")},
                            {"role": "user", "content": load_prompt("planner_retry").format(error=error)}]
        raise LLMError(f"answered twice with {failure}")


def _seed(request: str, index: int) -> int:
    """Stable across processes (unlike hash()), so the same request always renders the same takes."""
    return int(hashlib.sha256(f"{request}|{index}".encode()).hexdigest()[:8], 16) % 100_000


def _message_of(reply):
    """The reply's first message, or LLMError when the endpoint answered with something else (an HTML page,
    JSON of another shape, an empty body): that is the endpoint's fault, not the storyboard's."""
    from openai.types.chat import ChatCompletion

    try:
        if isinstance(reply, ChatCompletion) and reply.choices and reply.choices[0].message is not None:
            return reply.choices[0].message
    except (AttributeError, IndexError, TypeError):
        pass
    kind = type(reply).__name__ if not isinstance(reply, str) else "text"
    raise LLMError(f"answered with something that is not a chat completion ({kind})")


def _json_part(text: str) -> str:
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        raise ValueError("the answer holds no JSON object")
    return text[start:end + 1]


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:160]


def make_planner(settings: LLMSettings | None = None, capabilities: Capabilities | None = None):
    """The LLM planner when an endpoint is configured, else the offline planner for the engine: the world
    vocabulary's for the built-in model, the free-text one for a real model."""
    settings = settings or LLMSettings()
    if settings.configured:
        return LLMPlanner(settings, capabilities=capabilities)
    return offline_planner_for(capabilities)


def offline_planner_for(capabilities: Capabilities | None = None):
    """The planner that needs no model: the world vocabulary's, or the free-text one for a real model."""
    return FreeTextPlanner(capabilities) if capabilities and capabilities.free_text else OfflinePlanner()
