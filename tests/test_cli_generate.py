import json

import pytest

from agent.cli import EXIT_BAD_INPUT, main


def test_generate_writes_an_mp4_and_reports_timings(tiny_weights, tmp_path, capsys):
    out = tmp_path / "clip.mp4"
    code = main(["generate", "a red ball bounces in a meadow", "--out", str(out), "--steps", "2",
                 "--weights", str(tiny_weights), "--json"])
    assert code == 0 and out.stat().st_size > 1000
    report = json.loads(capsys.readouterr().out)
    assert report["attributes"] == {"colour": "red", "shape": "ball", "scene": "meadow", "motion": "bounces"}
    assert set(report["timings"]) >= {"model_load", "sampling", "decoding"}
    assert report["camera_guidance"] is True
    assert main(["generate", "a red ball bounces in a meadow", "--out", str(out), "--steps", "1", "--weights",
                 str(tiny_weights), "--camera-guidance", "off", "--json"]) == EXIT_BAD_INPUT, "an existing file stays"
    assert "already exists" in capsys.readouterr().err
    main(["generate", "a red ball bounces in a meadow", "--out", str(out), "--steps", "1", "--weights",
          str(tiny_weights), "--camera-guidance", "off", "--json", "--force"])
    assert json.loads(capsys.readouterr().out)["camera_guidance"] is False


@pytest.mark.parametrize("extra,needle", [
    (["--mode", "i2v", "--image", "MISSING.png"], "no such image"),
    (["--mode", "i2v"], "needs --image"),
    (["--mode", "v2v", "--video", "MISSING.mp4"], "no such file"),
    (["--frames", "0"], "frames must be at least 1"),
])
def test_generate_bad_input_exits_2(tiny_weights, tmp_path, capsys, extra, needle):
    args = ["generate", "a ball", "--out", str(tmp_path / "x.mp4"), "--steps", "1", "--weights", str(tiny_weights)]
    assert main(args + [a.replace("MISSING", str(tmp_path / "missing")) for a in extra]) == EXIT_BAD_INPUT
    assert needle in capsys.readouterr().err


def test_generate_unreadable_image_and_bad_strength(tiny_weights, tmp_path, capsys):
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not a picture")
    base = ["generate", "a ball", "--out", str(tmp_path / "x.mp4"), "--steps", "1", "--weights", str(tiny_weights)]
    assert main(base + ["--mode", "i2v", "--image", str(junk)]) == EXIT_BAD_INPUT
    assert "cannot read image" in capsys.readouterr().err
    main(["world", "--out", str(tmp_path / "w")])
    source = next((tmp_path / "w").glob("*.mp4"))
    assert main(base + ["--mode", "v2v", "--video", str(source), "--strength", "1.5"]) == EXIT_BAD_INPUT
    assert "strength must be in (0, 1]" in capsys.readouterr().err
