import pytest

from agent.storyboard import Shot, Storyboard, StoryboardError, load_storyboard, save_storyboard
from engine.backends.world import WorldBackend

GOOD = """title: Two bounces
shots:
  - id: s1
    prompt: a red ball bounces in a meadow
    subject: subject-1
    shape: ball
    colour: red
    scene: meadow
    motion: bounces
  - id: s2
    prompt: the red ball rolls right
    subject: subject-1
    shape: ball
    colour: red
    scene: meadow
    motion: moves right
    mode: i2v
    source: previous
    transition: crossfade
"""


def test_load_and_round_trip(tmp_path):
    path = tmp_path / "film.yaml"
    path.write_text(GOOD)
    board = load_storyboard(path)
    assert [s.id for s in board.shots] == ["s1", "s2"]
    assert board.ledger.subjects["subject-1"].name == "the red ball"
    assert WorldBackend().capabilities.frames_for(board.shots[1].duration) == 16 and board.duration == 4.0
    again = load_storyboard(save_storyboard(board, tmp_path / "again.yaml"))
    assert again.shots == board.shots


@pytest.mark.parametrize("bad,line,field", [
    (GOOD.replace("colour: red\n    scene: meadow\n    motion: moves",
                  "colour: teal\n    scene: meadow\n    motion: moves"), 14, "shots.1.colour"),
    (GOOD.replace("motion: bounces", "motion: flies"), 9, "shots.0.motion"),
    (GOOD.replace("    source: previous\n", ""), 10, "shots.1"),
])
def test_wrong_fields_name_file_line_and_field(tmp_path, bad, line, field):
    path = tmp_path / "bad.yaml"
    path.write_text(bad)
    with pytest.raises(StoryboardError) as err:
        load_storyboard(path)
    message = str(err.value)
    assert message.startswith(f"{path}:{line}: {field}")


def test_broken_yaml_and_missing_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("shots:\n  - id: s1\n   prompt: [unclosed\n")
    with pytest.raises(StoryboardError, match=r"broken.yaml:\d+: not valid YAML"):
        load_storyboard(path)
    with pytest.raises(StoryboardError, match="no such storyboard"):
        load_storyboard(tmp_path / "missing.yaml")


def test_first_shot_cannot_continue_a_previous_one():
    with pytest.raises(ValueError, match="no previous shot"):
        Storyboard(shots=[Shot(id="s1", prompt="x", subject="a", shape="ball", colour="red", scene="beach",
                               mode="i2v", source="previous")])


def test_a_source_is_read_beside_the_file_and_must_exist(tmp_path):
    (tmp_path / "photo.png").write_bytes(b"")
    text = ("shots:\n  - id: s1\n    prompt: a harbour comes alive\n    mode: i2v\n    source: photo.png\n"
            "  - id: s2\n    prompt: gulls\n    mode: v2v\n    source: clips/missing.mp4\n")
    path = tmp_path / "film.yaml"
    path.write_text(text)
    with pytest.raises(StoryboardError, match=r"film.yaml:9: shots.1.source: no file at .*clips/missing.mp4"):
        load_storyboard(path)
    path.write_text(text.split("  - id: s2")[0])
    assert load_storyboard(path).shots[0].source == str((tmp_path / "photo.png").resolve())
