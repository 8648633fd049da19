"""The offline planner: English requests to storyboards, with no language model and no server.

The reader (``agent.reader``) says what each step of a request names; the planner decides the film: who is
on screen (a pronoun or "the ball" is a subject already in the ledger, a colour alone recolours it), where
(the place carries over until it changes; one said only later is where the film starts too), the defaults
for what the request leaves open, the number and length of the shots. A verb the reader has no entry for
is compared with the motions through the sentence encoder, and anything the built-in model cannot draw is
said plainly in the storyboard's notes, with what it draws instead.
"""

from __future__ import annotations

import hashlib
import re

from agent import lexicon, reader
from agent.reader import StepReading, SubjectWords, allowed_value, read_request, read_step, scene_phrase
from agent.storyboard import Shot, Storyboard, default_transition
from engine.world.captions import canonical_caption

ENCODER_THRESHOLD = 0.6  # cosine similarity a stray word needs to count as a vocabulary word
ENCODER_MARGIN = 0.05  # ... and its lead over the next value (antonyms sit close in embedding space)


class PlannerError(ValueError):
    """A request the planner cannot turn into a film; the message says how to ask."""


class OfflinePlanner:
    """Turns a request into a Storyboard. Needs no model; uses the sentence encoder for unknown words."""

    def __init__(self, use_encoder: bool = True):
        self.use_encoder = use_encoder
        self._encoder = None
        self._prototypes = None

    # -- unknown words through the sentence encoder ------------------------------------------------
    def _embed(self, words: list[str]):
        if self._encoder is None:
            from engine.text import TextEncoder

            self._encoder = TextEncoder()
            # Every verb of every motion is a prototype; a word is scored against a motion by its best verb.
            tables = {"motion": {v: [*lemmas, *lexicon.TRAVEL_VERBS.get(v, [])]
                                 for v, lemmas in lexicon.MOTION_VERBS.items()}}
            labels = [(axis, value) for axis, table in tables.items() for value, phrases in table.items()
                      for _ in phrases]
            texts = [f"it {phrase}" if axis == "motion" else phrase for axis, table in tables.items()
                     for phrases in table.values() for phrase in phrases]
            self._prototypes = (labels, self._encoder.embed(texts))
        return self._encoder.embed(words)

    def load(self) -> None:
        """Load the sentence encoder and its prototypes, and build the reader's tables, now (else on the first
        request and the first unknown verb)."""
        reader.warm()
        read_step("a red ball bounces")
        if self.use_encoder:
            self._embed(["load"])

    def _guess(self, word: str, axes: set[str]) -> tuple[str, str, float] | None:
        vec = self._embed([f"it {word}"])[0]
        labels, protos = self._prototypes
        best: dict[tuple[str, str], float] = {}
        for sim, label in zip((protos @ vec).tolist(), labels):
            if label[0] in axes:
                best[label] = max(best.get(label, -1.0), sim)
        ranked = sorted(((s, lab) for lab, s in best.items()), reverse=True)
        if not ranked:
            return None
        score, (axis, value) = ranked[0]
        runner_up = ranked[1][0] if len(ranked) > 1 else -1.0
        if score >= ENCODER_THRESHOLD and score - runner_up >= ENCODER_MARGIN:
            return axis, value, score
        return None

    # -- one clause ---------------------------------------------------------------------------------
    def read_clause(self, text: str) -> StepReading:
        """One step, through the reader; an unknown verb is compared with the motions through the encoder."""
        return self._guess_motion(read_step(text))

    def _guess_motion(self, step: StepReading) -> StepReading:
        """A verb the reader has no entry for, said of a subject named in the step ("a cube careens")."""
        if self.use_encoder and step.motion is None and "motion" not in step.negated and not step.place_only \
                and any(x.shape for x in step.subjects):
            for word in reader.unknown_words(step.text):
                guess = self._guess(word, {"motion"})
                if guess:
                    step.motion = guess[1]
                    break
        return step

    # -- a whole request ----------------------------------------------------------------------------
    def plan(self, request: str, title: str | None = None) -> Storyboard:
        if not request or not request.strip():
            raise PlannerError("the request is empty: describe the film, e.g. 'a red ball bounces on the beach, "
                               "then it rolls to the right'")
        reading = read_request(request, guess=self._guess_motion)
        if reading.not_english:
            raise PlannerError(reader.NOT_ENGLISH)
        steps = reading.steps
        if not steps:
            raise PlannerError(f"I found nothing to film in {request.strip()[:60]!r}: name a subject, a place and "
                               f"what happens, e.g. 'a blue cube falls in the snow'")
        if all(s.place_only for s in steps):
            steps[-1].place_only = False  # only a place: film the default subject there
        while len(steps) > 1 and steps[-1].place_only:  # "... then go up again? in the desert at night maybe"
            last = steps.pop()
            for step in steps:
                step.scene = step.scene or last.scene
        _said_for_all(steps)
        steps = [s for s in steps if not s.said_of_all]
        board = Storyboard(title=title or _title(request))
        seed_base = int(hashlib.sha256(request.encode()).hexdigest()[:8], 16) % 100_000
        current = None  # the subject on screen
        scene = None
        night = False  # a line of its own set the time to night ("EXT. DESERT - NIGHT"): it holds until changed
        transition = None  # said on a line of its own ("DISSOLVE TO:"), for the next shot
        for i, step in enumerate(steps):
            for note in step.notes:
                if note not in board.notes:
                    board.notes.append(note)
            if step.place_only:
                scene, night = step.scene, step.scene == "night"
                transition = step.transition or transition
                continue
            if current is None and not step.subjects and any(x.shape for s in steps[i + 1:] for x in s.subjects):
                scene = step.scene or scene  # an action before anyone is on screen is talk ("here goes")
                continue
            for words in step.subjects or [SubjectWords()]:
                subject = self._resolve_subject(board, current, {"shape": words.shape, "colour": words.colour},
                                                step.refers_back, step.negated)
                shot_scene = "night" if night else step.scene or scene
                if scene in step.scene_fits:  # "EXT. BEACH ... it rests on the sand": still the beach
                    shot_scene = scene
                if shot_scene is None:  # a place said only later, of a shot, is where the film starts too
                    shot_scene = next((s.scene for s in steps[i + 1:] if s.scene and not s.place_only), None)
                if shot_scene is None or shot_scene in step.negated.get("scene", ()):
                    shot_scene = allowed_value("scene", step.negated.get("scene", set()))
                    if not any(s.scene for s in steps):
                        note = f"No place was named; the film is set {scene_phrase(shot_scene)}."
                        if note not in board.notes:
                            board.notes.append(note)
                motion = step.motion
                if motion is None and step.opposite and board.shots:
                    motion = lexicon.OPPOSITE_MOTION.get(board.shots[-1].motion, "moves left")
                motion = motion or allowed_value("motion", step.negated.get("motion", set()))
                attrs = {"shape": subject.shape, "colour": subject.colour, "scene": shot_scene, "motion": motion,
                         "camera": step.camera or "static"}
                self._add_shot(board, attrs, subject, seed_base, step.duration, step.transition or transition)
                transition = None
                current, scene = subject, shot_scene
        if not board.shots:
            raise PlannerError("I could not tell who or what the film is about: name a subject, e.g. 'a red ball'")
        self._keep_count(board, reading, seed_base)
        _numbered_cameras(board, reading.camera_of_shot)
        self._lengths(board, reading, steps)
        if title is None and _taken_back(request, board.shots[0]):
            caption = canonical_caption(board.shots[0].attributes)
            board.title = re.sub(r"^a (?=[aeiou])", "an ", caption).capitalize()
        return board

    @staticmethod
    def _add_shot(board: Storyboard, attrs: dict, subject, seed_base: int, duration: float | None,
                  transition: str | None) -> Shot:
        previous = board.shots[-1] if board.shots else None
        chained = previous is not None and previous.subject == subject.id and previous.scene == attrs["scene"]
        shot = Shot(id=board.next_id(), prompt=canonical_caption(attrs), subject=subject.id, **attrs,
                    duration=min(8.0, max(0.5, duration or 2.0)), mode="i2v" if chained else "t2v",
                    source="previous" if chained else None, seed=seed_base + len(board.shots))
        shot.transition = transition or default_transition(previous, shot)
        board.shots.append(shot)
        if previous is not None:
            board.ledger.changes.append(_describe_change(previous, shot))
        return shot

    def _keep_count(self, board: Storyboard, reading, seed_base: int) -> None:
        """A stated number of shots is kept: the last shot is shown again until there are that many."""
        want = reading.shot_count
        if want is None or want == len(board.shots):
            return
        if want > len(board.shots):
            last = board.shots[-1]
            subject = board.ledger.subjects[last.subject]
            while len(board.shots) < want:
                self._add_shot(board, last.attributes, subject, seed_base, last.duration, None)
        else:
            board.notes.append(f"The request asks for {want} shots but describes {len(board.shots)}; the film has "
                               f"all {len(board.shots)}.")

    @staticmethod
    def _lengths(board: Storyboard, reading, steps) -> None:
        """Lengths said for the whole film: one for each shot in order, each shot's, or the film's split evenly
        over its shots."""
        own = {i for i, s in enumerate(board.shots) if s.duration != 2.0}
        listed = reading.seconds_in_order
        if listed is not None and len(listed) == len(board.shots):
            for shot, seconds in zip(board.shots, listed):
                shot.duration = min(8.0, max(0.5, seconds))
        elif reading.each_seconds is not None:
            for i, shot in enumerate(board.shots):
                if i not in own:
                    shot.duration = min(8.0, max(0.5, reading.each_seconds))
        elif reading.total_seconds is not None:
            left = reading.total_seconds - sum(board.shots[i].duration for i in own)
            free = [s for i, s in enumerate(board.shots) if i not in own]
            for shot in free:
                shot.duration = min(8.0, max(0.5, round(left / len(free), 2)))

    def _resolve_subject(self, board: Storyboard, current, found: dict, refers_back: bool,
                         negated: dict[str, set[str]] | None = None):
        negated = negated or {}
        shape, colour = found.get("shape"), found.get("colour")
        refused_colour, refused_shape = negated.get("colour", set()), negated.get("shape", set())
        subjects = list(board.ledger.subjects.values())
        if shape and colour:
            return board.ledger.add(shape, colour)
        if shape:
            if current is not None and current.shape == shape and current.colour not in refused_colour:
                return current
            same = [s for s in subjects if s.shape == shape and s.colour not in refused_colour]
            if same and refers_back:
                return same[-1]
            if current is not None and refers_back and current.colour not in refused_colour:
                colour = current.colour
            else:
                colour = allowed_value("colour", refused_colour)
            if not refers_back and current is None and not refused_colour:
                board.notes.append(f"No colour was given for the {shape}; it is {colour}.")
            return board.ledger.add(shape, colour)
        if colour:
            if current is not None and current.shape not in refused_shape:
                base = current.shape
            else:
                base = allowed_value("shape", refused_shape)
            return board.ledger.add(base, colour)
        if current is not None and current.colour not in refused_colour and current.shape not in refused_shape:
            return current
        if current is not None:
            return board.ledger.add(current.shape if current.shape not in refused_shape else
                                    allowed_value("shape", refused_shape),
                                    current.colour if current.colour not in refused_colour else
                                    allowed_value("colour", refused_colour))
        shape, colour = allowed_value("shape", refused_shape), allowed_value("colour", refused_colour)
        if not negated:
            board.notes.append(f"No subject was named; the film follows a {colour} {shape}.")
        return board.ledger.add(shape, colour)


