"""V2A: mel round trip, picture features, the shipped model's sync and silence, windows, the tool, errors."""

import json

import numpy as np
import pytest

from agent.cli import main
from engine.eval.sync import detect_onsets, score_onsets
from engine.media import probe, read_video, write_video
from engine.v2a import pipeline as v2a_pipeline
from engine.v2a.features import CHANNELS, _windows, visual_features
from engine.v2a.mel import SAMPLE_RATE, log_mel, mel_to_audio
from engine.v2a.pipeline import V2AError, V2APipeline
from engine.world.render import render_clip
from engine.world.vocab import make_spec
from tools.common import ToolError
from tools.v2a import SoundArgs, SoundEngine, sound_video_file


@pytest.fixture(scope="module")
def v2a():
    return V2APipeline.from_pretrained()


def _clip(motion="bounces", shape="cube", scene="meadow", frames=16, seed=5):
    return render_clip(make_spec(shape=shape, colour="red", scene=scene, motion=motion, seed=seed, frames=frames))


def _events(clip) -> np.ndarray:
    """True event times, less any in the clip's last 50 ms (no onset detector sees a sound that starts
    as the clip ends, not even on the ground-truth soundtrack)."""
    return np.array([e.time for e in clip.events if e.time < len(clip.frames) / clip.fps - 0.05])


def _impacts_match(found, truth, shot_ends):
    """Every impact seen is a true one (within 30 ms), and every true one not at the very end of its
    shot is seen (one in the last 50 ms may or may not show in the picture)."""
    for imp in found:
        assert min(abs(imp.time - t) for t in truth) < 0.03, imp
    for t in truth:
        if min(end - t for end in shot_ends if end > t) > 0.05:
            assert min(abs(imp.time - t) for imp in found) < 0.03, t


def test_mel_round_trip_keeps_onsets():
    clip = _clip()
    audio = mel_to_audio(log_mel(clip.audio), len(clip.audio))
    assert audio.shape == clip.audio.shape and audio.dtype == np.float32
    score = score_onsets(detect_onsets(audio, SAMPLE_RATE), _events(clip))
    assert score.f1 == 1.0 and score.median_error_ms < 20


def test_windows_own_every_frame_once():
    for count in (1, 16, 32, 33, 70, 500):
        owned = np.zeros(count, int)
        for start, stop, own_from, own_to in _windows(count):
            assert 0 <= start <= own_from < own_to <= stop <= count
            owned[own_from:own_to] += 1
        assert (owned == 1).all()


def test_cuts_between_shots_are_found_and_falls_are_not_fitted_across_them():
    from engine.v2a.features import find_cuts

    parts = [_clip(shape=s, scene=sc, seed=k, frames=16 + 8 * k)
             for k, (s, sc) in enumerate([("cube", "meadow"), ("ball", "desert"), ("ring", "meadow")])]
    frames = np.concatenate([p.frames for p in parts])
    assert find_cuts(frames) == [16, 40]
    assert find_cuts(parts[0].frames) == []
    feats = visual_features(frames, 8)
    _impacts_match(feats.impacts, [e.time + start for p, start in zip(parts, (0, 2, 5)) for e in p.events],
                   [len(p.frames) / 8 + start for p, start in zip(parts, (0, 2, 5))])
    assert feats.scenes == ["meadow", "desert", "meadow"]
    # The ambience changes at each cut over SCENE_BLEND, not in one frame (a hard switch is heard as a hit).
    from engine.v2a.features import SCENE_BLEND
    from engine.v2a.mel import FRAME_RATE

    desert = feats.track[CHANNELS.index("scene_desert")]
    cut = int(2.0 * FRAME_RATE)
    ramp = desert[cut - 20:cut + 20]
    assert desert[cut - 20] == 0 and desert[cut + 20] == 1 and (np.diff(ramp) >= 0).all()
    assert 0 < ((ramp > 0) & (ramp < 1)).sum() <= SCENE_BLEND * FRAME_RATE


def test_features_come_from_the_picture():
    bounce = _clip()
    feats = visual_features(bounce.frames, bounce.fps)
    assert feats.track.shape[0] == len(CHANNELS)
    assert feats.scenes == ["meadow"] and feats.materials == ["cube"]
    assert set(np.unique(feats.track[CHANNELS.index("scene_meadow"):])) == {0.0, 1.0}, "one shot: no blending"
    _impacts_match(feats.impacts, [e.time for e in bounce.events], [2.0])
    still = _clip("still")
    assert visual_features(still.frames, still.fps).impacts == []


