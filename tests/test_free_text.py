"""Planning, checking and editing storyboards for a free-text engine (no model loaded: capabilities only)."""

import json

import numpy as np
import pytest

from agent.edits import EditError, apply_edit
from agent.free_text_planner import FreeTextPlanner, asks_for_movement
from agent.llm import LLMPlanner, LLMSettings
from agent.storyboard import Shot, Storyboard, StoryboardError, check_for_engine
from engine.backends.base import Capabilities
from engine.eval.pixels import check_pixels
from tests.fake_openai import FakeOpenAI

LTX = Capabilities(family="ltx", name="LTX-Video (test)", modes=("t2v", "i2v", "extend", "v2v"), free_text=True,
                   width=704, height=480, fps=24, frame_step=8, frame_offset=1, max_frames=257, size_multiple=32)
WAN_T2V = LTX.model_copy(update={"family": "wan", "name": "Wan (test)", "modes": ("t2v", "v2v"), "fps": 16,
                                 "frame_step": 4, "max_frames": 81})
WAN_I2V = WAN_T2V.model_copy(update={"modes": ("i2v", "extend")})


def test_prompts_carry_the_subject_and_the_place():
    board = FreeTextPlanner(LTX).plan("An old fisherman mends a net on a wooden pier. Then he lights his pipe, "
                                      "the camera zooms in slowly. Finally the fisherman walks along a stony beach "
                                      "for 3 seconds, with a crossfade.")
    s1, s2, s3 = board.shots
    assert s1.prompt == "An old fisherman mends a net on a wooden pier" and s1.mode == "t2v"
    assert s2.prompt.startswith("An old fisherman lights his pipe") and "on a wooden pier" in s2.prompt
    assert "camera zooms in slowly" in s2.prompt, "camera words are kept"
    assert (s2.mode, s2.source) == ("extend", "previous"), "same subject, same place: continues"
    assert s3.prompt.startswith("An old fisherman walks along a stony beach") and s3.mode == "t2v"
    assert (s3.duration, s3.transition) == (3.0, "crossfade") and "second" not in s3.prompt
    assert board.ledger.subjects[s1.subject].description == "An old fisherman"
    assert s1.subject == s2.subject == s3.subject


def test_the_same_subject_is_written_out():
    board = FreeTextPlanner(LTX).plan("A misty harbour at dawn. A small fishing boat leaves the harbour. Then the same "
                                      "boat sails into open sea. The boat turns back at sunset.")
    assert [s.prompt for s in board.shots[2:]] == ["A small fishing boat sails into open sea",
                                                   "A small fishing boat turns back at sunset"]
    assert board.shots[1].subject == board.shots[2].subject == board.shots[3].subject


def test_chaining_follows_what_the_engine_can_do():
    request = "A paper boat drifts on a pond. Then it spins slowly."
    assert [s.mode for s in FreeTextPlanner(WAN_T2V).plan(request).shots] == ["t2v", "t2v"]
    with pytest.raises(ValueError, match="only animates pictures"):
        FreeTextPlanner(WAN_I2V).plan(request)


def test_movement_is_read_from_the_prompt():
    assert asks_for_movement("a horse gallops across a field") and asks_for_movement("slow pan left over roofs")
    assert not asks_for_movement("a quiet empty room at dusk, still life")


def test_storyboards_are_checked_against_the_engine():
    board = Storyboard(shots=[Shot(id="s1", prompt="a lighthouse at dusk"),
                              Shot(id="s2", prompt="waves", mode="i2v", source="start.png")])
    with pytest.raises(StoryboardError, match=r"shot 2 \(s2\): Wan \(test\) cannot do i2v"):
        check_for_engine(board, WAN_T2V)
    check_for_engine(board, LTX)