def read_shot_prompts(board: Storyboard) -> None:
    """Give a storyboard's shots the world attributes their prompts say where the file leaves them out, the
    way a request is read: "it" is the shot before's subject, the place carries on, the rest is the default
    (and said in the storyboard's notes). A prompt about things outside the world is left alone, so the file
    is refused as one for a real model rather than drawn as shapes."""
    previous = None
    for i, shot in enumerate(board.shots, 1):
        if not shot.missing_world_attributes:
            previous = shot
            continue
        step = read_step(shot.prompt)
        found = step.found
        outside = step.scene_outside or any(x.outside or x.colour_outside for x in step.subjects)
        if outside or not ({"shape", "colour", "scene"} & set(found) or (step.refers_back and previous)):
            continue  # a prompt written for a real model ("a fishing boat leaves the harbour"): refused, not redrawn
        for axis, values in step.negated.items():
            found.setdefault(axis, allowed_value(axis, values))
        carry = previous is not None and (step.refers_back or "shape" not in found)
        for axis in ("shape", "colour"):
            if getattr(shot, axis) is None:
                value = found.get(axis) or (getattr(previous, axis) if carry else None) or allowed_value(axis, set())
                if axis not in found and not carry:
                    board.notes.append(f"Shot {i}'s prompt names no {axis}; it is {value}.")
                setattr(shot, axis, value)
        if shot.scene is None:
            shot.scene = found.get("scene") or (previous.scene if previous else None) or allowed_value("scene", set())
        shot.motion = shot.motion or found.get("motion")
        shot.camera = shot.camera or found.get("camera")
        shot.subject = board.ledger.add(shot.shape, shot.colour).id
        board.notes += [n for n in step.notes if n not in board.notes]
        previous = shot


