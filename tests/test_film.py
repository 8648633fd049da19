"""One request to a film folder, storyboard files to films, and the cut."""

import json

import numpy as np
import pytest

from agent.cli import EXIT_BAD_INPUT, main
from engine.media import probe, read_video
from tools.common import ToolError
from tools.edit import CutArgs, CutShot, assemble, cut_film


def test_make_writes_a_film_folder(tiny_weights, tmp_path, capsys):
    out = tmp_path / "film"
    code = main(["make", "A red ball bounces on the beach. Then it rolls to the right.", "--out", str(out),
                 "--steps", "2", "--takes", "1", "--weights", str(tiny_weights), "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["shots"]) == 2 and report["shots"][1]["mode"] == "i2v"
    for name in ("film.mp4", "storyboard.yaml", "report.json", "session.sqlite", "contact_sheet.png",
                 "preview.gif", "storyboard.html"):
        assert (out / name).exists(), name
    page = (out / "storyboard.html").read_text()
    assert "data:video/mp4;base64," in page and page.count("data:image/png;base64,") == 6
    assert "http://" not in page and "https://" not in page and "<script" not in page, "self-contained"
    assert len(list((out / "shots").glob("*.mp4"))) == 2
    info = probe(out / "film.mp4")
    assert info["video"]["codec"] == "h264" and info["video"]["width"] == 256 and info["video"]["fps"] == 24
    assert len(read_video(out / "film.mp4", with_audio=False).frames) == 2 * 16 * 3
    # Running the same command again resumes the finished session: the same film, nothing re-rendered.
    assert main(["make", "A red ball bounces on the beach. Then it rolls to the right.", "--out", str(out),
                 "--steps", "2", "--takes", "1", "--weights", str(tiny_weights), "--json"]) == 0


def test_render_a_storyboard_file_and_bad_files(tiny_weights, tmp_path, capsys):
    board = tmp_path / "board.yaml"
    board.write_text("shots:\n  - id: s1\n    prompt: a cube\n    subject: a\n    shape: cube\n    colour: blue\n"
                     "    scene: desert\n    motion: grows\n    duration: 1\n")
    assert main(["render", str(board), "--out", str(tmp_path / "f"), "--steps", "1", "--takes", "1",
                 "--weights", str(tiny_weights), "--json"]) == 0
    assert (tmp_path / "f" / "film.mp4").exists()
    capsys.readouterr()
    board.write_text(board.read_text().replace("colour: blue", "colour: teal"))
    assert main(["render", str(board), "--out", str(tmp_path / "g"), "--weights", str(tiny_weights)]) == EXIT_BAD_INPUT
    assert f"{board}:6: shots.0.colour" in capsys.readouterr().err


def test_make_refuses_a_folder_holding_other_files(tmp_path, capsys):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["make", "a red ball bounces", "--out", str(out)]) == EXIT_BAD_INPUT
    assert "--force" in capsys.readouterr().err


def test_make_says_what_to_do_with_an_absurd_request(tmp_path, capsys):
    assert main(["make", "asdf qwerty", "--out", str(tmp_path / "x")]) == EXIT_BAD_INPUT
    assert "found nothing to film" in capsys.readouterr().err


def test_cut_transitions_and_lengths(tmp_path):
    paths = []
    for i, value in enumerate((0, 200)):
        p = tmp_path / f"s{i}.npy"
        np.save(p, np.full((8, 64, 64, 3), value, np.uint8))
        paths.append(str(p))
    cut = assemble(CutArgs(shots=[CutShot(frames_path=paths[0]), CutShot(frames_path=paths[1])], out_path="x"))
    assert cut.shape == (48, 256, 256, 3) and cut[23].mean() == 0 and cut[24].mean() == 200
    shots = [CutShot(frames_path=paths[0]), CutShot(frames_path=paths[1], transition="crossfade")]
    fade = assemble(CutArgs(shots=shots, out_path="x"))
    assert len(fade) == 48 - 12 and 0 < fade[24 - 6].mean() < 200
    out = cut_film(CutArgs(shots=[CutShot(frames_path=paths[0])], out_path=str(tmp_path / "f.mp4")))
    with pytest.raises(ToolError, match="already exists"):
        cut_film(CutArgs(shots=[CutShot(frames_path=paths[0])], out_path=str(out)))
    with pytest.raises(ToolError, match="render the shot again"):
        assemble(CutArgs(shots=[CutShot(frames_path=str(tmp_path / "gone.npy"))], out_path="x"))


def test_run_a_scripted_conversation(tiny_weights, tmp_path, capsys):
    convo = tmp_path / "talk.yaml"
    convo.write_text("turns:\n  - A green cube rises in the snow. Then it falls.\n  - make the first shot red\n"
                     "  - yes\n")
    assert main(["run", str(convo), "--out", str(tmp_path / "f"), "--steps", "1", "--takes", "1",
                 "--weights", str(tiny_weights), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [s["attributes"]["colour"] for s in report["shots"]] == ["red", "red"]
    assert len(report["transcript"]) == 3 and (tmp_path / "f" / "film.mp4").exists()
    unfinished = tmp_path / "short.yaml"
    unfinished.write_text("turns:\n  - a red ball bounces\n")
    code = main(["run", str(unfinished), "--out", str(tmp_path / "g"), "--weights", str(tiny_weights)])
    assert code == EXIT_BAD_INPUT
    assert "add a turn such as 'yes'" in capsys.readouterr().err


def test_score_a_film_with_and_without_its_storyboard(tmp_path, capsys):
    from agent.score import score_film
    from agent.storyboard import load_storyboard
    from engine.world import render_clip

    # A film cut from two world clips, so the right answer is known.
    paths = []
    specs = [dict(shape="ball", colour="red", scene="beach", motion="bounces"),
             dict(shape="cube", colour="blue", scene="snowfield", motion="moves left")]
    for i, spec in enumerate(specs):
        p = tmp_path / f"s{i}.npy"
        np.save(p, render_clip(**spec, seed=i, audio=False).frames)
        paths.append(str(p))
    film = cut_film(CutArgs(shots=[CutShot(frames_path=p) for p in paths], out_path=str(tmp_path / "film.mp4")))
    board_yaml = tmp_path / "board.yaml"
    board_yaml.write_text("shots:\n" + "".join(
        f"  - {{id: s{i + 1}, prompt: x, subject: x{i}, shape: {s['shape']}, colour: {s['colour']}, "
        f"scene: {s['scene']}, motion: {s['motion']}}}\n" for i, s in enumerate(specs)))
    report = score_film(film, load_storyboard(board_yaml))
    assert [s["alignment"] for s in report["shots"]] == [1.0, 1.0]
    assert report["shots"][1]["same_subject_as_previous"] is False
    blind = score_film(film)
    assert len(blind["shots"]) == 2 and blind["shots"][1]["seen"]["colour"] == "blue"
    assert main(["score", str(film), "--storyboard", str(board_yaml)]) == 0
    assert "alignment 100%" in capsys.readouterr().out
