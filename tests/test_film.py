"""One request to a film folder, storyboard files to films, and the cut."""

import json

import numpy as np
import pytest
import soundfile

from agent.cli import EXIT_BAD_INPUT, main
from engine.media import probe, read_video
from tools.common import ToolError
from tools.cut import CutArgs, CutShot, assemble, assemble_audio, cut_film


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
    # Per shot three keyframes and its video's poster, and the film's poster.
    assert "data:video/mp4;base64," in page and page.count("data:image/png;base64,") == 9
    assert "http://" not in page and "https://" not in page and "<script" not in page, "self-contained"
    assert len(list((out / "shots").glob("*.mp4"))) == 2
    info = probe(out / "film.mp4")
    assert info["video"]["codec"] == "h264" and info["video"]["width"] == 256 and info["video"]["fps"] == 24
    assert info["audio"], "every shot gets V2A sound"
    film = read_video(out / "film.mp4")
    assert len(film.frames) == 2 * 16 * 3 and abs(len(film.audio) / film.sample_rate - 4.0) < 0.1
    assert all(shot["sound"] and shot["sound"]["scenes"] for shot in report["shots"])
    # Running the same command again resumes the finished session: the same film, nothing re-rendered.
    assert main(["make", "A red ball bounces on the beach. Then it rolls to the right.", "--out", str(out),
                 "--steps", "2", "--takes", "1", "--weights", str(tiny_weights), "--json"]) == 0


def test_render_a_storyboard_file_and_bad_files(tiny_weights, tmp_path, capsys):
    board = tmp_path / "board.yaml"
    board.write_text("shots:\n  - id: s1\n    prompt: a cube\n    subject: a\n    shape: cube\n    colour: blue\n"
                     "    scene: desert\n    motion: grows\n    duration: 1\n")
    click = _click_track(tmp_path / "click.wav", 0.25 + 0.5 * np.arange(8), 4)
    assert main(["render", str(board), "--out", str(tmp_path / "f"), "--steps", "1", "--takes", "1",
                 "--weights", str(tiny_weights), "--json", "--title-card", "--captions", "--music", str(click)]) == 0
    film = read_video(tmp_path / "f" / "film.mp4")
    # A 2-s title card crossfading into one 1-s shot: the shot would start at 1.5 s, the beat before is
    # at 1.25 s, so the card is trimmed by 6 frames.
    assert len(film.frames) == 48 - 6 + 24 - 12 and film.audio is not None
    capsys.readouterr()
    (tmp_path / "notes.txt").write_text("no music here")
    assert main(["render", str(board), "--out", str(tmp_path / "h"), "--music", str(tmp_path / "notes.txt"),
                 "--weights", str(tiny_weights)]) == EXIT_BAD_INPUT
    assert "not an audio file" in capsys.readouterr().err and not (tmp_path / "h").exists()
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
    assert assemble_audio(CutArgs(shots=shots, out_path="x")) is None  # no shot has sound: a silent film
    # Sound follows the picture: a crossfade overlaps the two sounds by the same half second.
    for i, level in enumerate((0.1, 0.4)):
        soundfile.write(tmp_path / f"s{i}.wav", np.full(16000, level, np.float32), 16000)
    voiced = [s.model_copy(update={"audio_path": str(tmp_path / f"s{i}.wav")}) for i, s in enumerate(shots)]
    audio = assemble_audio(CutArgs(shots=voiced, out_path="x"))
    assert len(audio) == 16000 * len(fade) // 24
    assert audio[4000] == pytest.approx(0.1, abs=1e-3) and audio[-4000] == pytest.approx(0.4, abs=1e-3)  # 16-bit wav
    assert 0.1 < audio[int(16000 * 0.75)] < 0.55  # in the middle of the crossfade both are heard
    hard = assemble_audio(CutArgs(shots=[s.model_copy(update={"transition": "cut"}) for s in voiced], out_path="x"))
    assert len(hard) == 32000 and abs(hard[16000 - 1]) < 0.01 and abs(hard[16000]) < 0.01  # no click at the cut
    out = cut_film(CutArgs(shots=voiced, out_path=str(tmp_path / "f.mp4")))
    info, film = probe(out), read_video(out)
    assert info["audio"] and info["video"]["codec"] == "h264" and info["video"]["fps"] == 24
    assert len(film.frames) == len(fade) and abs(len(film.audio) / film.sample_rate - len(fade) / 24) < 1 / 24
    means = film.frames.reshape(len(film.frames), -1).mean(axis=1)
    assert means[0] < 10 and means[-1] > 190 and np.all(np.diff(means) > -3), "shot order survives encoding"
    out = cut_film(CutArgs(shots=[CutShot(frames_path=paths[0])], out_path=str(tmp_path / "f1.mp4")))
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
    assert [s.alignment for s in report.shots] == [1.0, 1.0]
    assert report.shots[1].same_subject_as_previous is False
    blind = score_film(film)
    assert len(blind.shots) == 2 and blind.shots[1].seen["colour"] == "blue"
    assert main(["score", str(film), "--storyboard", str(board_yaml)]) == 0
    assert "alignment 100%" in capsys.readouterr().out
    assert main(["score", str(film), "--storyboard", str(board_yaml), "--json"]) == 0
    assert [s["alignment"] for s in json.loads(capsys.readouterr().out)["shots"]] == [1.0, 1.0]


