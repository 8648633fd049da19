"""Bad input across every command: the documented exit code, one line that names the problem and what to do,
no traceback, no file that existed changed, and nothing left behind by a refused command."""

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from agent.cli import EXIT_BAD_INPUT, main
from engine.media import write_video


def _snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(root.rglob("*"))}


@pytest.fixture(scope="module")
def place(tmp_path_factory, tiny_weights):
    """A folder of a person's files: a picture, a clip, a text file, binary junk, storyboards and a film."""
    root = tmp_path_factory.mktemp("place")
    Image.fromarray(np.full((40, 40, 3), 120, np.uint8)).save(root / "photo.png")
    frames = np.zeros((8, 32, 32, 3), np.uint8)
    frames[:, 8:24, 8:24] = 200
    write_video(root / "clip.mp4", frames, 8)
    (root / "notes.txt").write_text("just some words\n")
    (root / "junk.bin").write_bytes(bytes(range(256)) * 4)
    (root / "keep.mp4").write_bytes((root / "clip.mp4").read_bytes())
    good = ("title: Good\nshots:\n  - id: s1\n    prompt: a red ball bounces\n    shape: ball\n    colour: red\n"
            "    scene: meadow\n    motion: bounces\n")
    (root / "good.yaml").write_text(good)
    (root / "typo.yaml").write_text(good.replace("    motion: bounces\n", "    durration: 6\n"))
    (root / "camra.yaml").write_text(good.replace("    motion: bounces\n", "    camra: pan left\n"))
    (root / "empty.yaml").write_text("title: Nothing\nshots: []\n")
    (root / "escape.yaml").write_text(good.replace("id: s1", "id: ../../outside"))
    (root / "nosource.yaml").write_text(good + "    mode: i2v\n    source: missing.png\n")
    (root / "talk.yaml").write_text("turns:\n  - a red ball bounces in a meadow\n  - yes\n")
    (root / "talk_typo.yaml").write_text("turnz:\n  - a red ball\n")
    (root / "models").mkdir()
    (root / "models" / "index.json").write_text("{}")
    assert main(["make", "A red ball bounces in a meadow.", "--out", str(root / "film"), "--steps", "1",
                 "--takes", "1", "--no-sound", "--weights", str(tiny_weights)]) == 0
    return root