def test_free_text_edits_replace_a_prompt_or_say_how():
    board = FreeTextPlanner(LTX).plan("A red kite flies over a beach. Then it dives towards the sea.")
    outcome = apply_edit(board, "shot 2: a red kite lands on the sand at sunset", caps=LTX)
    assert outcome.board.shots[1].prompt == "A red kite lands on the sand at sunset" and "s2" in outcome.changed
    added = apply_edit(board, "add a shot where a dog chases the kite", caps=LTX)
    assert len(added.board.shots) == 3 and added.board.shots[2].prompt.startswith("A dog chases")
    dog = added.board.shots[2].subject
    assert dog != board.shots[0].subject and "a dog" in added.board.ledger.subjects[dog].description
    again = apply_edit(added.board, "add one more where it rolls in the sand", caps=LTX).board.shots[3]
    assert again.prompt.startswith("A dog rolls in the sand") and again.subject == dog, "'it' is the dog on screen"
    longer = apply_edit(board, "make shot 2 4 seconds", caps=LTX)
    assert longer.board.shots[1].duration == 4.0 and longer.board.shots[1].prompt == board.shots[1].prompt
    for unclear in ("make it blue", "make the second one red"):
        with pytest.raises(EditError, match="new prompt"):
            apply_edit(board, unclear, caps=LTX)


def test_the_llm_writes_cinematic_prompts_for_a_free_text_engine():
    draft = {"title": "Harbour", "notes": [], "shots": [
        {"prompt": "A weathered fishing boat leaves a misty harbour at dawn, wide shot, soft light",
         "subject": "a weathered fishing boat", "setting": "a misty harbour", "duration": 3,
         "continues_previous": False, "transition": "cut"},
        {"prompt": "A weathered fishing boat turns towards the open sea, the camera follows, golden light",
         "subject": "a weathered fishing boat", "setting": "a misty harbour", "duration": 2,
         "continues_previous": True, "transition": "cut"}]}
    with FakeOpenAI([("tool", json.dumps(draft))]) as server:
        planner = LLMPlanner(LLMSettings(base_url=server.base_url, api_key="t", model="fake"), capabilities=LTX)
        board = planner.plan("a fishing boat leaves the harbour at dawn and heads out to sea")
    sent = server.requests[0]
    assert "cinematic prompt" in sent["messages"][0]["content"] and "LTX-Video (test)" in sent["messages"][0]["content"]
    assert "shape" not in json.dumps(sent["tools"][0]["function"]["parameters"]), "no world vocabulary"
    assert [s.mode for s in board.shots] == ["t2v", "extend"] and board.shots[0].duration == 3
    assert board.ledger.subjects[board.shots[0].subject].description == "a weathered fishing boat"


def test_pixel_checks():
    rng = np.random.default_rng(1)
    still = np.repeat(rng.integers(0, 255, (1, 32, 32, 3), dtype=np.uint8), 9, axis=0)
    blank = np.full((9, 32, 32, 3), 90, np.uint8)
    moving = np.stack([np.roll(still[0], 3 * t, axis=1) for t in range(9)])
    flashing = np.stack([moving[t] // (4 if t % 2 else 1) for t in range(9)])
    assert not check_pixels(blank, wants_motion=False).checks["not_blank"]
    assert not check_pixels(still, wants_motion=False).checks["not_frozen"]
    report = check_pixels(moving, wants_motion=True, previous_frame=moving[0])
    assert report.passed and report.join_psnr == float("inf")
    assert not check_pixels(flashing, wants_motion=True).checks["no_flicker"]
    assert not check_pixels(moving, wants_motion=False, previous_frame=255 - moving[0]).checks["continues"]


def test_shots_longer_than_the_model_draws_are_shortened_or_refused():
    board = FreeTextPlanner(WAN_T2V).plan("A train crosses a long bridge for 8 seconds.")
    assert board.shots[0].duration == 5.0 and "at most 5.0 s" in board.notes[0]
    check_for_engine(board, WAN_T2V)
    board.shots[0].duration = 7.0
    with pytest.raises(StoryboardError, match=r"lasts 7 s but Wan \(test\) draws at most 5.1 s"):
        check_for_engine(board, WAN_T2V)