def test_shipped_model_sounds_impacts_in_sync(v2a):
    for seed, (shape, scene) in enumerate([("cube", "meadow"), ("ball", "desert"), ("ring", "night")]):
        clip = _clip(shape=shape, scene=scene, seed=seed)
        track = v2a(clip.frames, clip.fps)
        assert len(track.audio) == len(clip.audio) and np.abs(track.audio).max() <= 0.95 + 1e-6
        score = score_onsets(detect_onsets(track.audio, track.sample_rate), _events(clip))
        assert score.f1 >= 0.8, (shape, scene, score)
        assert score.median_error_ms < 30


def test_nothing_happening_gives_quiet_ambience(v2a):
    for motion in ("still", "moves left"):
        clip = _clip(motion)
        track = v2a(clip.frames, clip.fps)
        assert len(detect_onsets(track.audio, track.sample_rate)) == 0
        assert track.onsets == [] and -40 < track.loudness_db < -20


def test_long_video_in_chunks_matches_one_pass(v2a, monkeypatch):
    clip = _clip(frames=48)  # 6 s: two feature windows
    whole = v2a.predict(visual_features(clip.frames, clip.fps).track)
    monkeypatch.setattr(v2a_pipeline, "CHUNK", 97)
    chunked = v2a.predict(visual_features(clip.frames, clip.fps).track)
    assert np.allclose(whole[1], chunked[1], atol=1e-4) and np.allclose(whole[0], chunked[0], atol=1e-5)
    monkeypatch.setattr(v2a_pipeline, "VOCODER_WINDOW", 150)
    track = v2a(clip.frames, clip.fps)
    assert len(track.audio) == 6 * SAMPLE_RATE and np.isfinite(track.audio).all()


def test_bad_input_gives_clear_errors(v2a, tmp_path):
    with pytest.raises(V2AError, match="at least one frame"):
        v2a(np.zeros((0, 64, 64, 3), np.uint8), 8)
    with pytest.raises(V2AError, match="frame rate"):
        v2a(np.zeros((4, 64, 64, 3), np.uint8), 0)
    with pytest.raises(V2AError, match="8-bit"):
        v2a(np.zeros((4, 64, 64, 3), np.int32), 8)
    with pytest.raises(V2AError, match="no V2A weights"):
        V2APipeline.from_pretrained(tmp_path)


@pytest.mark.parametrize("count, fps", [(1, 8), (2, 24), (3, 8)])
def test_very_short_clips_get_sound(v2a, count, fps):
    frames = _clip().frames[:count]
    track = v2a(frames, fps)
    assert len(track.audio) == round(count / fps * SAMPLE_RATE) and np.isfinite(track.audio).all()


def test_sound_tool_caches_and_keeps_the_picture(tmp_path):
    clip = _clip()
    source = write_video(tmp_path / "mine.mp4", clip.frames, clip.fps, scale=2)
    sound = SoundEngine(cache_dir=tmp_path / "sounds")
    first = sound_video_file(source, tmp_path / "out.mp4", sound=sound)
    assert not first.cached and len(first.onsets) == len(_events(clip))
    info = probe(tmp_path / "out.mp4")
    assert info["audio"] and info["video"]["width"] == 128
    assert read_video(tmp_path / "out.mp4").frames.shape == read_video(source).frames.shape
    with pytest.raises(ToolError, match="already exists"):
        sound_video_file(source, tmp_path / "out.mp4", sound=sound)
    again = sound_video_file(source, tmp_path / "out.mp4", force=True, sound=sound)
    assert again.cached
    np.save(tmp_path / "shot.npy", clip.frames)
    with pytest.raises(ToolError, match="frame rate"):
        sound.sound_for(SoundArgs(frames_path=str(tmp_path / "shot.npy")))


def test_sound_command(tmp_path, capsys):
    clip = _clip()
    source = write_video(tmp_path / "in.mp4", clip.frames, clip.fps)
    assert main(["sound", str(source), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["file"].endswith("in.sound.mp4") and len(report["onsets"]) == len(_events(clip))
    (tmp_path / "notes.txt").write_text("not a video")
    assert main(["sound", str(tmp_path / "notes.txt")]) == 2
    assert "video" in capsys.readouterr().err
    assert main(["sound", str(tmp_path / "missing.mp4")]) == 2
    assert "no such file" in capsys.readouterr().err