W = "--weights"
CASES = [
    # generate
    (["generate", "a ball", "--out", "{p}/keep.mp4"], "already exists"),
    (["generate", "a ball", "--out", "{p}/film"], "give a video file name"),
    (["generate", "a ball", "--out", "{p}/out.txt"], "give a video file name"),
    (["generate", "a ball", "--mode", "v2v", "--video", "{p}/clip.mp4", "--out", "{p}/clip.mp4", "--force"],
     "is also the input"),
    (["generate", "a ball", "--seed", "99999999999999999999", "--out", "{p}/n1.mp4"], "--seed"),
    (["generate", "a ball", "--seed", "-5", "--out", "{p}/n2.mp4"], "--seed"),
    (["generate", "a ball", "--guidance", "nan", "--out", "{p}/n3.mp4"], "--guidance"),
    (["generate", "a ball", "--steps", "0", "--out", "{p}/n4.mp4"], "--steps"),
    (["generate", "a ball", "--frames", "100000", "--out", "{p}/n5.mp4"], "use 1 to 64"),
    (["generate", "a ball", "--frames", "0", "--out", "{p}/n6.mp4"], "frames must be at least 1"),
    (["generate", "a ball", "--strength", "1.5", "--mode", "v2v", "--video", "{p}/clip.mp4", "--out", "{p}/n7.mp4"],
     "strength must be in (0, 1]"),
    (["generate", "a ball", "--mode", "i2v", "--image", "{p}/notes.txt", "--out", "{p}/n8.mp4"], "cannot read image"),
    (["generate", "a ball", "--mode", "i2v", "--image", "{p}/none.png", "--out", "{p}/n9.mp4"], "no such image"),
    (["generate", "a ball", "--mode", "extend", "--video", "{p}/junk.bin", "--out", "{p}/n10.mp4"], "junk.bin"),
    (["generate", "a ball", "--mode", "v2v", "--out", "{p}/n11.mp4"], "needs --video"),
    (["generate", "a ball", "--size", "64x64", "--out", "{p}/n12.mp4"], "--size is for a real model"),
    (["generate", "a ball", "--size", "banana", "--out", "{p}/n13.mp4"], "--size"),
    (["generate", "a ball", "--model", "{p}/models", "--out", "{p}/n14.mp4"], "no model_index.json"),
    (["generate", "a ball", "--model", "{p}/nowhere", "--out", "{p}/n15.mp4"], "no model folder"),
    (["generate", "a ball", "--weights", "{p}/nowhere", "--out", "{p}/n16.mp4"], "model weights missing"),
    (["generate", "a ball", "--offload", "model", "--out", "{p}/n17.mp4"], None),  # world model: offload is moot
    (["generate", "a quantum giraffe dancing on Mars", "--out", "{p}/n18.mp4"], "nothing in 'a quantum giraffe"),
    # make / render / run
    (["make", "a ball", "--out", "{p}/keep.mp4"], "is a file"),
    (["make", "a ball", "--takes", "0", "--out", "{p}/m1"], "--takes"),
    (["make", "a ball", "--steps", "500", "--out", "{p}/m2"], "--steps"),
    (["make", "", "--out", "{p}/m3"], "request is empty"),
    (["make", "quantum flux of purple ideas", "--out", "{p}/m4"], None),  # said plainly: nothing to film
    (["make", "another film entirely", "--out", "{p}/film"], "holds another film"),
    (["render", "{p}/good.yaml", "--out", "{p}/film"], "holds another film"),
    (["make", "a ball", "--out", "{p}/m7", "--weights", "/a/typo"], "model weights missing"),
    (["make", "a ball", "--out", "{p}/m5", "--model", "{p}/models"], "no model_index.json"),
    (["make", "a ball", "--music", "{p}/notes.txt", "--out", "{p}/m6"], "notes.txt"),
    (["render", "{p}/none.yaml", "--out", "{p}/r1"], "no such storyboard file"),
    (["render", "{p}/junk.bin", "--out", "{p}/r2"], "binary data"),
    (["render", "{p}/photo.png", "--out", "{p}/r3"], "binary data"),
    (["render", "{p}/notes.txt", "--out", "{p}/r4"], "a storyboard is a mapping"),
    (["render", "{p}/typo.yaml", "--out", "{p}/r5"], "did you mean 'duration'?"),
    (["render", "{p}/camra.yaml", "--out", "{p}/r6"], "did you mean 'camera'?"),
    (["render", "{p}/empty.yaml", "--out", "{p}/r7"], "no shots"),
    (["render", "{p}/escape.yaml", "--out", "{p}/r8"], "cannot be a shot id"),
    (["render", "{p}/nosource.yaml", "--out", "{p}/r9"], "no file at"),
    (["render", "{p}/models", "--out", "{p}/r10"], "is a folder"),
    (["run", "{p}/junk.bin", "--out", "{p}/c1"], "binary data"),
    (["run", "{p}/talk_typo.yaml", "--out", "{p}/c2"], "did you mean 'turns'?"),
    (["run", "{p}/none.yaml", "--out", "{p}/c3"], "no such conversation file"),
    # the other commands
    (["evaluate", "{p}/film"], "is a folder"),
    (["evaluate", "{p}/junk.bin"], "junk.bin"),
    (["sound", "{p}/photo.png", "--out", "{p}/s1.mp4"], "single picture"),
    (["sound", "{p}/clip.mp4", "--out", "{p}/keep.mp4"], "already exists"),
    (["sound", "{p}/clip.mp4", "--out", "{p}/clip.mp4", "--force"], "is also the input"),
    (["sound", "{p}/clip.mp4", "--out", "{p}/noext"], "give a video file name"),
    (["score", "{p}/junk.bin"], "junk.bin"),
    (["score", "{p}/film/film.mp4", "--storyboard", "{p}/junk.bin"], "binary data"),
    (["score", "{p}/clip.mp4", "--storyboard", "{p}/film/storyboard.yaml"], "give the storyboard this film was made"),
    (["world", "--shape", "hexagon", "--out", "{p}/w1"], "ball, cube, triangle, ring"),
    (["world", "--seed", "abc", "--out", "{p}/w2"], "--seed"),
    (["bogus-command"], "invalid choice"),
]


