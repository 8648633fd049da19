"""`reelwright make` on a three-shot story, cold start included: a new process, empty shot and sound caches.

    .venv/bin/python -m benchmarks.make

Timed from launching the console script to its exit: imports, model loading, planning, rendering every
take at the gate, V2A sound, the cut and the film folder's pages.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.report import ROOT, write_section
from tools.film_report import FilmReport

STORY = "A red ball bounces in a meadow. Then it rolls to the right. Finally a blue cube falls on the beach."


def main() -> None:
    script = Path(sys.executable).with_name("reelwright")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, HOME=tmp)  # fresh ~/.cache: nothing rendered before
        for run in ("cold", "again (resumed session: nothing re-rendered)"):
            start = time.perf_counter()
            proc = subprocess.run([str(script), "make", STORY, "--out", f"{tmp}/film", "--json"], cwd=ROOT, env=env,
                                  capture_output=True, text=True)
            seconds = time.perf_counter() - start
            if proc.returncode != 0:
                raise SystemExit(f"reelwright make failed: {proc.stderr.strip()}")
            report = FilmReport.model_validate_json(proc.stdout)
            takes = sum(len(shot.takes) for shot in report.shots)
            rows.append(f"| {run} | {len(report.shots)} | {takes} | {seconds:.1f} |")
    body = ("| run | shots | takes rendered (gate) | seconds, process start to exit |\n|---|---|---|---|\n"
            + "\n".join(rows) + f"\n\nStory: \"{STORY}\"; default settings (16 steps, NCR on, up to 3 takes per "
            "shot, V2A sound, 256x256 H.264 + AAC).\n")
    write_section("Make a film", "python -m benchmarks.make", body)
    print(body)


if __name__ == "__main__":
    main()
