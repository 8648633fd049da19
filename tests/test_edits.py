import pytest

from agent.edits import EditError, apply_edit
from agent.offline_planner import OfflinePlanner


@pytest.fixture(scope="module")
def planner():
    return OfflinePlanner()


@pytest.fixture()
def board(planner):
    return planner.plan("A red ball bounces on the beach. Then it rolls to the right. Then it rises.")


def test_make_the_second_shot_blue_changes_it_and_its_chain(board, planner):
    out = apply_edit(board, "make the second shot blue", planner)
    assert [s.colour for s in out.board.shots] == ["red", "blue", "blue"]
    assert out.changed == ["s2", "s3"]
    assert out.board.shots[1].mode == "t2v", "a new subject cannot continue the red ball's last frame"
    assert board.shots[1].colour == "red", "the original storyboard is untouched"


def test_a_slip_in_an_edit_s_command_words_is_read_as_them(board, planner):
    out = apply_edit(board, "make the thrid shot gren", planner)
    assert [s.colour for s in out.board.shots] == ["red", "red", "green"], "not every shot"
    assert len(apply_edit(board, "remvoe the lsat shot", planner).board.shots) == 2


def test_make_it_a_cube_changes_every_shot(board, planner):
    out = apply_edit(board, "make it a cube", planner)
    assert {s.shape for s in out.board.shots} == {"cube"} and len(out.changed) == 3


def test_add_a_shot_where_it_falls_into_the_sea(board, planner):
    out = apply_edit(board, "add a shot where it falls into the sea", planner)
    new = out.board.shots[-1]
    assert (new.colour, new.shape, new.scene, new.motion) == ("red", "ball", "beach", "falls")
    assert out.changed == [new.id] and new.mode == "i2v"


def test_remove_swap_retake_and_transitions(board, planner):
    out = apply_edit(board, "remove the last shot", planner)
    assert [s.id for s in out.board.shots] == ["s1", "s2"] and out.changed == []
    out = apply_edit(board, "swap shots 1 and 2", planner)
    assert [s.id for s in out.board.shots] == ["s2", "s1", "s3"]
    assert out.board.shots[0].mode == "t2v" and out.board.shots[1].mode == "i2v"
    out = apply_edit(board, "retake shot 3", planner)
    assert out.changed == ["s3"] and out.board.shots[2].seed != board.shots[2].seed
    out = apply_edit(board, "use a crossfade", planner)
    assert [s.transition for s in out.board.shots[1:]] == ["crossfade", "crossfade"] and out.changed == []


@pytest.mark.parametrize("text,match", [("remove shot 7", "no shot 7"), ("swap shot 1", "which two"),
                                        ("hmm nice", "didn't understand")])
def test_bad_edits_say_what_works(board, planner, text, match):
    with pytest.raises(EditError, match=match):
        apply_edit(board, text, planner)


def test_camera_change_stays_on_its_shot(board, planner):
    out = apply_edit(board, "make the first shot zoom in", planner)
    assert [s.camera for s in out.board.shots] == ["zoom in", "static", "static"] and out.changed == ["s1"]
