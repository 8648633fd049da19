"""The offline planner for free-text engines (Wan, LTX-Video): a request to shots whose prompts a real model
can draw, with no language model.

Each step of the story (sentences, then "then", "after that", "finally") becomes a shot. Its prompt is that
step's own words, with what the model would not know written out: a pronoun or "the same cat" becomes the
subject's description from the ledger, and a step that names no place is set where the previous one was.
Camera words are kept as written. A shot that shows the same subject in the same place as the one before
continues from it (extend or image-to-video, as the engine allows).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from agent import lexicon
from agent.offline_planner import PlannerError, _title
from agent.reader import split_steps, verb_forms
from agent.storyboard import Shot, Storyboard, chain_mode, continues, default_transition
from engine.backends.base import Capabilities

DETERMINERS = {"a", "an", "the", "my", "our", "your", "his", "her", "their", "this", "that", "one", "two", "three",
               "some", "same"}
PLACE_WORDS = ("in", "on", "at", "across", "through", "over", "under", "along", "inside", "near", "into", "onto",
               "by", "beside", "above", "around", "below", "beneath", "past", "towards", "toward")
PLACE_STOP = r"(?=,|;|\bwhile\b|\bas\b|\band\b|\bwhen\b|\bthen\b|\bwith\b|$)"
# Words that end a subject's description: verbs people use for what happens in a shot (beyond the world's).
VERBS = {"is", "are", "was", "were", "be", "being", "has", "have", "had", "does", "do", "did", "will", "can",
         "sits", "sleeps", "runs", "walks", "drives", "flies", "swims", "dances", "jumps", "falls", "rolls", "spins",
         "rides", "sails", "chases", "waves", "crashes", "races", "gallops", "climbs", "crawls", "stands", "rests",
         "looks", "watches", "turns", "opens", "closes", "eats", "drinks", "plays", "sings", "reads", "writes",
         "floats", "glides", "drifts", "soars", "lands", "leaves", "arrives", "enters", "exits", "appears",
         "disappears", "bounces", "rises", "sinks", "grows", "shrinks", "moves", "goes", "comes", "wanders",
         "hops", "slides", "melts", "burns", "glows", "shines", "blooms", "sways", "shakes", "wakes", "stretches",
         "yawns", "smiles", "laughs", "cries", "speaks", "talks", "stops", "starts", "begins", "tumbles", "drops",
         "pours", "splashes", "explodes", "breaks", "lies", "hangs", "waits", "sleeping", "running", "walking",
         "flying", "swimming", "dancing", "jumping", "falling", "rolling", "spinning", "sitting", "standing"}
MOVEMENT_WORDS = ({w for w in VERBS if w not in {"is", "are", "was", "were", "be", "being", "has", "have", "had",
                                                 "does", "do", "did", "will", "can", "sits", "sleeps", "stands",
                                                 "rests", "looks", "watches", "waits", "lies", "hangs", "sleeping",
                                                 "sitting", "standing", "reads", "writes", "smiles", "glows",
                                                 "shines"}}
                  | {f for value, lemmas in lexicon.MOTION_VERBS.items() if value != "still"
                     for p in lemmas for f in verb_forms(p)}
                  | {f for lemmas in lexicon.TRAVEL_VERBS.values() for p in lemmas for f in verb_forms(p)}
                  | {p for value, phrases in lexicon.CAMERAS.items() if value != "static" for p in phrases}
                  | set(lexicon.NEAREST_MOTION) - {"wobbles"})


PLURAL_DETERMINERS = {"two", "three", "four", "five", "some", "many", "several", "few", "the", "these", "those",
                      "our", "my", "their"}


def _ends_subject(lower: list[str], i: int) -> bool:
    """Is word ``i`` where the subject's description ends (a verb or a preposition)? A known verb, an -ing
    form used as a verb, or a word in -s after a singular noun phrase ("an old fisherman mends"), not a
    plural ("two dogs")."""
    word = lower[i]
    if word in VERBS or word in PLACE_WORDS:
        return True
    if word.endswith("ing"):  # "a dog sleeping in ...", not "a fishing boat"
        after = lower[i + 1] if i + 1 < len(lower) else ""
        return not after or after in PLACE_WORDS or after in DETERMINERS or after.endswith("ly") or after == "and"
    plural_subject = i == 1 and lower[0] in PLURAL_DETERMINERS
    return (len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "ous"))
            and not plural_subject and i >= 2)


def asks_for_movement(text: str) -> bool:
    """Does a prompt ask for something to move (a subject's action or a camera move)?"""
    norm = " " + " ".join(re.findall(r"[a-z']+", text.lower())) + " "
    return any(f" {phrase} " in norm for phrase in MOVEMENT_WORDS)


@dataclass
class Step:
    """One step of the story, as read."""

    text: str
    subject: str | None  # the description it names ("a grey tabby cat"), if it names one
    refers_back: bool  # it says "it", "she", "the same cat", "the cat"
    place: str | None  # "on a misty beach"
    duration: float | None
    transition: str | None


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9'-]+", text)


def read_step(text: str, current_subject: str | None = None) -> Step:
    """The subject, place, length and transition one step of a request names."""
    words = _words(text)
    lower = [w.lower() for w in words]
    refers_back = bool(lower) and (lower[0] in lexicon.PRONOUNS or " ".join(lower[:2]) in {"the same"})
    if current_subject and not refers_back:  # "the cat" when a grey tabby cat is on screen
        head = _words(current_subject)[-1].lower()
        refers_back = len(lower) > 1 and lower[0] == "the" and head in lower[1:3]
    subject = None
    if lower and lower[0] in DETERMINERS and not refers_back:
        end = 1
        while end < min(len(lower), 8) and not _ends_subject(lower, end):
            end += 1
        if end > 1:
            subject = " ".join(words[:end])
    place = None
    # Camera moves ("zooms in slowly") are not places.
    unmoved = re.sub("|".join(rf"\b{re.escape(p)}\b" for phrases in lexicon.CAMERAS.values() for p in phrases),
                     ",", text, flags=re.I)
    for m in re.finditer(rf"\b(?:{'|'.join(PLACE_WORDS)})\s+(?!\w+ly\b)(?:the|a|an)?\s*[^,;]+?{PLACE_STOP}",
                         unmoved, re.I):
        place = m.group(0).strip()
    seconds = re.search(r"(\d+(?:\.\d+)?)\s*(?:seconds?|secs?|s)\b", text, re.I)
    lowered = " ".join(lower)
    transition = ("crossfade" if re.search(r"\b(crossfade|cross fade|dissolve)", lowered)
                  else "fade" if re.search(r"\bfades?\b", lowered) else None)
    return Step(text=text, subject=subject, refers_back=refers_back, place=place,
                duration=min(8.0, max(0.5, float(seconds.group(1)))) if seconds else None, transition=transition)


def _write_out(text: str, subject: str) -> str:
    """The step with its opening reference to the subject ("it", "she", "the same cat", "the cat") replaced
    by the subject's description."""
    head = re.escape(_words(subject)[-1])
    m = re.match(rf"\s*(?:it|he|she|they|the\s+same(?:\s+[\w'-]+){{0,2}}?\s+{head}|the\s+same|"
                 rf"the(?:\s+[\w'-]+){{0,1}}?\s+{head})\b", text, re.I)
    return subject + text[m.end():] if m else text


def _clean(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip(" ,.;")
    text = re.sub(r"\b(?:for\s+)?\d+(?:\.\d+)?\s*(?:seconds?|secs?)\b", "", text, flags=re.I)
    text = re.sub(r"\b(?:with\s+a\s+)?(?:cross ?fade|dissolve|fade)\b", "", text, flags=re.I)
    text = re.sub(r"\s+([,;.])", r"\1", re.sub(r"\s+", " ", text)).strip(" ,.;")
    return text[:1].upper() + text[1:]


class FreeTextPlanner:
    """Plans for an engine that draws any description."""

    def __init__(self, capabilities: Capabilities):
        self.capabilities = capabilities

    def plan(self, request: str, title: str | None = None) -> Storyboard:
        if not request or not request.strip():
            raise PlannerError("the request is empty: describe the film, e.g. 'a grey cat sleeps on a windowsill, "
                               "then it wakes and stretches'")
        if "t2v" not in self.capabilities.modes:
            raise PlannerError(f"{self.capabilities.name} only animates pictures ({', '.join(self.capabilities.modes)})"
                               f": give it a storyboard file whose first shot has mode: i2v and a source image, or "
                               f"use a text-to-video model folder")
        steps = [s for s in split_steps(request) if _words(s)]
        if not steps:
            raise PlannerError(f"I found nothing to film in {request.strip()[:60]!r}: describe what happens, e.g. "
                               f"'a red kite flies over a beach'")
        board = Storyboard(title=title or _title(request))
        seed_base = int(hashlib.sha256(request.encode()).hexdigest()[:8], 16) % 100_000
        for i, text in enumerate(steps):
            self.add_step(board, text, seed_base + i)
        if not board.shots:
            raise PlannerError(f"I found nothing to film in {request.strip()[:60]!r}: describe what happens, e.g. "
                               f"'a red kite flies over a beach'")
        board.notes.append(f"Planned for {self.capabilities.name}: each shot's prompt is drawn as written.")
        return board

    def add_step(self, board: Storyboard, text: str, seed: int) -> Shot | None:
        """One step of a story as the next shot of ``board``: its subject found in (or added to) the ledger,
        a reference to the subject on screen written out, the last place carried, chained where it continues.
        None when the step holds nothing to draw (only "fade", a length)."""
        if not _clean(text):
            return None
        previous = board.shots[-1] if board.shots else None
        subject = board.ledger.subjects.get(previous.subject) if previous and previous.subject else None
        place = previous.setting if previous else None
        step = read_step(text, subject.description if subject else None)
        prompt = text
        if step.subject:
            subject = board.ledger.add(description=step.subject)
        elif subject is not None and step.refers_back:
            prompt = _write_out(text, subject.description)
        if step.place:
            place = step.place
        elif place:
            prompt = f"{prompt.rstrip(' ,.')}, {place}"
        duration = step.duration or 2.0
        longest = round(self.capabilities.longest_seconds - 0.05, 1)
        if duration > longest:
            board.notes.append(f"{self.capabilities.name} draws at most {longest:.1f} s in one shot; shot "
                               f"{len(board.shots) + 1} is that long instead of {duration:g} s.")
            duration = longest
        shot = Shot(id=board.next_id(), prompt=_clean(prompt) or _clean(text), subject=subject.id if subject else None,
                    setting=place, duration=duration, seed=seed)
        chain = chain_mode(self.capabilities)
        if chain and continues(previous, shot):
            shot.source, shot.mode = "previous", chain
        shot.transition = step.transition or default_transition(previous, shot)
        board.shots.append(shot)
        return shot