def _numbered_cameras(board: Storyboard, cameras: dict[int, str]) -> None:
    """A camera move said of one shot by its number is that shot's; the shots it was not said of do not move
    the camera with it ("a ball bouncing, in two shots, with the camera panning left in the second one")."""
    said = {i % len(board.shots): move for i, move in cameras.items() if -len(board.shots) <= i < len(board.shots)}
    if not said:
        return
    for i, shot in enumerate(board.shots):
        if i in said:
            shot.camera = said[i]
        elif shot.camera in said.values():
            shot.camera = "static"
        shot.prompt = canonical_caption(shot.attributes)
    board.ledger.changes = [_describe_change(a, b) for a, b in zip(board.shots, board.shots[1:])]


def _said_for_all(steps: list[StepReading]) -> None:
    """What a step says of every shot ("all in the snow", "the camera stays put the whole time", "both
    purple") is given to the shots that do not say otherwise."""
    for source in [s for s in steps if s.for_all]:
        colour = next((x.colour for x in source.subjects if x.colour), None) if source.motion is None else None
        for step in steps:
            if step is source or step.place_only:
                continue
            step.scene = step.scene or source.scene
            step.motion = step.motion or source.motion
            step.camera = step.camera or source.camera or (reader.following_pan(step.motion) if source.follows
                                                           else None)  # "both shots with a pan that follows"
            shapes = {x.shape for x in source.subjects if x.shape}
            if colour:
                step.subjects = [x if x.colour or (shapes and x.shape not in shapes) else
                                 SubjectWords(x.shape, colour, x.outside) for x in step.subjects]