@pytest.mark.parametrize("argv,needle", CASES, ids=[" ".join(c[0][:2]) + f"#{i}" for i, c in enumerate(CASES)])
def test_bad_input_is_one_line_and_changes_nothing(place, tiny_weights, capsys, argv, needle):
    argv = [a.replace("{p}", str(place)) for a in argv]
    if argv[0] in ("generate", "make", "render", "run") and W not in argv:
        argv += [W, str(tiny_weights), "--steps" if "--steps" not in argv else "--takes",
                 "1" if "--steps" not in argv else "1"]
    before = _snapshot(place)
    capsys.readouterr()
    code = main(argv)
    err = capsys.readouterr().err.strip()
    if needle is None:  # allowed to succeed or to refuse, but never with a traceback
        assert "Traceback" not in err and code in (0, EXIT_BAD_INPUT), err
        return
    assert code == EXIT_BAD_INPUT, (argv, code, err)
    lines = [line for line in err.splitlines() if not line.startswith("note:")]
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in err, err
    after = _snapshot(place)
    assert {k: v for k, v in after.items() if k in before} == before, "a file that existed was changed"
    assert set(after) == set(before), f"left behind: {sorted(set(after) - set(before))}"


def test_bad_input_count():
    assert len(CASES) >= 50


def _make(folder: Path, weights: Path, home: Path, request: str = "A red ball bounces in a meadow. Then it rises.",
          takes: int = 1):
    env = dict(os.environ, HOME=str(home))
    return subprocess.Popen([sys.executable, "-m", "agent.cli", "make", request, "--out", str(folder), "--steps", "1",
                             "--takes", str(takes), "--no-sound", "--weights", str(weights)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _decodes_fully(path: Path) -> bool:
    import imageio_ffmpeg

    proc = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "null", "-"],
                          capture_output=True, text=True)
    return proc.returncode == 0 and not proc.stderr.strip()


def test_two_makes_on_one_folder(tiny_weights, tmp_path):
    # The first run is long (six shots, up to three takes each, a fresh cache) and the second starts once the
    # first holds the folder, so the two always overlap however busy the machine is.
    request = ". ".join(f"A {c} ball bounces in a meadow" for c in ("red", "blue", "green", "white", "black", "purple"))
    for trial in range(5):
        folder, home = tmp_path / f"film{trial}", tmp_path / f"home{trial}"
        first = _make(folder, tiny_weights, home, request, takes=3)
        deadline = time.monotonic() + 120
        while not (folder / ".reelwright.lock").exists() and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        second = _make(folder, tiny_weights, home, request, takes=3)
        results = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in (first, second)]
        assert [r[0] for r in results] == [0, EXIT_BAD_INPUT], results
        refused = results[1][2].strip().splitlines()
        assert len(refused) == 1 and "being made by another reelwright run" in refused[0]
        assert _decodes_fully(folder / "film.mp4")
        assert not (folder / ".reelwright.lock").exists()


def test_a_stale_lock_is_taken_over(tiny_weights, tmp_path, capsys):
    folder = tmp_path / "film"
    folder.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (folder / ".reelwright.lock").write_text(json.dumps({"pid": dead.pid, "started": "1", "host": os.uname()[1],
                                                         "since": "earlier"}))
    assert main(["make", "a red ball bounces", "--out", str(folder), "--steps", "1", "--takes", "1", "--no-sound",
                 "--weights", str(tiny_weights)]) == 0
    assert "took over the folder from a run that is gone" in capsys.readouterr().err
    assert (folder / "film.mp4").exists()


def test_another_film_with_force_keeps_the_old_one(tiny_weights, tmp_path):
    folder = tmp_path / "film"
    base = ["--out", str(folder), "--steps", "1", "--takes", "1", "--no-sound", "--weights", str(tiny_weights)]
    assert main(["make", "a red ball bounces in a meadow", *base]) == 0
    old = (folder / "film.mp4").read_bytes()
    assert main(["make", "a blue cube falls on the beach", *base, "--force"]) == 0
    assert (folder / "versions" / "v1" / "film.mp4").read_bytes() == old
    report = json.loads((folder / "report.json").read_text())
    assert report["request"] == "a blue cube falls on the beach" and len(report["shots"]) == 1
    assert sorted(p.name for p in (folder / "shots").iterdir()) == ["01_s1.mp4"], "nothing stale is left"


