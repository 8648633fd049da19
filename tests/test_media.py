import numpy as np
import pytest

from engine.eval.files import score_file
from engine.media import MediaError, probe, read_video, write_video
from engine.world import render_clip


def test_mp4_round_trip_and_file_scoring(tmp_path):
    clip = render_clip(shape="triangle", colour="green", scene="night", motion="bounces", seed=2)
    path = write_video(tmp_path / "clip.mp4", clip.frames, clip.fps, clip.audio, clip.sample_rate, scale=2)
    info = probe(path)
    assert info["video"]["codec"] == "h264" and info["video"]["width"] == 128 and info["audio"]
    back = read_video(path)
    assert back.frames.shape == (16, 128, 128, 3) and back.fps == 8
    assert abs(len(back.audio) / back.sample_rate - 2.0) < 0.1
    report = score_file(path)
    assert report.attributes == clip.attributes
    assert len(report.sound_onsets) == len(clip.events)


def test_corrupt_and_missing_files(tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 50)
    with pytest.raises(MediaError):
        read_video(bad)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(MediaError):
        read_video(empty)
    with pytest.raises(MediaError, match="no such file"):
        read_video(tmp_path / "missing.mp4")


def test_audio_only_file_has_no_video_stream(tmp_path):
    import soundfile

    wav = tmp_path / "sound.wav"
    soundfile.write(wav, np.zeros(8000, np.float32), 16000)
    with pytest.raises(MediaError, match="no video stream"):
        read_video(wav)
