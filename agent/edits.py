"""Conversational edits to a storyboard, read without a language model.

Each edit returns the new storyboard, the ids of shots whose inputs changed (only those are rendered
again; the shot cache makes every other shot free) and a sentence for the person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent.offline_planner import OfflinePlanner
from agent.reader import command_words, tokens_of
from agent.storyboard import Shot, Storyboard, chain_mode, continues
from engine.backends.base import Capabilities
from engine.world.captions import canonical_caption

ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
            "ninth": 9, "tenth": 10, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
# The words an edit is told by; a slip of one ("secnd", "swpa") is read as it ("make the secnd shot green").
COMMANDS = frozenset({*ORDINALS, "shot", "shots", "last", "clip", "remove", "delete", "drop", "swap", "switch",
                      "exchange", "retake", "redo", "reshoot", "crossfade", "dissolve", "fade", "add", "append",
                      "insert", "another", "seconds", "second"})


class EditError(ValueError):
    """An edit that cannot be applied; the message says what would work."""


@dataclass
class EditOutcome:
    board: Storyboard
    changed: list[str] = field(default_factory=list)
    message: str = ""


def shot_names(board: Storyboard, ids: list[str]) -> str:
    """Shots as a person counts them: 'shot 2', 'shots 1 and 3' (ids are internal)."""
    numbers = {shot.id: i for i, shot in enumerate(board.shots, 1)}
    named = [str(numbers[i]) for i in ids if i in numbers]
    if not named:
        return "nothing"
    listed = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
    return f"shot{'s' * (len(named) != 1)} {listed}"


def _shot_numbers(norm: str, count: int) -> list[int]:
    """1-based shot numbers mentioned: 'shot 2', 'shots 1 and 3', 'the second shot', 'the last shot'."""
    found: list[tuple[int, int]] = []
    number = r"(?:\d+|one|two|three|four|five|six)"
    for m in re.finditer(rf" shots? ({number}(?: (?:and|to|,) {number})*) ", norm):
        for tok in re.findall(number, m.group(1)):
            found.append((m.start(), int(tok) if tok.isdigit() else ORDINALS[tok]))
    for word, n in ORDINALS.items():
        for m in re.finditer(rf" (?:the )?{word} (?:shot|one|clip) ", norm):
            found.append((m.start(), n))
    for m in re.finditer(r" (?:the )?last (?:shot|one|clip) ", norm):
        found.append((m.start(), count))
    numbers = [n for _, n in sorted(found)]
    for n in numbers:
        if not 1 <= n <= count:
            raise EditError(f"there is no shot {n}: the storyboard has {count} shot{'s' * (count != 1)}")
    return list(dict.fromkeys(numbers))


def rechain(board: Storyboard, caps: Capabilities | None = None) -> list[str]:
    """Re-derive continuity after shots moved (the chaining rule of ``agent.storyboard.continues``, in the
    engine's chain mode: image to video for the built-in model). Returns ids whose mode or source changed."""
    chained_mode = chain_mode(caps) if caps is not None else "i2v"
    changed = []
    for i, shot in enumerate(board.shots):
        previous = board.shots[i - 1] if i else None
        if shot.mode in ("t2v", chained_mode) and (shot.source in (None, "previous")):
            chained = chained_mode is not None and continues(previous, shot)
            mode, source = (chained_mode, "previous") if chained else ("t2v", None)
            if (shot.mode, shot.source) != (mode, source):
                # Each assignment is validated, so go through a state where mode and source agree.
                if chained:
                    shot.source, shot.mode = source, mode
                else:
                    shot.mode, shot.source = mode, source
                changed.append(shot.id)
    return changed


def _downstream(board: Storyboard, index: int) -> list[int]:
    """Indices of the shots that continue, frame to frame, from shot ``index``."""
    chain = []
    for j in range(index + 1, len(board.shots)):
        if board.shots[j].source == "previous" and board.shots[j].subject == board.shots[index].subject:
            chain.append(j)
        else:
            break
    return chain


def _set_attributes(board: Storyboard, indices: list[int], changes: dict[str, str]) -> list[str]:
    changed = []
    for i in indices:
        shot = board.shots[i]
        new = {**shot.attributes, **changes}
        if new == shot.attributes:
            continue
        if "shape" in changes or "colour" in changes:
            shot.subject = board.ledger.add(new["shape"], new["colour"]).id
        for axis, value in changes.items():
            setattr(shot, axis, value)
        shot.prompt = canonical_caption(shot.attributes)
        changed.append(shot.id)
    return changed


@dataclass
class _Asked:
    """One edit request, read once: its words (slips of command words put right), the shots it names."""

    text: str  # as said
    norm: str  # its words, space-padded, for the patterns below
    numbers: list[int]  # 1-based shot numbers named, in the order said
    planner: OfflinePlanner
    caps: Capabilities | None


ADDS = r" (add|append|insert|another|one more|new shot) "
SECONDS = r" (\d+(?:\.\d+)?) (?:seconds?|secs?) "


def apply_edit(board: Storyboard, request: str, planner: OfflinePlanner | None = None,
               caps: Capabilities | None = None) -> EditOutcome:
    """Apply one conversational edit. Raises EditError when the request is not an edit it understands.
    ``caps``: the engine the storyboard is for (None: the built-in model)."""
    board = board.model_copy(deep=True)
    norm = " " + " ".join(command_words(tokens_of(request), COMMANDS)) + " "
    asked = _Asked(request, norm, _shot_numbers(norm, len(board.shots)) if board.shots else [],
                   planner or OfflinePlanner(), caps)
    for pattern, edit in ((r" (remove|delete|drop|cut|lose) ", _remove), (r" (swap|switch|exchange) ", _swap),
                          (r" (retake|redo|reshoot|re render|rerender|again) ", _retake)):
        if re.search(pattern, norm):
            return edit(board, asked)
    transition = _transition_asked(norm)
    if transition:
        return _set_transition(board, asked, transition)
    if caps is not None and caps.free_text:
        return _free_text_edit(board, asked)
    if re.search(ADDS, norm):
        return _add_shot(board, asked)
    return _change_attributes(board, asked)


def _remove(board: Storyboard, asked: _Asked) -> EditOutcome:
    if not asked.numbers:
        raise EditError("which shot should go? say e.g. 'remove shot 2' or 'remove the last shot'")
    removed = [board.shots[n - 1].id for n in asked.numbers]
    board.shots = [s for s in board.shots if s.id not in removed]
    changed = rechain(board, asked.caps)
    board.ledger.changes.append(f"removed {', '.join(removed)}")
    gone = f"shot{'s' * (len(asked.numbers) != 1)} {', '.join(str(n) for n in asked.numbers)}"  # as numbered before
    return EditOutcome(board, changed, f"Removed {gone}; {len(board.shots)} shots left.")


def _swap(board: Storyboard, asked: _Asked) -> EditOutcome:
    if len(asked.numbers) != 2:
        raise EditError("say which two shots to swap, e.g. 'swap shots 1 and 2'")
    a, b = asked.numbers[0] - 1, asked.numbers[1] - 1
    board.shots[a], board.shots[b] = board.shots[b], board.shots[a]
    changed = rechain(board, asked.caps)
    board.ledger.changes.append(f"swapped shots {a + 1} and {b + 1}")
    return EditOutcome(board, changed, f"Swapped shots {a + 1} and {b + 1}.")


def _retake(board: Storyboard, asked: _Asked) -> EditOutcome:
    changed = []
    for n in asked.numbers or range(1, len(board.shots) + 1):
        shot = board.shots[n - 1]
        shot.seed += 1000  # a new seed gives a new take; the old takes stay in the shot's history
        changed.append(shot.id)
    return EditOutcome(board, changed, f"Retaking {shot_names(board, changed)} with a new seed.")


def _transition_asked(norm: str) -> str | None:
    if re.search(r" (crossfade|cross fade|dissolve) ", norm):
        return "crossfade"
    if re.search(r" fade", norm):
        return "fade"
    if re.search(r" (hard )?cuts? ", norm) and " use " in norm:
        return "cut"
    return None


def _set_transition(board: Storyboard, asked: _Asked, transition: str) -> EditOutcome:
    targets = [n for n in asked.numbers if n > 1] or list(range(2, len(board.shots) + 1))
    for n in targets:
        board.shots[n - 1].transition = transition
    return EditOutcome(board, [], f"Using a {transition} into shot{'s' * (len(targets) != 1)} "
                                  f"{', '.join(str(n) for n in targets)}.")


def _add_shot(board: Storyboard, asked: _Asked) -> EditOutcome:
    """A new shot at the end from its description, its subject read against the last shot's."""
    text = re.sub(r"^.*?\b(?:shot|one|clip)\b(?: (?:where|in which|that|with|showing))?", "", asked.text,
                  count=1, flags=re.I).strip(" ,.") or asked.text
    last = board.shots[-1] if board.shots else None
    clause = asked.planner.read_clause(text)
    if not clause.recognised:
        raise EditError("what should the new shot show? e.g. 'add a shot where it falls into the sea'")
    subject = asked.planner._resolve_subject(board, board.ledger.subjects.get(last.subject) if last else None,
                                             clause.found, clause.refers_back or "shape" not in clause.found)
    attrs = {"shape": subject.shape, "colour": subject.colour,
             "scene": clause.found.get("scene") or (last.scene if last else "meadow"),
             "motion": clause.found.get("motion", "still"), "camera": clause.found.get("camera", "static")}
    shot = Shot(id=board.next_id(), prompt=canonical_caption(attrs), subject=subject.id, **attrs,
                seed=(last.seed + 1) if last else 0, duration=clause.duration or 2.0,
                transition=clause.transition or "cut")
    board.shots.append(shot)
    rechain(board, asked.caps)
    board.notes.extend(n for n in clause.notes if n not in board.notes)
    return EditOutcome(board, [shot.id], f"Added {shot_names(board, [shot.id])}: {shot.prompt}.")


def _change_attributes(board: Storyboard, asked: _Asked) -> EditOutcome:
    """A change to what shots show or how long they last: "make the second shot blue", "make it a cube",
    "set it at night", "make shot 2 4 seconds"."""
    clause = asked.planner.read_clause(asked.text)
    changes = {axis: clause.found[axis] for axis in ("colour", "shape", "scene", "motion", "camera")
               if axis in clause.found}
    seconds = re.search(SECONDS, asked.norm)
    if not changes and not seconds:
        raise EditError("I didn't understand that edit. Try 'make the second shot blue', 'add a shot where it "
                        "falls into the sea', 'remove the last shot', 'swap shots 1 and 2', 'retake shot 3' or "
                        "'use a crossfade'")
    if asked.numbers:
        indices = [n - 1 for n in asked.numbers]
        if {"shape", "colour", "scene"} & set(changes):
            # The subject's look and place carry along a chain of continuing shots; motion and camera
            # belong to one shot.
            for i in list(indices):
                indices += [j for j in _downstream(board, i) if j not in indices]
    else:
        # No shot named: the whole film changes (e.g. 'make it blue' means the subject everywhere).
        indices = list(range(len(board.shots)))
    changed = _set_attributes(board, sorted(indices), changes)
    if seconds:
        for i in indices:
            board.shots[i].duration = min(8.0, float(seconds.group(1)))
            if board.shots[i].id not in changed:
                changed.append(board.shots[i].id)
    changed += [c for c in rechain(board, asked.caps) if c not in changed]
    what = ", ".join(f"{k} {v}" for k, v in changes.items()) or f"{seconds.group(1)} seconds"
    board.ledger.changes.append(f"{', '.join(changed) or 'nothing'}: {what}")
    return EditOutcome(board, changed, f"Changed {shot_names(board, changed)} ({what}).")


def _free_text_edit(board: Storyboard, asked: _Asked) -> EditOutcome:
    """Edits to a free-text storyboard: a new shot from its description (its subject and place read against
    the shots before it), a shot's new prompt ("shot 2: a red kite over the dunes"), or a shot's length;
    the world's attribute words do not apply to a real model."""
    from agent.free_text_planner import FreeTextPlanner

    request, numbers, caps = asked.text, asked.numbers, asked.caps
    seconds = re.search(SECONDS, asked.norm)
    if re.search(ADDS, asked.norm):
        text = re.sub(r"^.*?\b(?:shot|one|clip)\b(?:\s+more)?\s*(?:where|in which|that|with|showing|of)?", "",
                      request, count=1, flags=re.I).strip(" ,.:")
        if not text:
            raise EditError("what should the new shot show? e.g. 'add a shot where the kite lands on the sand'")
        last = board.shots[-1] if board.shots else None
        shot = FreeTextPlanner(caps).add_step(board, text, seed=(last.seed + 1) if last else 0)
        if shot is None:
            raise EditError("what should the new shot show? e.g. 'add a shot where the kite lands on the sand'")
        return EditOutcome(board, [shot.id], f"Added {shot_names(board, [shot.id])}: {shot.prompt}.")
    prompt = re.match(r"^\s*(?:make\s+|change\s+|set\s+)?(?:the\s+)?(?:shot\s+\w+|\w+\s+shot)\s*:\s*(.+)$", request,
                      re.I)
    if len(numbers) == 1 and prompt:
        shot = board.shots[numbers[0] - 1]
        shot.prompt = prompt.group(1).strip(" .")[:1].upper() + prompt.group(1).strip(" .")[1:]
        board.ledger.changes.append(f"{shot.id}: new prompt")
        return EditOutcome(board, [shot.id], f"Shot {numbers[0]} now reads: {shot.prompt}.")
    if seconds:
        longest = caps.longest_seconds
        targets = numbers or list(range(1, len(board.shots) + 1))
        for n in targets:
            board.shots[n - 1].duration = min(longest, 8.0, float(seconds.group(1)))
        changed = [board.shots[n - 1].id for n in targets]
        return EditOutcome(board, changed, f"Changed {shot_names(board, changed)} "
                                           f"({board.shots[targets[0] - 1].duration:g} seconds).")
    raise EditError("with this model, change a shot by giving its new prompt, e.g. 'shot 2: a red kite over the "
                    "dunes at sunset'; or 'add a shot where …', 'make shot 2 4 seconds', 'remove shot 2', 'swap shots "
                    "1 and 2', 'retake shot 3', 'use a crossfade'")


__all__ = ["EditError", "EditOutcome", "apply_edit", "rechain"]
