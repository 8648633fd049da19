"""The cut: time to cut a 10-shot film whose shots (and their V2A sound) are already rendered.

    .venv/bin/python -m benchmarks.cut [--shots 10] [--long 20]

The shots are drawn by the shipped DiT and given sound by V2A first (not timed); then the cut is timed
as `make` runs it: 256x256 H.264 + AAC at 24 fps, with crossfades, and again with a title card,
captions and beat-snapped music under it; then a longer film, for memory. Peak memory is what the cut
allocates (tracemalloc, which numpy reports to), over what the process already held.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import soundfile

from benchmarks.report import write_section
from engine.media import probe, read_video
from engine.pipeline import load_pipeline
from engine.v2a.pipeline import V2APipeline
from engine.world.captions import canonical_caption
from engine.world.dataset import sample_spec
from tools.cut import CutArgs, CutShot, cut_film


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shots", type=int, default=10)
    parser.add_argument("--long", type=int, default=20, help="shots in the film cut for the memory check")
    args = parser.parse_args()
    engine, v2a = load_pipeline(), V2APipeline.from_pretrained()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shots = []
        for i in range(max(args.shots, args.long)):
            attrs = sample_spec(i, seed=5, split="train").attributes()
            out = engine(canonical_caption(attrs), attributes=attrs, num_inference_steps=16, seed=i)
            np.save(folder / f"s{i}.npy", out.frames)
            track = v2a(out.frames, out.fps, seed=i)
            soundfile.write(folder / f"s{i}.wav", track.audio, track.sample_rate)
            shots.append(CutShot(frames_path=str(folder / f"s{i}.npy"), audio_path=str(folder / f"s{i}.wav"),
                                 transition="crossfade" if i % 2 else "cut", caption=canonical_caption(attrs)))
        rate = 16000
        music = np.zeros(40 * rate, np.float32)
        t = np.arange(400) / rate
        for b in np.arange(0.2, 40, 0.5):  # a 120-bpm click track stands in for a person's music
            music[int(b * rate):int(b * rate) + 400] += 0.5 * np.exp(-t / 0.004) * np.sin(2 * np.pi * 1500 * t)
        soundfile.write(folder / "music.wav", music, rate)
        music_extra = dict(title="Benchmark", captions=True, music_path=str(folder / "music.wav"))
        variants = [
            ("shots with sound, cuts and crossfades", args.shots, {}),
            ("+ title card, captions, beat-snapped ducked music", args.shots, music_extra),
            ("a longer film, everything on", args.long, music_extra),
        ]
        for name, count, extra in variants:
            out = folder / f"{len(rows)}.mp4"
            tracemalloc.start()
            start = time.perf_counter()
            cut_film(CutArgs(shots=shots[:count], out_path=str(out), **extra))
            seconds = time.perf_counter() - start
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            info = probe(out)
            film = read_video(out)
            rows.append(f"| {name} | {count} | {len(film.frames) / 24:.1f} | {info['video']['codec']} + "
                        f"{'AAC' if info['audio'] else 'no audio'} | {seconds:.2f} | {peak:.0f} MB |")
    body = ("| cut | shots | film seconds | streams | seconds to cut | peak memory of the cut |\n"
            "|---|---|---|---|---|---|\n" + "\n".join(rows)
            + "\n\nTimed: reading the shots, upscaling (Lanczos) to 256x256, retiming to 24 fps, transitions, "
              "laying out the sound, music and ducking, loudness to -16 LUFS with a true-peak limit, H.264 + AAC "
              "encoding. Not timed: drawing the shots "
              "and their sound, which the shot and sound caches keep between cuts.\n")
    write_section("The cut", f"python -m benchmarks.cut --shots {args.shots} --long {args.long}", body)
    print(body)


if __name__ == "__main__":
    main()
