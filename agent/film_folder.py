"""A film folder belongs to one film and one writer at a time.

- One writer: a run holds ``.reelwright.lock`` (its pid, the process's start time and host) while it works;
  a second run on the folder is refused in one line. A lock left by a process that is gone (killed, crashed)
  is taken over, and the run says so.
- One film: ``.reelwright-film.json`` records what the folder is making (the request, storyboard or
  conversation, and the engine). Running the same thing again resumes it; something else is refused unless
  forced, and then the old film moves to ``versions/vN/`` so nothing stale is left beside the new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

LOCK = ".reelwright.lock"
IDENTITY = ".reelwright-film.json"
VERSIONS = "versions"


class FolderBusy(FileExistsError):
    """Another run is writing this folder."""


def _process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), so a reused pid is not taken for the holder."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _alive(holder: dict) -> bool:
    if holder.get("host") != socket.gethostname():
        return True  # another machine's run (a shared folder): never assume it is gone
    try:
        os.kill(int(holder["pid"]), 0)
    except (ProcessLookupError, ValueError, KeyError, TypeError):
        return False
    except PermissionError:
        pass
    started = _process_start(int(holder["pid"]))
    return started is None or holder.get("started") in (None, started)


@contextmanager
def film_lock(folder: Path, on_note=None) -> Iterator[None]:
    """Hold the folder's lock while the block runs; FolderBusy if a live run holds it."""
    folder.mkdir(parents=True, exist_ok=True)
    lock = folder / LOCK
    me = {"pid": os.getpid(), "started": _process_start(os.getpid()), "host": socket.gethostname(),
          "since": datetime.now().isoformat(timespec="seconds")}
    for _ in range(3):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                holder = json.loads(lock.read_text())
            except (OSError, ValueError):
                holder = {}  # being written this instant, or damaged: look again
                if lock.exists() and lock.stat().st_size > 0:
                    holder = {"pid": -1}
            if holder and _alive(holder):
                raise FolderBusy(f"{folder} is being made by another reelwright run (pid {holder.get('pid')}, "
                                 f"since {holder.get('since', '?')}): wait for it to finish or choose another "
                                 f"--out") from None
            if holder:
                lock.unlink(missing_ok=True)
                if on_note:
                    on_note(f"took over the lock of a run that is gone (pid {holder.get('pid')}); finished shots "
                            f"are kept")
            continue
        with os.fdopen(fd, "w") as f:
            json.dump(me, f)
        break
    else:
        raise FolderBusy(f"{folder}: could not take its lock; try again")
    try:
        yield
    finally:
        try:
            if json.loads(lock.read_text()).get("pid") == os.getpid():
                lock.unlink()
        except (OSError, ValueError):
            pass


def film_identity(kind: str, content, engine: str) -> dict:
    """What a folder is making: a request, a storyboard or a conversation, on an engine."""
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return {"kind": kind, "content": digest, "engine": engine}


def claim_folder(folder: Path, identity: dict, force: bool) -> str | None:
    """Make ``folder`` this film's. The same film resumes; another film is refused (FileExistsError) unless
    ``force``, when it moves to ``versions/vN/``. Returns a sentence for the person when something moved."""
    folder.mkdir(parents=True, exist_ok=True)
    record = folder / IDENTITY
    note = None
    if record.exists():
        try:
            current = json.loads(record.read_text())
        except (OSError, ValueError):
            current = {}
        if current == identity:
            return None
        if not force:
            raise FileExistsError(f"{folder} holds another film: choose another --out, or pass --force to keep "
                                  f"that film under {folder / VERSIONS}/ and make this one")
        note = f"the film that was in {folder} is kept in {_set_aside(folder)}"
    elif (folder / "session.sqlite").exists():
        pass  # a film made before folders recorded what they hold: resumed as it always was
    elif any(p.name != LOCK for p in folder.iterdir()):
        if not force:
            raise FileExistsError(f"{folder} exists and holds other files: choose another --out or pass --force")
    record.write_text(json.dumps(identity) + "\n")
    return note


def _set_aside(folder: Path) -> Path:
    """Move everything of the previous film (not the lock, not older versions) to the next versions/vN/."""
    versions = folder / VERSIONS
    n = 1
    while (versions / f"v{n}").exists():
        n += 1
    target = versions / f"v{n}"
    target.mkdir(parents=True)
    for item in folder.iterdir():
        if item.name not in (LOCK, VERSIONS):
            shutil.move(str(item), str(target / item.name))
    return target