def test_nothing_escapes_the_film_folder(tiny_weights, tmp_path):
    """Ids, a title and sources that try to leave the folder write nothing outside it (or the cache)."""
    work = tmp_path / "work"
    work.mkdir()
    Image.fromarray(np.full((40, 40, 3), 90, np.uint8)).save(tmp_path / "outside.png")
    board = work / "sneaky.yaml"
    board.write_text("title: ../../../../tmp/escaped\nshots:\n  - id: s1\n    prompt: a ball\n    shape: ball\n"
                     "    colour: red\n    scene: meadow\n  - id: s2\n    prompt: a ball rises\n    shape: ball\n"
                     "    colour: red\n    scene: meadow\n    mode: i2v\n    source: ../outside.png\n")
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    assert main(["render", str(board), "--out", str(work / "film"), "--steps", "1", "--takes", "1", "--no-sound",
                 "--weights", str(tiny_weights)]) == 0
    after = sorted(str(p) for p in tmp_path.rglob("*"))
    assert all(p.startswith(str(work / "film")) for p in set(after) - set(before))
    assert not Path("/tmp/escaped").exists()


def test_a_make_killed_anywhere_resumes_without_rendering_a_finished_shot_twice(tiny_weights, tmp_path):
    home, folder = tmp_path / "home", tmp_path / "film"
    request = "A red ball bounces in a meadow. Then it rises. Finally a blue cube falls on the beach."
    shots_cache = home / ".cache" / "reelwright" / "shots"

    def shots_done():
        return len(list(shots_cache.glob("*/shot.json")))

    # Kill points by progress, not by the clock: while loading, after each of the three shots, while cutting.
    points = [lambda: True, lambda: shots_done() >= 1, lambda: shots_done() >= 2, lambda: shots_done() >= 3,
              lambda: (folder / "shots").exists()]
    finished: dict[str, int] = {}  # every shot finished before some kill, as first written
    for reached in points:
        run = _make(folder, tiny_weights, home, request)
        deadline = time.monotonic() + 120
        while not reached() and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        run.kill()
        run.wait()
        for p in shots_cache.glob("*/shot.json"):
            finished.setdefault(p.parent.name, p.stat().st_mtime_ns)
    assert len(finished) == 3, "every shot was finished before some kill"
    done = _make(folder, tiny_weights, home, request)
    assert done.wait(timeout=300) == 0, done.stderr.read()
    assert _decodes_fully(folder / "film.mp4")
    for key, mtime in finished.items():
        assert (shots_cache / key / "shot.json").stat().st_mtime_ns == mtime, f"shot {key} was rendered twice"


def test_a_typo_in_the_weights_does_not_stick(tiny_weights, tmp_path, capsys):
    folder = tmp_path / "film"
    base = ["make", "a red ball bounces", "--out", str(folder), "--steps", "1", "--takes", "1", "--no-sound"]
    assert main(base + ["--weights", str(tmp_path / "typo")]) == EXIT_BAD_INPUT
    assert main(base + ["--weights", str(tiny_weights)]) == 0 and (folder / "film.mp4").exists()


def test_a_long_source_is_trimmed_with_a_note(tiny_weights, tmp_path, capsys):
    long = np.zeros((8 * 30, 32, 32, 3), np.uint8)
    long[:, :, :, 0] = np.arange(len(long))[:, None, None] % 250
    write_video(tmp_path / "long.mp4", long, 8)
    out = tmp_path / "edited.mp4"
    assert main(["generate", "a blue ball", "--mode", "v2v", "--video", str(tmp_path / "long.mp4"), "--out", str(out),
                 "--steps", "1", "--weights", str(tiny_weights)]) == 0
    assert "used seconds 0.0-2.0 of the 30.0-s source" in capsys.readouterr().err


def test_a_pasted_novel_is_planned_to_a_film_with_a_note():
    from agent.offline_planner import OfflinePlanner
    from agent.storyboard import MAX_PLANNED_SHOTS, keep_first_shots

    novel = " ".join(f"Then the {c} ball bounces on the beach." for c in ["red", "blue", "green", "white"] * 40)
    board = keep_first_shots(OfflinePlanner(use_encoder=False).plan(novel))
    assert len(board.shots) == MAX_PLANNED_SHOTS and "describes 160 shots" in board.notes[-1]


def test_chat_without_a_terminal_says_so(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "agent.cli", "chat"], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == EXIT_BAD_INPUT and proc.stderr.count("\n") == 1 and "needs a terminal" in proc.stderr
    assert "\x1b[" not in proc.stdout


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    import engine.media as media

    keep = tmp_path / "keep.mp4"
    write_video(keep, np.zeros((4, 16, 16, 3), np.uint8), 8)
    before = keep.read_bytes()

    def broken(args, what, stdin=None):
        Path(args[-1]).write_bytes(b"half a video")
        raise media.MediaError(f"{what}: No space left on device")

    monkeypatch.setattr(media, "_run", broken)
    with pytest.raises(media.MediaError, match="No space left"):
        write_video(keep, np.ones((4, 16, 16, 3), np.uint8), 8)
    assert keep.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["keep.mp4"]


