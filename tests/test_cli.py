import json
import os

import pytest

from agent.cli import EXIT_BAD_INPUT, EXIT_OUTPUT, main


def test_world_demo_writes_playable_clips(tmp_path, capsys):
    assert main(["world", "--demo", str(tmp_path / "demo"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["clips"]) == 6
    for item in out["clips"]:
        assert os.path.getsize(item["file"]) > 1000
        assert os.path.exists(item["file"].replace(".mp4", ".json"))


def test_unknown_word_exits_2_with_the_allowed_values(tmp_path, capsys):
    assert main(["world", "--out", str(tmp_path), "--shape", "hexagon"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "hexagon" in err and "ball, cube, triangle, ring" in err


def test_evaluate_reads_a_clip(tmp_path, capsys):
    main(["world", "--out", str(tmp_path), "--shape", "ring", "--colour", "yellow", "--motion", "rises"])
    clip = next(tmp_path.glob("*.mp4"))
    capsys.readouterr()
    assert main(["evaluate", str(clip), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["attributes"]["shape"] == "ring" and report["attributes"]["motion"] == "rises"


def test_evaluate_missing_file_exits_2(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "nope.mp4")]) == EXIT_BAD_INPUT
    assert "no such file" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_output_exits_3(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    assert main(["world", "--out", str(locked / "x")]) == EXIT_OUTPUT