def _click_track(path, beats, seconds, rate=16000):
    music = np.zeros(seconds * rate, np.float32)
    t = np.arange(400) / rate
    for b in beats:
        i = int(round(b * rate))
        music[i:i + 400] += 0.8 * np.exp(-t / 0.004) * np.sin(2 * np.pi * 1500 * t)
    soundfile.write(path, music, rate)
    return path


def _flat_shots(tmp_path, values, frames=16):
    paths = []
    for i, value in enumerate(values):
        p = tmp_path / f"flat{i}.npy"
        np.save(p, np.full((frames, 32, 32, 3), value, np.uint8))
        paths.append(str(p))
    return paths


def test_music_snaps_cuts_to_beats_and_ducks(tmp_path):
    from tools.cut import timeline
    from tools.music import load_music, mix_music

    beats = 0.3 + 0.5 * np.arange(15)  # 120 bpm, off the shots' own 2-second boundaries
    click = _click_track(tmp_path / "click.wav", beats, 8)
    shots = [CutShot(frames_path=p) for p in _flat_shots(tmp_path, (0, 100, 200))]
    args = CutArgs(shots=shots, out_path=str(tmp_path / "m.mp4"), height=32, music_path=str(click))
    pieces = timeline(args)
    starts = np.cumsum([0] + [p.length for p in pieces[:-1]])
    for start in starts[1:]:
        assert np.min(np.abs(start / 24 - beats)) <= 1 / 24, "each cut lands within a frame of a beat"
    film = assemble(args, pieces)
    assert len(film) == sum(p.length for p in pieces)
    assert film[starts[1] - 1].mean() == 0 and film[starts[1]].mean() == 100 and film[starts[2]].mean() == 200
    audio = assemble_audio(args, pieces)
    assert len(audio) == round(len(film) / 24 * 16000) and np.abs(audio).max() > 0.05  # the music is there
    unsnapped = timeline(args.model_copy(update={"snap_to_beats": False}))
    assert [p.length for p in unsnapped] == [48, 48, 48]
    out = cut_film(args)
    assert probe(out)["audio"]
    # Ducking: the music dips while the shots' own sound is loud, and comes back after.
    effects = np.zeros(64000, np.float32)
    effects[16000:16800] = 0.5
    tone = np.full(64000, 0.5, np.float32)
    music_only = mix_music(effects, tone, 16000, 0.0, -12.0) - effects
    assert music_only[8000] == pytest.approx(0.5, rel=0.01) and music_only[16400] < 0.25
    assert music_only[40000] == pytest.approx(0.5, rel=0.02)  # recovered (before the last second's fade-out)
    assert music_only[-100] < 0.01
    (tmp_path / "notes.txt").write_text("not music")
    with pytest.raises(ToolError, match="not an audio file"):
        load_music(tmp_path / "notes.txt", 16000)
    with pytest.raises(ToolError, match="no music file"):
        load_music(tmp_path / "gone.mp3", 16000)


def test_title_card_and_captions(tmp_path):
    shots = [CutShot(frames_path=p, caption="a red ball bounces") for p in _flat_shots(tmp_path, (90, 90))]
    plain = assemble(CutArgs(shots=shots, out_path="x", height=128))
    titled = assemble(CutArgs(shots=shots, out_path="x", height=128, title="The Ball", captions=True))
    assert len(titled) == len(plain) + 48 - 12  # a 2-second card crossfading into the first shot
    card = titled[10]
    assert card.mean() < 30 and card.max() == 255, "white title on black"
    shot = titled[48 + 20]
    assert (shot[-10:] != 90).any() and (shot[:60] == 90).all(), "caption at the bottom only"
