"""Shots on a local Ray instance (2 CPUs): the same film bytes as a local render, one model load per worker
across a batch, a worker killed mid-shot, a driver killed mid-film, an unreachable cluster."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from agent.cli import EXIT_BAD_INPUT, main

BOARD = """title: {title}
shots:
  - id: s1
    prompt: a {colour} ball bounces in a meadow
    subject: a
    shape: ball
    colour: {colour}
    scene: meadow
    motion: bounces
    duration: 2
  - id: s2
    prompt: the ball rolls to the right
    subject: a
    shape: ball
    colour: {colour}
    scene: meadow
    motion: moves right
    source: previous
    mode: i2v
    duration: 2
  - id: s3
    prompt: a blue cube falls on the beach
    subject: b
    shape: cube
    colour: blue
    scene: beach
    motion: falls
    duration: 2
  - id: s4
    prompt: a yellow triangle grows in the desert
    subject: c
    shape: triangle
    colour: yellow
    scene: desert
    motion: grows
    duration: 2
"""


def _board(path: Path, title: str = "four shots", colour: str = "red") -> Path:
    path.write_text(BOARD.format(title=title, colour=colour))
    return path


def test_an_unreachable_cluster_is_one_line_before_any_model_loads(tmp_path, capsys):
    board = _board(tmp_path / "b.yaml")
    code = main(["render", str(board), "--out", str(tmp_path / "f"), "--cluster", "ray://127.0.0.1:1"])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert err.count("\n") == 1 and "cannot reach the Ray cluster at ray://127.0.0.1:1" in err
    assert not (tmp_path / "f").exists()
    assert main(["render", str(board), "--cluster", "not an address"]) == EXIT_BAD_INPUT
    assert main(["render", str(board), "--workers", "2"]) == EXIT_BAD_INPUT
    assert "add --cluster local" in capsys.readouterr().err
    assert main(["render", str(board), "--worker-start-seconds", "60"]) == EXIT_BAD_INPUT
    assert "add --cluster local" in capsys.readouterr().err


NEEDS_RAY = "the cluster tests need the [cluster] extra (pip install -e '.[cluster]')"


@pytest.fixture(scope="module")
def local_ray():
    import logging

    ray = pytest.importorskip("ray", reason=NEEDS_RAY)
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    yield
    ray.shutdown()


def _engines(tmp_path, **cluster):
    from engine.cluster import ClusterConfig
    from tools.common import VideoEngine

    local = VideoEngine(cache_dir=tmp_path / "local-cache")
    remote = VideoEngine(cache_dir=tmp_path / "cluster-cache", cluster=ClusterConfig(address="local", **cluster))
    return local, remote


def test_a_chained_storyboard_renders_through_workers_to_the_same_film_bytes(local_ray, tmp_path):
    from agent.film import make_film
    from agent.graph import DirectorSettings
    from agent.storyboard import load_storyboard

    board = load_storyboard(_board(tmp_path / "b.yaml"))
    settings = DirectorSettings(max_takes=1, steps=4)
    local, remote = _engines(tmp_path)
    try:
        there = make_film(tmp_path / "cluster", remote, storyboard=board, settings=settings)
        stats = remote.backend.stats()
    finally:
        remote.close()
    here = make_film(tmp_path / "local", local, storyboard=board, settings=settings)
    assert (tmp_path / "cluster" / "film.mp4").read_bytes() == (tmp_path / "local" / "film.mp4").read_bytes()
    for a, b in zip(here.shots, there.shots):
        assert a.takes[0].key == b.takes[0].key
    assert there.engine.cluster == {"address": "local", "workers": 2, "cpus_each": 1.0, "gpus_each": 0.0}
    # Three runs ([s1, s2], [s3], [s4]) go out at once: both workers render, each loaded its model once.
    assert [s["loads"] for s in stats] == [1, 1] and all(s["renders"] >= 1 for s in stats)
    assert sum(s["renders"] for s in stats) == 4


def test_a_batch_shares_one_model_load_per_worker(local_ray, tmp_path, capsys):
    boards = [_board(tmp_path / f"{name}.yaml", title=name, colour=colour)
              for name, colour in (("morning", "red"), ("noon", "green"), ("dusk", "purple"))]
    (tmp_path / "broken.yaml").write_text("shots: [")
    out = tmp_path / "films"
    code = main(["batch", *map(str, boards), str(tmp_path / "broken.yaml"), "--out", str(out), "--cluster", "local",
                 "--takes", "1", "--steps", "2", "--no-sound", "--json"])
    films = json.loads(capsys.readouterr().out)["films"]
    assert code == 1, "one film failed, and the exit code says so"
    assert [Path(f["folder"]).name for f in films] == ["morning", "noon", "dusk", "broken"]
    assert all((out / name / "film.mp4").exists() for name in ("morning", "noon", "dusk"))
    assert films[3]["error"].startswith(f"{tmp_path / 'broken.yaml'}:1: not valid YAML")
    assert all(f["shots"] == 4 and f["takes"] == 4 and f["length"] == pytest.approx(8.0) for f in films[:3])


def test_a_batch_counts_one_load_per_worker(local_ray, tmp_path):
    from agent.batch import make_batch
    from agent.graph import DirectorSettings

    boards = [_board(tmp_path / f"{c}.yaml", colour=c) for c in ("red", "white", "orange")]
    _, remote = _engines(tmp_path)
    try:
        films = make_batch(boards, tmp_path / "films", remote, DirectorSettings(max_takes=1, steps=2, sound=False),
                           parallel=2)
        stats = remote.backend.stats()
    finally:
        remote.close()
    assert all(f.error is None for f in films)
    # s3 and s4 are the same shots in every film: rendered once, then found in the cache.
    assert sum(f.rendered for f in films) == 3 * 2 + 2
    assert len(stats) == 2 and [s["loads"] for s in stats] == [1, 1], "a model loads once per worker, not per film"
    assert sum(s["renders"] for s in stats) == 3 * 2 + 2


def test_a_worker_killed_mid_shot_is_replaced_and_the_shot_retried(local_ray, tmp_path):
    import ray

    from tools.common import SamplingSettings, ShotAttributes, ShotLost

    local, remote = _engines(tmp_path)
    attrs = ShotAttributes(shape="ring", colour="orange", scene="snowfield", motion="rises")
    sampling = SamplingSettings(frames=32, steps=120, seed=11)
    steps, results = [], []
    try:
        remote.backend.pool.stats()  # both workers up
        worker = threading.Thread(target=lambda: results.append(
            remote.render("t2v", "an orange ring rises", attrs, sampling, progress=steps.append)))
        worker.start()
        deadline = time.time() + 120
        while not steps and time.time() < deadline:
            time.sleep(0.05)
        assert steps, "the shot started"
        (victim,) = remote.backend.pool.busy.values()
        ray.kill(victim, no_restart=True)
        worker.join(timeout=300)
        assert results and not results[0].cached
        stats = remote.backend.stats()
        assert len(stats) == 2 and sum(s["renders"] for s in stats) == 1, "retried on another worker"

        # With no retries left, the shot fails in one line that says a rerun tries it again.
        remote.backend.config = remote.backend.config.model_copy(update={"retries": 0})
        failure = []

        def doomed():
            try:
                remote.render("t2v", "an orange ring rises", attrs, sampling.model_copy(update={"seed": 12}))
            except ShotLost as exc:
                failure.append(str(exc))

        steps.clear()
        worker = threading.Thread(target=doomed)
        worker.start()
        while not steps and not remote.backend.pool.busy:
            time.sleep(0.05)
        time.sleep(0.5)
        (victim,) = remote.backend.pool.busy.values()
        ray.kill(victim, no_restart=True)
        worker.join(timeout=300)
        assert failure and "worker died 1 time(s)" in failure[0] and "run the same command again" in failure[0]
    finally:
        remote.close()
    here = local.render("t2v", "an orange ring rises", attrs, sampling)
    assert np.array_equal(here.frames(), results[0].frames())


def test_a_worker_that_never_comes_up_fails_its_shot_in_one_line(local_ray, tmp_path):
    """A replacement for a dead worker that the cluster has no room for is given up after start_seconds, not
    waited for without end; with no worker left, the next shot is told so at once."""
    import ray

    from engine.cluster import EngineWorker
    from tools.common import SamplingSettings, ShotAttributes, ShotLost

    _, remote = _engines(tmp_path, workers=1, retries=1, start_seconds=5)
    attrs = ShotAttributes(shape="ring", colour="orange", scene="snowfield", motion="rises")
    sampling = SamplingSettings(frames=32, steps=120, seed=13)
    steps, failure = [], []

    def doomed():
        try:
            remote.render("t2v", "an orange ring rises", attrs, sampling, progress=steps.append)
        except ShotLost as exc:
            failure.append(str(exc))

    try:
        pool = remote.backend.pool
        pool.stats()  # the one worker is up
        pool._actor_class = ray.remote(EngineWorker).options(num_cpus=64, max_restarts=0)  # no room on 2 CPUs
        worker = threading.Thread(target=doomed)
        worker.start()
        deadline = time.time() + 120
        while not steps and time.time() < deadline:
            time.sleep(0.05)
        assert steps, "the shot started"
        (victim,) = pool.busy.values()
        killed = time.monotonic()
        ray.kill(victim, no_restart=True)
        worker.join(timeout=120)
        assert failure and "not up 5 s after it was started" in failure[0], failure
        assert "run the same command again" in failure[0]
        assert time.monotonic() - killed < 60, "given up near the deadline"
        with pytest.raises(ShotLost, match="no worker is left"):
            remote.render("t2v", "an orange ring rises", attrs, sampling.model_copy(update={"seed": 14}))
    finally:
        remote.close()


def test_a_killed_driver_rerun_renders_nothing_twice(tmp_path):
    pytest.importorskip("ray", reason=NEEDS_RAY)
    board = _board(tmp_path / "b.yaml")
    env = {**os.environ, "HOME": str(tmp_path / "home")}
    cache = tmp_path / "home" / ".cache" / "reelwright" / "shots"
    cmd = [sys.executable, "-m", "agent.cli", "render", str(board), "--out", str(tmp_path / "film"), "--cluster",
           "local", "--takes", "1", "--steps", "24", "--json"]
    first = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    deadline = time.time() + 180
    while time.time() < deadline and first.poll() is None:
        if cache.is_dir() and any((p / "shot.json").exists() for p in cache.iterdir()):
            break
        time.sleep(0.02)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    before = {p.name for p in cache.iterdir() if (p / "shot.json").exists()}
    assert 1 <= len(before) < 4, "killed part-way"
    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    takes = [t for shot in report["shots"] for t in shot["takes"]]
    assert len(takes) == 4
    for take in takes:
        assert take["cached"] == (take["key"] in before), "a shot finished before the kill is not rendered again"


def test_worker_layout_follows_the_machines():
    from engine.cluster import ClusterConfig, ClusterError, worker_layout

    two_cpu = [{"CPU": 2.0}]
    assert worker_layout(two_cpu, ClusterConfig(address="local"), real_model=False) == (2, 1.0, 0.0)
    assert worker_layout(two_cpu, ClusterConfig(address="local"), real_model=True) == (1, 2.0, 0.0)
    machines = [{"CPU": 16.0, "GPU": 2.0}, {"CPU": 8.0, "GPU": 1.0}, {"CPU": 4.0}]
    assert worker_layout(machines, ClusterConfig(address="auto"), real_model=True) == (3, 1.0, 1.0)
    cpus = [{"CPU": 16.0}, {"CPU": 8.0}]
    assert worker_layout(cpus, ClusterConfig(address="auto"), real_model=True) == (3, 8.0, 0.0)
    with pytest.raises(ClusterError, match="room for 2 worker"):
        worker_layout(two_cpu, ClusterConfig(address="local", workers=3), real_model=False)
    with pytest.raises(ClusterError, match="no machine in the cluster has room"):
        worker_layout(two_cpu, ClusterConfig(address="local", worker_cpus=4), real_model=False)


def test_without_a_cluster_ray_is_not_imported(tmp_path):
    board = tmp_path / "one.yaml"
    board.write_text(BOARD.format(title="one", colour="red").split("  - id: s2")[0])
    script = ("import sys; from agent.cli import main; "
              f"code = main(['render', {str(board)!r}, '--out', {str(tmp_path / 'f')!r}, '--steps', '1', '--takes', "
              "'1', '--no-sound']); assert code == 0, code; assert 'ray' not in sys.modules, 'ray was imported'")
    env = {**os.environ, "HOME": str(tmp_path / "home")}
    env.pop("RAY_ADDRESS", None)
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