def test_a_long_film_needs_a_yes_and_two_colours_are_named(tiny_weights, tmp_path, capsys):
    folder = tmp_path / "long"
    request = " ".join(f"Then a {c} ball bounces on the beach for 8 seconds." for c in ["red", "blue"] * 8)
    base = ["make", request, "--out", str(folder), "--steps", "1", "--takes", "1", "--no-sound", "--weights",
            str(tiny_weights)]
    assert main(base) == EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "would run 128 s" in err and "--yes" in err and not folder.exists()
    assert main(["generate", "a red blue ball bounces", "--out", str(tmp_path / "c.mp4"), "--steps", "1",
                 "--weights", str(tiny_weights)]) == 0
    assert "'red blue ball' names two colours for one ball" in capsys.readouterr().err


def test_sources_of_the_wrong_kind_are_refused_before_rendering(place, tiny_weights, tmp_path, capsys):
    good = (place / "good.yaml").read_text()
    for mode, source, needle in [("i2v", "notes.txt", "cannot read image"), ("v2v", "photo.png", "is not a video")]:
        path = place.parent / f"wrong_{mode}.yaml"
        path.write_text(good + f"    mode: {mode}\n    source: {place / source}\n")
        assert main(["render", str(path), "--out", str(tmp_path / mode), "--weights", str(tiny_weights)]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "shot 1 (s1)" in err and needle in err
        assert not (tmp_path / mode).exists()


def test_an_unexpected_failure_is_one_line_unless_debugging(monkeypatch, capsys):
    import agent.cli as cli

    def boom(args):
        raise KeyError("internal")

    monkeypatch.setattr(cli, "cmd_evaluate", boom)
    assert cli.main(["evaluate", "x.mp4"]) == cli.EXIT_FAILURE
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "unexpected failure (KeyError" in err and "--debug" in err
    with pytest.raises(KeyError):
        cli.main(["--debug", "evaluate", "x.mp4"])


def test_a_refused_run_never_removes_the_folder_another_run_holds(tiny_weights, tmp_path, capsys):
    from agent.film_folder import film_lock

    folder = tmp_path / "film"
    with film_lock(folder):  # another run has just made the folder and holds it
        assert main(["make", "a red ball bounces", "--out", str(folder), "--steps", "1", "--weights",
                     str(tiny_weights)]) == EXIT_BAD_INPUT
        assert "being made by another reelwright run" in capsys.readouterr().err
        assert (folder / ".reelwright.lock").exists()


def test_refusals_do_not_stick_to_a_folder(tiny_weights, tmp_path, capsys):
    base = ["--steps", "1", "--takes", "1", "--no-sound", "--weights", str(tiny_weights)]
    talk = tmp_path / "talk.yaml"
    talk.write_text("turns:\n  - a red ball bounces in a meadow\n")
    assert main(["run", str(talk), "--out", str(tmp_path / "talk"), *base]) == EXIT_BAD_INPUT
    assert "add a turn such as 'yes'" in capsys.readouterr().err
    talk.write_text("turns:\n  - a red ball bounces in a meadow\n  - yes\n")
    assert main(["run", str(talk), "--out", str(tmp_path / "talk"), *base]) == 0, capsys.readouterr().err

    long = tmp_path / "long.yaml"
    long.write_text("shots:\n" + "".join(f"  - id: s{i}\n    prompt: a red ball\n    shape: ball\n    colour: red\n"
                                          f"    scene: beach\n    duration: 8\n" for i in range(16)))
    folder = tmp_path / "long"
    folder.mkdir()
    assert main(["render", str(long), "--out", str(folder), *base]) == EXIT_BAD_INPUT
    assert "--yes" in capsys.readouterr().err
    assert main(["render", str(long), "--out", str(folder), *base, "--yes"]) == 0, capsys.readouterr().err


def test_force_keeps_a_persons_files_aside(tiny_weights, tmp_path, capsys):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "film.mp4").write_bytes(b"my own film")
    base = ["make", "a red ball bounces", "--out", str(folder), "--steps", "1", "--takes", "1", "--no-sound",
            "--weights", str(tiny_weights)]
    assert main(base) == EXIT_BAD_INPUT and "holds other files" in capsys.readouterr().err
    assert main(base + ["--force"]) == 0
    assert (folder / "versions" / "v1" / "film.mp4").read_bytes() == b"my own film"
