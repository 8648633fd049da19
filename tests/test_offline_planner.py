import pytest

from agent.offline_planner import OfflinePlanner, PlannerError
from agent.reader import split_steps


@pytest.fixture(scope="module")
def planner():
    return OfflinePlanner()


def _attrs(board):
    return [(s.colour, s.shape, s.scene, s.motion, s.camera) for s in board.shots]


def test_clause_splitting():
    assert split_steps("A ball bounces. Then it rolls left; after that it stops, finally it rises") == [
        "A ball bounces", "it rolls left", "it stops", "it rises"]
    assert split_steps("a cube falls and then bounces") == ["a cube falls", "bounces"]
    assert split_steps("the ball grows as the camera zooms in") == ["the ball grows as the camera zooms in"]


def test_story_with_pronouns_and_carried_scene(planner):
    board = planner.plan("A red ball bounces in a meadow. Then it rolls to the right. "
                         "Finally the camera zooms in as it shrinks at night.")
    assert _attrs(board) == [("red", "ball", "meadow", "bounces", "static"),
                             ("red", "ball", "meadow", "moves right", "static"),
                             ("red", "ball", "night", "shrinks", "zoom in")]
    assert [s.mode for s in board.shots] == ["t2v", "i2v", "t2v"]
    assert board.shots[1].source == "previous"
    assert len(board.ledger.subjects) == 1 and len(board.ledger.changes) == 2


def test_synonyms_and_paraphrases(planner):
    board = planner.plan("a crimson sphere hopping on the grass")
    assert _attrs(board) == [("red", "ball", "meadow", "bounces", "static")]
    board = planner.plan("an emerald hoop plummets in the snow")
    assert _attrs(board) == [("green", "ring", "snowfield", "falls", "static")]


def test_two_subjects_and_camera_not_confused_with_motion(planner):
    board = planner.plan("A blue cube falls into the sea, after that a yellow triangle rises in the desert "
                         "while the camera moves left")
    assert _attrs(board) == [("blue", "cube", "beach", "falls", "static"),
                             ("yellow", "triangle", "desert", "rises", "pan left")]
    assert len(board.ledger.subjects) == 2 and board.shots[1].mode == "t2v"


def test_back_reference_to_an_earlier_subject(planner):
    board = planner.plan("A white ring rises at night. Then a black cube bounces. Then the ring falls.")
    assert [(s.colour, s.shape) for s in board.shots] == [("white", "ring"), ("black", "cube"), ("white", "ring")]
    assert board.shots[2].subject == board.shots[0].subject


def test_outside_the_vocabulary_is_said_plainly(planner):
    board = planner.plan("a pink dog runs on the moon")
    assert _attrs(board) == [("purple", "ball", "night", "moves right", "static")]
    text = " ".join(board.notes)
    assert "can't draw a dog" in text and "pink" in text.lower() and "moon" in text


def test_durations_and_transitions(planner):
    board = planner.plan("a green cube sits still in the desert for 4 seconds, then with a crossfade it grows")
    assert board.shots[0].duration == 4.0 and board.shots[1].transition == "crossfade"


@pytest.mark.parametrize("request_text", ["", "   ", "asdf qwerty zxcv"])
def test_empty_or_absurd_requests(planner, request_text):
    with pytest.raises(PlannerError) as err:
        planner.plan(request_text)
    assert "e.g." in str(err.value)


def test_shots_in_different_places_are_joined_by_a_cut():
    """A crossfade between two places shows both subjects at once, like a double exposure: it is a cut
    unless asked for; two separate shots in the same place crossfade; a continuing shot cuts."""
    planner = OfflinePlanner()
    apart = planner.plan("A red ball bounces on the beach. After that a blue cube falls in the snow.")
    assert [s.transition for s in apart.shots] == ["cut", "cut"]
    together = planner.plan("A red ball bounces on the beach. After that a blue cube falls on the beach.")
    assert [s.transition for s in together.shots] == ["cut", "crossfade"]
    chained = planner.plan("A red ball bounces on the beach. Then it rolls to the right.")
    assert chained.shots[1].source == "previous" and chained.shots[1].transition == "cut"


def test_a_title_never_names_what_was_taken_back():
    planner = OfflinePlanner()
    assert planner.plan("A red ball bounces. Actually make it blue.").title == "A blue ball bounces in a meadow"
    assert "no wait" not in planner.plan("a blue ball, no wait, make it green, rolling left").title
    assert planner.plan("A pink balloon floats up").title == "A pink balloon floats up", "the person's own words"