def _title(request: str) -> str:
    """The request's first words about someone ("Night falls. A ring rises" is titled "A ring rises")."""
    words = re.sub(r"\s*,(?:\s*,)+", ",", _titled_step(request)).strip(" ,").split()  # no asides' leftover commas
    return " ".join(words[:8]).capitalize() + ("…" if len(words) > 8 else "")


def _titled_step(request: str) -> str:
    steps = reader.split_steps(request)
    return next((t for t in steps if read_step(t).subjects), steps[0] if steps else request)


def _taken_back(request: str, shot: Shot) -> bool:
    """Did the request take back what the words a title is made from say ("A red ball bounces. Actually make it
    blue.", "a blue ball, no wait, make it green")?"""
    if not reader.takes_back(request):
        return False
    said = read_step(_titled_step(request)).found
    return any(said.get(axis) not in (None, getattr(shot, axis)) for axis in ("colour", "shape", "motion"))


def _describe_change(previous: Shot, shot: Shot) -> str:
    axes = ("shape", "colour", "scene", "motion", "camera")
    diffs = [f"{axis} {getattr(previous, axis)} → {getattr(shot, axis)}"
             for axis in axes if getattr(previous, axis) != getattr(shot, axis)]
    how = "continues from the previous shot's last frame" if shot.mode == "i2v" else "starts fresh"
    return f"{shot.id}: {', '.join(diffs) or 'same as before'}; {how}"
