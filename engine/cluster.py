"""Shots rendered on a Ray cluster: a pool of actors, each holding one loaded engine.

The driver keeps every decision (the plan, the shot cache and its keys, the gate, sound, the cut); an actor
only turns a ``RenderRequest`` into a ``Clip``. So a shot rendered on a cluster lands in the same cache
entry, as the same bytes, as the shot rendered locally, and ``ClusterBackend`` is just another backend to
the tools.

    driver thread ──acquire()──> idle actor ──render(request)──> Clip ──> driver writes the cache entry
                  <──take()── progress board <──post()── (finished steps, every POLL_SECONDS)

A worker that dies mid-shot (its process killed, its node lost) is replaced, and the shot is sent to the
next idle actor, at most ``retries`` more times; then the shot fails with ``WorkersLost`` and the rest of
the film goes on. A worker, first or replacement, that is not up ``start_seconds`` after it was started (the
cluster has no room left for it, or its weights never load) is given up the same way, rather than waited
for without end. Ray is imported only here, and only when a cluster is asked for.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import socket
import threading
import time
import uuid
from dataclasses import asdict
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from engine.backends.base import (
    BackendError,
    Capabilities,
    Clip,
    ProgressCallback,
    RenderLost,
    RenderRequest,
    StepEvent,
)

# What a person can do when workers do not come up (said after what happened).
NO_ROOM = "the other shots are kept: free room or add machines, then run the same command again"
POLL_SECONDS = 0.2  # how often finished steps are posted and collected (each costs about a millisecond)


class ClusterError(BackendError):
    """The cluster cannot be used (unreachable, Ray missing, no room for a worker); one line says what to do."""


class WorkersLost(RenderLost):
    """A shot whose worker died on every try; the rest of the film goes on, and a rerun tries the shot again."""


class ClusterConfig(BaseModel):
    """Where shots render and how the workers are sized."""

    model_config = ConfigDict(extra="forbid")
    address: str = Field(min_length=1, description="'local' (start Ray here), 'auto', HOST:PORT or "
                         "ray://HOST:PORT")
    workers: int | None = Field(None, ge=1, le=4096, description="actors to start (default: one per GPU, else "
                                "one per worker_cpus CPUs)")
    worker_cpus: float | None = Field(None, gt=0, le=1024, description="CPUs each actor holds (default: 1 for the "
                                      "built-in model; all of a machine's for a real model without a GPU)")
    retries: int = Field(2, ge=0, le=10, description="a shot whose worker dies is sent again this many times")
    start_seconds: float = Field(900.0, gt=0, le=86400, description="a worker not up this long after it was "
                                 "started (no room left on the cluster for it, or its weights never load) is "
                                 "given up: its shot fails in one line and the rest of the film goes on")


class EngineSpec(BaseModel):
    """What a worker loads: the same arguments a local video engine gives ``load_backend``."""

    model: str | None = None
    weights: str
    cache: dict = Field(default_factory=dict)  # engine.caches.CacheSettings, as a dict
    device: str | None = None
    offload: str = "none"


class EngineWorker:
    """One Ray actor: one engine, its weights loaded once, rendering one shot at a time on its main thread
    (torch's CPU kernels run measurably slower from a second thread, so the actor has only the one)."""

    def __init__(self, spec: dict, threads: int) -> None:
        import torch

        from engine.backends import load_backend
        from engine.caches import CacheSettings

        torch.set_num_threads(max(1, threads))
        spec = EngineSpec.model_validate(spec)
        self.backend = load_backend(spec.model, weights=spec.weights, cache=CacheSettings.from_dict(spec.cache),
                                    device=spec.device, offload=spec.offload)
        started = time.perf_counter()
        self.backend.load()
        self.stats_ = {"loads": 1, "load_seconds": time.perf_counter() - started, "renders": 0, "pid": os.getpid()}

    def render(self, request: RenderRequest, tag: str | None = None, board=None) -> tuple[Clip, list[StepEvent]]:
        """The clip, and the finished steps not yet posted to ``board`` (posted under ``tag`` every
        POLL_SECONDS, without waiting for the board)."""
        unposted: list[StepEvent] = []
        posted_at = time.perf_counter()

        def on_step(event: StepEvent) -> None:
            nonlocal unposted, posted_at
            unposted.append(event)
            if board is not None and time.perf_counter() - posted_at >= POLL_SECONDS:
                board.post.remote(tag, unposted)
                unposted, posted_at = [], time.perf_counter()

        clip = self.backend.render(request, on_step)
        self.stats_["renders"] += 1
        return clip, unposted

    def stats(self) -> dict:
        return dict(self.stats_)


class ProgressBoard:
    """Where workers post finished steps for the driver to collect (a small actor that holds no CPU)."""

    def __init__(self) -> None:
        self._events: dict[str, list[StepEvent]] = {}

    def post(self, tag: str, events: list[StepEvent]) -> None:
        self._events.setdefault(tag, []).extend(events)

    def take(self, tag: str) -> list[StepEvent]:
        return self._events.pop(tag, [])

    def drop(self, tag: str) -> None:
        self._events.pop(tag, None)


def _ray():
    try:
        import ray
    except ImportError:
        raise ClusterError("rendering on a cluster needs Ray: pip install -e '.[cluster]' (or pip install ray)") \
            from None
    return ray


def check_address(address: str, timeout: float = 2.0) -> None:
    """An address that names a machine is reached before Ray is asked (Ray itself waits a minute or more)."""
    if address in ("local", "auto"):
        return
    m = re.fullmatch(r"(?:ray://)?\[?([A-Za-z0-9_.:-]+?)\]?:(\d{1,5})", address.strip())
    if not m:
        raise ClusterError(f"--cluster {address}: give 'local', 'auto', HOST:PORT or ray://HOST:PORT")
    host, port = m.group(1), int(m.group(2))
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ClusterError(f"cannot reach the Ray cluster at {address} ({reason}): start it with `ray start --head`, "
                           f"check the address, or use --cluster local") from None


def connect(address: str) -> bool:
    """Join (or start) the cluster; True when this call started Ray and so should stop it again."""
    check_address(address)
    ray = _ray()
    if ray.is_initialized():  # this process is already a driver (a test, a notebook): its cluster is used
        return False
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "error")  # Ray's core logs its retries to the terminal
    options = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR,
               "configure_logging": True}
    try:
        if address == "local":
            ray.init(address="local", **options)
        elif address.startswith("ray://"):
            ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False)
        else:
            ray.init(address=address, **{k: v for k, v in options.items() if k != "include_dashboard"})
    except Exception as exc:  # Ray's own reasons vary by version: one line, with the address
        first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        hint = "" if address == "local" or os.environ.get("RAY_AUTH_MODE") else (
            "; a cluster started by `ray start` (Ray 2.59 and later) asks for its token: set RAY_AUTH_MODE=token, "
            "and RAY_AUTH_TOKEN (from `ray get-auth-token` on its head) where ~/.ray/auth_token is not its")
        raise ClusterError(f"cannot join the Ray cluster at {address}: {first}{hint}") from None
    return True


