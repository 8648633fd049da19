"""The offline planner: English requests to storyboards, with no language model and no server.

It reads a request the way a script supervisor would: sentences, then clauses joined by "then", "after
that", "finally"; in each clause the subject (shape and colour), the place, what happens and the camera;
pronouns and "the ball" refer back to a subject already on screen; the place carries over until it
changes. Words it does not know are compared with the vocabulary through the sentence encoder, and
anything the built-in model cannot draw is said plainly, with what it will draw instead.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from agent import lexicon
from agent.storyboard import Shot, Storyboard, default_transition
from engine.world.captions import canonical_caption

STOPWORDS = {"a", "an", "the", "and", "of", "in", "on", "at", "to", "by", "with", "into", "onto", "over", "under",
             "up", "down", "as", "while", "is", "are", "was", "be", "its", "it", "then", "there", "some", "very",
             "slowly", "quickly", "gently", "now", "again", "for", "from", "across", "around", "through", "just",
             "make", "film", "video", "shot", "scene", "show", "me", "please", "want", "i", "we", "you", "let",
             "camera", "where", "when", "after", "before", "that", "this", "one", "first", "second", "finally",
             "next", "later", "little", "big", "small", "large", "tiny", "huge", "seconds", "long"}
ENCODER_THRESHOLD = 0.6  # cosine similarity a stray word needs to count as a vocabulary word
ENCODER_MARGIN = 0.05  # ... and its lead over the next value (antonyms sit close in embedding space)
DEFAULTS = {"shape": "ball", "colour": "red", "scene": "meadow"}


class PlannerError(ValueError):
    """A request the planner cannot turn into a film; the message says how to ask."""


@dataclass
class Clause:
    text: str
    found: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    refers_back: bool = False  # a pronoun or "the <shape>"
    transition: str | None = None
    duration: float | None = None
    recognised: bool = False


def _norm(text: str) -> str:
    text = text.lower().replace("’", "'").replace("-", " ")
    text = re.sub(r"\bpan(s|ning)? (over )?to the (left|right)\b", r"pans \3", text)
    text = re.sub(r"\bzoom(s|ing)? (in|out) on\b", r"zooms \2", text)
    return " " + " ".join(re.findall(r"[a-z0-9']+", text)) + " "


def two_colours(text: str) -> tuple[str, str, str] | None:
    """'a red blue ball', 'a red or blue cube': two colours for one subject, (first, second, noun); None if not."""
    colours = {p: v for v, phrases in lexicon.COLOURS.items() for p in phrases if " " not in p}
    words = _norm(text).split()
    for i in range(len(words) - 2):
        j = i + 2 if words[i + 1] in ("and", "or") else i + 1
        if j + 1 >= len(words):
            continue
        first, second = colours.get(words[i]), colours.get(words[j])
        if first and second and first != second and words[j + 1] not in colours:
            return first, second, words[j + 1]
    return None


def contradiction_note(text: str, chosen: str | None) -> str | None:
    """A sentence for the person when ``text`` gives one subject two colours, naming the one drawn."""
    pair = two_colours(text)
    if pair is None:
        return None
    first, second, noun = pair
    return (f"'{first} {second} {noun}' names two colours for one {noun}; it is drawn {chosen or first}: "
            f"say one colour to choose")


def split_clauses(request: str) -> list[str]:
    """Sentences, then the steps inside them ("... then ...", "after that ...", "finally ...")."""
    sentences = [s for s in re.split(r"[.!?;\n]+", request) if s.strip()]
    pattern = r"\b(?:" + "|".join(re.escape(w) for w in lexicon.SEQUENCE_WORDS) + r")\b"
    clauses = []
    for sentence in sentences:
        for part in re.split(pattern, sentence, flags=re.I):
            part = part.strip(" ,")
            if re.sub(r"\W", "", part):
                clauses.append(part)
    return clauses


def _match(norm: str, table: dict[str, list[str]]) -> tuple[str, str] | None:
    """The vocabulary word whose phrase occurs in ``norm``; the longest phrase wins, then the earliest."""
    best = None
    for word, phrases in table.items():
        for phrase in phrases:
            pos = norm.find(f" {phrase} ")
            if pos >= 0 and (best is None or (len(phrase), -pos) > (len(best[1]), -best[2])):
                best = (word, phrase, pos)
    return None if best is None else (best[0], best[1])


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
            # Every phrase of every value is a prototype; a word is scored against a value by its best phrase.
            labels = [(axis, value) for axis in ("motion", "colour", "shape")
                      for value, phrases in lexicon.AXIS_TABLES[axis].items() for _ in phrases]
            texts = [f"it {phrase}" if axis == "motion" else phrase
                     for axis in ("motion", "colour", "shape")
                     for phrases in lexicon.AXIS_TABLES[axis].values() for phrase in phrases]
            self._prototypes = (labels, self._encoder.embed(texts))
        return self._encoder.embed(words)

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
    def read_clause(self, text: str) -> Clause:
        clause = Clause(text=text)
        norm = _norm(text)
        camera = _match(norm, lexicon.CAMERAS)
        if camera:
            clause.found["camera"] = camera[0]
            norm = norm.replace(f" {camera[1]} ", " ")  # "camera moves left" is not the subject moving
        for axis in ("colour", "shape", "scene", "motion"):
            hit = _match(norm, lexicon.AXIS_TABLES[axis])
            if hit:
                clause.found[axis] = hit[0]
        words = norm.split()
        if "crossfade" in words or "dissolve" in words or "cross fade" in norm:
            clause.transition = "crossfade"
        elif "fade" in words or "fades" in words:
            clause.transition = "fade"
        seconds = re.search(r" (\d+(?:\.\d+)?) (?:seconds?|secs?|s) ", norm)
        if seconds:
            clause.duration = min(8.0, max(0.5, float(seconds.group(1))))
        clause.refers_back = bool(lexicon.PRONOUNS & set(words)) or any(
            f" the {p} " in norm for phrases in lexicon.SHAPES.values() for p in phrases)

        known = {p for table in lexicon.AXIS_TABLES.values() for phrases in table.values() for p in phrases}
        leftovers = [w for w in words if w not in STOPWORDS and w not in known and w not in lexicon.PRONOUNS
                     and not w.isdigit()]
        self._outside_vocabulary(clause, leftovers)
        note = contradiction_note(text, clause.found.get("colour"))
        if note:
            clause.notes.append(note[:1].upper() + note[1:] + ".")
        clause.recognised = bool(clause.found) or bool(clause.notes)
        return clause

    def _outside_vocabulary(self, clause: Clause, leftovers: list[str]) -> None:
        nouns = lexicon.UNKNOWN_SUBJECT_HINTS | set(lexicon.NEAREST_SUBJECT)
        for w in leftovers:
            stem = w[:-1] if w.endswith("s") and w[:-1] in nouns else w
            if "shape" not in clause.found and stem in nouns:
                shape = lexicon.NEAREST_SUBJECT.get(stem, DEFAULTS["shape"])
                clause.found["shape"] = shape
                clause.notes.append(f"The built-in model can't draw a {stem}; it draws a {shape} instead.")
            elif "colour" not in clause.found and w in lexicon.NEAREST_COLOUR:
                clause.found["colour"] = lexicon.NEAREST_COLOUR[w]
                clause.notes.append(f"{w.capitalize()} isn't one of the model's colours; it uses "
                                    f"{lexicon.NEAREST_COLOUR[w]} instead.")
            elif "scene" not in clause.found and w in lexicon.NEAREST_SCENE:
                clause.found["scene"] = lexicon.NEAREST_SCENE[w]
                clause.notes.append(f"The model has no {w}; the shot is set {_scene_phrase(lexicon.NEAREST_SCENE[w])}.")
            elif "motion" not in clause.found and w in lexicon.NEAREST_MOTION:
                clause.found["motion"] = lexicon.NEAREST_MOTION[w]
                clause.notes.append(f"The model can't show something that {w}; it {lexicon.NEAREST_MOTION[w]} "
                                    f"instead.")
            elif self.use_encoder and len(w) > 3:
                missing = {"motion", "colour", "shape"} - set(clause.found)
                guess = self._guess(w, missing) if missing else None
                if guess:
                    clause.found[guess[0]] = guess[1]

    # -- a whole request ----------------------------------------------------------------------------
    def plan(self, request: str, title: str | None = None) -> Storyboard:
        if not request or not request.strip():
            raise PlannerError("the request is empty: describe the film, e.g. 'a red ball bounces on the beach, "
                               "then it rolls to the right'")
        clauses = [self.read_clause(c) for c in split_clauses(request)]
        clauses = [c for c in clauses if c.recognised]
        if not clauses:
            raise PlannerError(f"I found nothing to film in {request.strip()[:60]!r}: name a subject, a place and "
                               f"what happens, e.g. 'a blue cube falls in the snow'")
        board = Storyboard(title=title or _title(request))
        seed_base = int(hashlib.sha256(request.encode()).hexdigest()[:8], 16) % 100_000
        current = None  # the subject on screen
        scene = None
        for i, clause in enumerate(clauses):
            for note in clause.notes:
                if note not in board.notes:
                    board.notes.append(note)
            f = clause.found
            subject = self._resolve_subject(board, current, f, clause.refers_back)
            if subject is None:
                continue
            shot_scene = f.get("scene") or scene
            if shot_scene is None:
                shot_scene = DEFAULTS["scene"]
                board.notes.append(f"No place was named; the film is set {_scene_phrase(shot_scene)}.")
            motion = f.get("motion", "still")
            attrs = {"shape": subject.shape, "colour": subject.colour, "scene": shot_scene, "motion": motion,
                     "camera": f.get("camera", "static")}
            previous = board.shots[-1] if board.shots else None
            chained = previous is not None and previous.subject == subject.id and previous.scene == shot_scene
            shot = Shot(id=board.next_id(), prompt=canonical_caption(attrs), subject=subject.id, **attrs,
                        duration=clause.duration or 2.0, mode="i2v" if chained else "t2v",
                        source="previous" if chained else None, seed=seed_base + i)
            shot.transition = clause.transition or default_transition(previous, shot)
            board.shots.append(shot)
            if previous is not None:
                board.ledger.changes.append(_describe_change(previous, shot))
            current, scene = subject, shot_scene
        if not board.shots:
            raise PlannerError("I could not tell who or what the film is about: name a subject, e.g. 'a red ball'")
        return board

    def _resolve_subject(self, board: Storyboard, current, found: dict, refers_back: bool):
        shape, colour = found.get("shape"), found.get("colour")
        subjects = list(board.ledger.subjects.values())
        if shape and colour:
            return board.ledger.add(shape, colour)
        if shape:
            if current is not None and current.shape == shape:
                return current
            same = [s for s in subjects if s.shape == shape]
            if same and refers_back:
                return same[-1]
            colour = current.colour if current is not None and refers_back else DEFAULTS["colour"]
            if not refers_back and current is None and "colour" not in found:
                board.notes.append(f"No colour was given for the {shape}; it is {colour}.")
            return board.ledger.add(shape, colour)
        if colour:
            base = current.shape if current is not None else DEFAULTS["shape"]
            return board.ledger.add(base, colour)
        if current is not None:
            return current
        board.notes.append(f"No subject was named; the film follows a {DEFAULTS['colour']} {DEFAULTS['shape']}.")
        return board.ledger.add(DEFAULTS["shape"], DEFAULTS["colour"])


def _scene_phrase(scene: str) -> str:
    return {"meadow": "in a meadow", "beach": "on a beach", "desert": "in the desert", "snowfield": "in a snowfield",
            "night": "at night"}[scene]


def _title(request: str) -> str:
    first = split_clauses(request)[0] if split_clauses(request) else request
    words = first.strip().split()
    return " ".join(words[:8]).capitalize() + ("…" if len(words) > 8 else "")


def _describe_change(previous: Shot, shot: Shot) -> str:
    axes = ("shape", "colour", "scene", "motion", "camera")
    diffs = [f"{axis} {getattr(previous, axis)} → {getattr(shot, axis)}"
             for axis in axes if getattr(previous, axis) != getattr(shot, axis)]
    how = "continues from the previous shot's last frame" if shot.mode == "i2v" else "starts fresh"
    return f"{shot.id}: {', '.join(diffs) or 'same as before'}; {how}"
