"""Property-based checks of every reader a person's text goes through: the storyboard and conversation
loaders and both request planners. Whatever the input, each either gives its result or raises its own
one-line error; nothing else escapes. Shared by the CI tests (a fixed seed, few examples) and
``benchmarks/fuzz.py`` (many)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import strategies as st

from agent.film import load_conversation
from agent.free_text_planner import FreeTextPlanner
from agent.offline_planner import OfflinePlanner, PlannerError
from agent.storyboard import StoryboardError, load_storyboard
from engine.backends.base import Capabilities

WORDS = ["a", "the", "red", "ball", "cube", "bounces", "then", "it", "rises", "on", "beach", "night", "camera",
         "pans", "left", "for", "3", "seconds", "crossfade", "same", "cat", "sleeps", "windowsill", "not", "blue",
         "and", "finally", "zooms", "in", ".", ",", "!", "?", "ünïcødé", "🎬", "\n", "shot", "two", "-1", "1e309",
         "no", "wait", "actually", "make", "please", "one", "white", "slow", "push",  # corrections and details
         "instead", "should", "be", "is", "closer", "than", "said", '"', "'", "(a)", "(b)", "Tower", "SEQ_01", "->",
         "x4", "Down", "goes", "respectively", "2,", "\t", "shot,subject,camera,secs\n", "Colour\tWhere\tDoing\n"]
FIELDS = ["id", "prompt", "shape", "colour", "scene", "motion", "camera", "duration", "mode", "source", "strength",
          "seed", "transition", "subject", "setting", "takes", "durration", "camra", "title", "shots", "notes"]
LTX = Capabilities(family="ltx", name="LTX-Video (fuzz)", modes=("t2v", "i2v", "extend", "v2v"), free_text=True,
                   width=704, height=480, fps=24, frame_step=8, frame_offset=1, max_frames=257, size_multiple=32)

requests = st.one_of(st.text(max_size=300), st.lists(st.sampled_from(WORDS), max_size=60).map(" ".join))
# Long requests of a few words said over and over (a pasted column of numbers, a signature padded with blanks,
# arrows): a reader whose time grows faster than the text shows here; the benchmark runs these, CI does not.
long_requests = st.builds(lambda words, times: " ".join(words) * times,
                          st.lists(st.sampled_from(WORDS), min_size=1, max_size=4), st.integers(200, 2000))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=True),
                    st.text(max_size=40), st.sampled_from(WORDS))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.sampled_from(FIELDS), inner, max_size=6)),
                      max_leaves=20)
storyboards = st.one_of(
    st.dictionaries(st.sampled_from(["title", "shots", "notes", "ledger", "extra"]), values, max_size=4),
    st.fixed_dictionaries({"shots": st.lists(st.dictionaries(st.sampled_from(FIELDS), values, max_size=8),
                                             max_size=4)}),
    values)
raw_files = st.one_of(st.binary(max_size=400), st.text(max_size=400).map(str.encode))


def _write(data: bytes) -> Path:
    folder = Path(tempfile.mkdtemp())
    path = folder / "file.yaml"
    path.write_bytes(data)
    return path


def check_storyboard_file(data: bytes) -> None:
    try:
        load_storyboard(_write(data))
    except StoryboardError as exc:
        assert "\n" not in str(exc).strip(), str(exc)


def check_storyboard_data(data) -> None:
    check_storyboard_file(yaml.safe_dump(data, allow_unicode=True).encode())


def check_conversation(data: bytes) -> None:
    try:
        load_conversation(_write(data))
    except StoryboardError as exc:
        assert "\n" not in str(exc).strip(), str(exc)


_WORLD = OfflinePlanner(use_encoder=False)
_FREE = FreeTextPlanner(LTX)


def check_request(text: str) -> None:
    for planner in (_WORLD, _FREE):
        try:
            board = planner.plan(text)
        except PlannerError as exc:
            assert "\n" not in str(exc).strip(), str(exc)
        else:
            assert board.shots
