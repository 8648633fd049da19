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


def _modules_after(args: list[str], tmp_path) -> tuple[int, set[str]]:
    """Runs ``main(args)`` in a new process; -> its exit code and the top-level modules it imported."""
    import os
    import subprocess
    import sys

    script = ("import json, sys; from agent.cli import main; code = main(json.loads(sys.argv[1])); "
              "print(json.dumps([code, sorted({m.split('.')[0] for m in sys.modules})]))")
    done = subprocess.run([sys.executable, "-c", script, json.dumps(args)], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "HOME": str(tmp_path / "home")})
    assert done.returncode == 0, done.stderr[-2000:]
    code, modules = json.loads(done.stdout.strip().splitlines()[-1])
    return code, set(modules)


def test_help_and_argument_errors_import_no_torch(tmp_path):
    code, modules = _modules_after(["generate", "x", "--steps", "0"], tmp_path)
    assert code == EXIT_BAD_INPUT and "torch" not in modules


def test_a_built_in_generate_imports_only_what_sampling_needs(tmp_path):
    """Start-up: the built-in model loads without diffusers, transformers or scipy's signal/stats code, each of
    which costs up to seconds to import (the figures are in BENCHMARKS.md, Start-up)."""
    code, modules = _modules_after(["generate", "a red ball bounces in a meadow", "--out", str(tmp_path / "a.mp4"),
                                    "--steps", "2"], tmp_path)
    assert code == 0 and (tmp_path / "a.mp4").exists()
    assert not modules & {"diffusers", "transformers", "librosa", "mir_eval", "sympy"}, modules


def test_generate_reports_the_cache_and_its_saving(tiny_weights, tmp_path, capsys):
    out = tmp_path / "clip.mp4"
    assert main(["generate", "a red ball bounces in a meadow", "--out", str(out), "--steps", "8", "--weights",
                 str(tiny_weights), "--cache", "first-block", "--cache-threshold", "0.5", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["cache"] == {"name": "first-block", "threshold": 0.5}
    assert 0.0 < report["compute_fraction"] < 1.0
    assert main(["generate", "a red ball bounces in a meadow", "--out", str(out), "--force", "--steps", "8",
                 "--weights", str(tiny_weights), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["cache"]["name"] == "ncr" and report["compute_fraction"] < 0.5


@pytest.mark.parametrize("flags,needle", [
    (["--ncr", "off", "--cache", "sea"], "--ncr off and --cache sea disagree"),
    (["--cache-threshold", "0.2"], "--cache-threshold sets a diffusers cache's knob"),
    (["--cache", "tea"], "--cache"),
    (["--cache", "magcache", "--ncr-reused", "residual"], "--ncr-reused sets NCR, and --cache is magcache"),
])
def test_cache_flags_that_disagree_are_one_line(tiny_weights, tmp_path, capsys, flags, needle):
    code = main(["generate", "a red ball", "--out", str(tmp_path / "x.mp4"), "--weights", str(tiny_weights), *flags])
    assert code == EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1
    assert not (tmp_path / "x.mp4").exists()