def worker_layout(nodes: list[dict], config: ClusterConfig, real_model: bool) -> tuple[int, float, float]:
    """How many actors, and the CPUs and GPUs each holds, from the live nodes' resources: one per GPU by
    default, else one per ``worker_cpus`` CPUs, where a real model on CPUs takes a whole machine's (it is
    limited by them). More workers than fit would wait for room forever, so they are refused."""
    if any(node.get("GPU", 0) >= 1 for node in nodes):
        each_cpu, each_gpu = config.worker_cpus or 1.0, 1.0
        room = sum(min(int(node.get("GPU", 0)), int(node.get("CPU", 0) // each_cpu)) for node in nodes)
    else:
        smallest = min((node.get("CPU", 0) for node in nodes if node.get("CPU", 0) >= 1), default=0)
        each_cpu, each_gpu = config.worker_cpus or (smallest if real_model else 1.0), 0.0
        room = sum(int(node.get("CPU", 0) // each_cpu) for node in nodes) if each_cpu else 0
    what = f"{each_cpu:g} CPU{'s' * (each_cpu != 1)}" + (" and a GPU" if each_gpu else "")
    if room < 1:
        raise ClusterError(f"no machine in the cluster has room for a worker of {what}: ask for fewer "
                           f"--worker-cpus, or add machines")
    if config.workers and config.workers > room:
        raise ClusterError(f"--workers {config.workers}: the cluster has room for {room} worker(s) of {what}")
    return config.workers or room, each_cpu, each_gpu


class WorkerPool:
    """The actors, handed out one shot at a time; a dead one is replaced by a fresh one."""

    def __init__(self, spec: EngineSpec, count: int, cpus: float, gpus: float) -> None:
        ray = _ray()
        self._actor_class = ray.remote(EngineWorker).options(num_cpus=cpus, num_gpus=gpus, max_restarts=0,
                                                             max_task_retries=0)
        self._spec, self._threads = spec.model_dump(), max(1, int(cpus))
        self._idle: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self.actors: list = []
        self.busy: dict[int, object] = {}  # driver thread id -> the actor rendering for it
        self.started_at: dict[object, float] = {}  # an actor not yet seen up -> when it was started
        for _ in range(count):
            self._start()

    def _start(self):
        actor = self._actor_class.remote(self._spec, self._threads)
        with self._lock:
            self.actors.append(actor)
            self.started_at[actor] = time.monotonic()
        self._idle.put(actor)
        return actor

    def acquire(self):
        while True:
            try:
                actor = self._idle.get(timeout=1.0)
                break
            except queue.Empty:
                with self._lock:
                    if not self.actors:  # every worker was given up: none will come back to the queue
                        raise WorkersLost(f"no worker is left on the cluster (none came up in time); {NO_ROOM}"
                                          ) from None
        with self._lock:
            self.busy[threading.get_ident()] = actor
        return actor

    def release(self, actor) -> None:
        with self._lock:
            self.busy.pop(threading.get_ident(), None)
        self._idle.put(actor)

    def replace(self, actor) -> None:
        """A dead actor out, a new one in (it loads its weights while other shots go on)."""
        self._drop(actor)
        self._start()

    def _drop(self, actor) -> None:
        """``actor`` out of the pool for good, and stopped; the calling thread no longer holds it."""
        _ray().kill(actor, no_restart=True)
        with self._lock:
            self.busy.pop(threading.get_ident(), None)
            if actor in self.actors:
                self.actors.remove(actor)
            self.started_at.pop(actor, None)

    def wait_up(self, actor, deadline_seconds: float) -> bool:
        """Whether ``actor`` is up (its weights loaded), waiting until ``deadline_seconds`` after it was started.
        One that is not is taken out of the pool: nothing would ever run on it."""
        with self._lock:
            started = self.started_at.get(actor)
        if started is None:
            return True
        left = max(0.0, started + deadline_seconds - time.monotonic())
        ready, _ = _ray().wait([actor.stats.remote()], timeout=left)
        if not ready:
            self._drop(actor)
            return False
        with self._lock:
            self.started_at.pop(actor, None)
        return True

    def stats(self) -> list[dict]:
        ray = _ray()
        with self._lock:
            actors = list(self.actors)
        return ray.get([a.stats.remote() for a in actors])

    def shutdown(self) -> None:
        ray = _ray()
        with self._lock:
            actors, self.actors = self.actors, []
        for actor in actors:
            ray.kill(actor, no_restart=True)


def _died(exc: BaseException) -> bool:
    from ray import exceptions as rex

    lost = (rex.RayActorError, rex.WorkerCrashedError, rex.ObjectLostError, rex.OwnerDiedError, rex.NodeDiedError)
    return isinstance(exc, lost)


class ClusterBackend:
    """The backend contract over a pool of Ray actors. ``local`` is the same engine, opened on the driver for
    its capabilities and weights id only (its weights never load here)."""

    def __init__(self, local, spec: EngineSpec, config: ClusterConfig) -> None:
        self.local = local
        self.config = config
        self.capabilities: Capabilities = local.capabilities
        self._owns_ray = connect(config.address)
        ray = _ray()
        try:
            nodes = [node["Resources"] for node in ray.nodes() if node.get("Alive")]
            count, cpus, gpus = worker_layout(nodes, config, real_model=spec.model is not None)
            self.pool = WorkerPool(spec, count, cpus, gpus)
            self.board = ray.remote(ProgressBoard).options(num_cpus=0).remote()
        except BaseException:
            self.close()
            raise
        self.layout = {"workers": count, "cpus_each": cpus, "gpus_each": gpus}

    @property
    def weights_id(self) -> str:
        return self.local.weights_id

    @property
    def transformer(self):
        raise BackendError("the transformer lives on the cluster's workers, not on this machine")

    def load(self) -> None:
        """The workers load their weights as they start."""

    def render(self, request: RenderRequest, callback: ProgressCallback | None = None) -> Clip:
        reasons = []
        for _ in range(self.config.retries + 1):
            actor = self.pool.acquire()
            if not self.pool.wait_up(actor, self.config.start_seconds):
                raise WorkersLost(f"a worker was not up {self.config.start_seconds:g} s after it was started (no room "
                                  f"left on the cluster for it, or its weights did not load); {NO_ROOM}")
            try:
                clip = self._render_on(actor, request, callback)
            except Exception as exc:  # a worker's death, an engine's refusal, or the callback stopping the render
                if not _died(exc):
                    self.pool.release(actor)  # still busy with a stopped shot: Ray queues the next one behind it
                    cause = getattr(exc, "cause", None)  # a RayTaskError: said without the worker's traceback
                    if isinstance(cause, BackendError):
                        raise BackendError(str(cause)) from None
                    if cause is not None:
                        raise RuntimeError(f"the worker failed: {_one_line(cause)}") from None
                    raise
                reasons.append(_one_line(exc))
                self.pool.replace(actor)
                continue
            self.pool.release(actor)
            return clip
        raise WorkersLost(f"its worker died {len(reasons)} time(s) ({reasons[-1]}); the other shots are kept: run "
                          f"the same command again to retry it")

    def _render_on(self, actor, request: RenderRequest, callback: ProgressCallback | None) -> Clip:
        ray = _ray()
        if callback is None:
            clip, _ = ray.get(actor.render.remote(request))
            return clip
        tag = uuid.uuid4().hex
        ref = actor.render.remote(request, tag, self.board)
        try:
            while True:
                ready, _ = ray.wait([ref], timeout=POLL_SECONDS)
                for event in self._steps(tag):
                    callback(event)
                if ready:
                    clip, last = ray.get(ref)
                    for event in last:
                        callback(event)
                    return clip
        finally:
            self.board.drop.remote(tag)  # steps posted after the last take (or after a stop) are not kept

    def _steps(self, tag: str) -> list[StepEvent]:
        """Finished steps from the board; a board that is gone costs the progress display, not the shot."""
        try:
            return _ray().get(self.board.take.remote(tag), timeout=10)
        except Exception:
            return []

    def stats(self) -> list[dict]:
        """Each live worker's loads and renders (a model loads once per worker)."""
        return self.pool.stats()

    def close(self) -> None:
        pool = getattr(self, "pool", None)
        if pool is not None:
            pool.shutdown()
        if getattr(self, "board", None) is not None:
            _ray().kill(self.board)
            self.board = None
        if self._owns_ray:
            _ray().shutdown()
            self._owns_ray = False


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:160]}" if text else type(exc).__name__


def engine_spec(model: str | Path | None, weights: str | Path, cache, device: str | None, offload: str) -> EngineSpec:
    return EngineSpec(model=str(model) if model else None, weights=str(Path(weights).resolve()), cache=asdict(cache),
                      device=device, offload=offload)
