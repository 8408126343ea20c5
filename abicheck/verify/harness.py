"""The fork harness: every probe runs in a child with a timeout; scratch dirs and user ids.

A crash or hang of the child is that probe's result, never the caller's: the
parent maps nothing and reaps every child it forks.
"""

from __future__ import annotations

import contextlib
import faulthandler
import json
import os
import pwd
import select
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from abicheck.model import AbicheckError
from abicheck.verify import libc, procfs


def _wait(pid: int, deadline: float, group: bool = False) -> int | None:
    """waitpid until ``deadline``; the wait status, or None after killing a hung child.

    With ``group`` the child leads its own process group, killed as a whole.
    """
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() >= deadline:
            try:
                os.killpg(pid, signal.SIGKILL) if group else os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return None
        time.sleep(0.001)


def _child_setup(drop: tuple[int, int] | None) -> None:
    faulthandler.disable()  # a probe's SIGSEGV is a result, not a traceback
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)  # so a timeout can kill the probe's own children too
    if drop is not None:
        if os.geteuid() == 0:
            os.setgroups([])
        os.setgid(drop[1])
        os.setuid(drop[0])
        libc.call("prctl", 4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: keep /proc/self readable


def run_child(
    fn: Callable[[], Any], timeout: float, drop: tuple[int, int] | None = None
) -> tuple[str, Any]:
    """Run ``fn`` in a forked child: ("ok", its JSON result), ("crashed", why), ("timeout",
    s), or ("unavailable", why) when no child could be started (fork or pipe failed)."""
    child = Child(fn, timeout, drop)
    try:
        return child.result()
    finally:
        child.stop()  # (interrupted in result(): SIGTERM, ^C)


# The pipes of children started and not yet collected: each child closes the others'
_PENDING: set[int] = set()


class Child:
    """``fn`` started in a forked child, to be collected by ``result()`` (or ``stop()``).

    The child has ``timeout`` seconds from its start. A parent that collects it later
    still takes the answer a finished child left in the pipe, and one that has begun
    to write its answer by then has one second more to end it.
    """

    def __init__(
        self, fn: Callable[[], Any], timeout: float, drop: tuple[int, int] | None = None
    ) -> None:
        self.timeout = timeout
        self.pid = 0
        self.unavailable = ""
        self._r = -1
        self._deadline = 0.0
        libc.load()  # in the parent: every child inherits it, none runs ldconfig
        try:
            r, w = os.pipe()
        except OSError as exc:  # EMFILE, ENFILE
            self.unavailable = f"no pipe for the child: {exc.strerror}"
            return
        try:
            pid = os.fork()
        except OSError as exc:  # EAGAIN (RLIMIT_NPROC), ENOMEM
            os.close(r)
            os.close(w)
            self.unavailable = f"cannot fork a child: {exc.strerror}"
            return
        if pid == 0:  # child
            code = 1
            try:
                for fd in (r, *_PENDING):  # (another pending child's pipe: not ours)
                    os.close(fd)
                try:
                    _child_setup(drop)
                    payload = json.dumps({"ok": fn()})
                except BaseException as e:  # noqa: BLE001 - reported to the parent
                    payload = json.dumps({"error": f"{type(e).__name__}: {e}"})
                data = payload.encode()
                while data:
                    data = data[os.write(w, data) :]
                code = 0
            finally:
                os._exit(code)
        self.pid, self._r = pid, r  # (first: stop() reaps it whatever comes next)
        self._deadline = time.monotonic() + timeout  # (from the child's start)
        _PENDING.add(r)
        os.close(w)
        with contextlib.suppress(OSError):
            os.setpgid(pid, pid)

    def result(self) -> tuple[str, Any]:
        """What ``run_child`` returns; the child reaped."""
        if self.unavailable:
            return "unavailable", self.unavailable
        chunks: list[bytes] = []
        eof = False
        late = 0.0  # past the deadline with part of an answer read: when it must end
        try:
            while True:
                now = time.monotonic()
                left = self._deadline - now
                if left <= 0 and chunks:
                    late = late or now + 1.0
                    left = late - now
                ready, _, _ = select.select([self._r], [], [], max(left, 0.0))
                if not ready:
                    break
                chunk = os.read(self._r, 65536)
                if not chunk:
                    eof = True
                    break
                chunks.append(chunk)
        finally:
            self._close()
        # After EOF the child is exiting: give it a moment; without EOF it hangs.
        status = _wait(self.pid, time.monotonic() + (1.0 if eof else 0.0), group=True)
        self.pid = 0
        if status is None:
            return "timeout", self.timeout
        if os.WIFSIGNALED(status):
            return "crashed", _signame(os.WTERMSIG(status))
        try:
            msg = json.loads(b"".join(chunks) or b"{}")
        except ValueError:
            msg = {}
        if "ok" in msg:
            return "ok", msg["ok"]
        if "error" in msg:
            return "crashed", f"probe raised {msg['error']}"
        return "crashed", f"child exited with status {os.WEXITSTATUS(status)} and no result"

    def stop(self) -> None:
        """Kill and reap a child not collected (a no-op once ``result()`` ran)."""
        self._close()
        if self.pid:
            _wait(self.pid, 0.0, group=True)
            self.pid = 0

    def _close(self) -> None:
        if self._r >= 0:
            _PENDING.discard(self._r)
            os.close(self._r)
            self._r = -1


def _signame(signo: int) -> str:
    try:
        return signal.Signals(signo).name
    except ValueError:
        return f"signal {signo}"


def fork_check(fn: Callable[[], int], timeout: float = 2.0) -> str:
    """Run ``fn`` in a grandchild: "exit N", "SIGSEGV", ... or "hang"."""
    pid = os.fork()
    if pid == 0:
        code = 99
        try:
            code = fn()
        finally:
            os._exit(code)
    status = _wait(pid, time.monotonic() + timeout)
    if status is None:
        return "hang"
    if os.WIFSIGNALED(status):
        return _signame(os.WTERMSIG(status))
    return f"exit {os.WEXITSTATUS(status)}"


def access(addr: int, length: int = 1) -> str:
    """What a forked child reading ``addr`` sees: "zeros", "data", or the signal that killed it."""
    res = fork_check(lambda: 0 if libc.read(addr, length) == bytes(length) else 1)
    return {"exit 0": "zeros", "exit 1": "data"}.get(res, res)


def scratch_prefix(pid: int | None = None) -> str:
    """Name prefix of the scratch directories ``verify`` of process ``pid`` (default: this) makes.

    The pid tells apart the directories of concurrent runs (other users, other test suites).
    """
    return f"abicheck-verify-{os.getpid() if pid is None else pid}-"


def scratch_dir(made: list[str] | None = None) -> tuple[str, bool]:
    """A fresh scratch directory, preferring a filesystem with a page cache: (path, on_disk).

    A folder must take a directory and a file written in it (not a full or read-only
    one, nor any under RLIMIT_FSIZE=0); ("", False) when none does. Each directory
    made is appended to ``made`` as it is made, SIGTERM and SIGINT held off in
    between: a caller that removes those in a ``finally`` leaves none behind, however
    early it is stopped.
    """
    bases = [os.environ.get("TMPDIR") or "", "/tmp", "/var/tmp", "/dev/shm"]
    made = [] if made is None else made
    fallback = ""
    for base in dict.fromkeys(b for b in bases if b and os.path.isdir(b)):
        path = _usable_dir(base, made)
        if not path:
            continue
        if procfs.fstype(base) not in ("tmpfs", "ramfs", ""):
            if fallback:
                shutil.rmtree(fallback, ignore_errors=True)
            return path, True
        if fallback:
            shutil.rmtree(path, ignore_errors=True)
        else:
            fallback = path
    return fallback, False


def _usable_dir(base: str, made: list[str]) -> str:
    """A new scratch directory under ``base`` a page can be written in (appended to
    ``made``), or ""."""
    held = {signal.SIGTERM, signal.SIGINT}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        path = tempfile.mkdtemp(prefix=scratch_prefix(), dir=base)
        made.append(path)
    except OSError:
        return ""
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    probe = os.path.join(path, "probe")
    try:
        with open(probe, "wb") as f:
            f.write(bytes(4096))
        os.unlink(probe)
    except OSError:
        # (no rmtree: it needs descriptors, and EMFILE may be why the file failed)
        with contextlib.suppress(OSError):
            os.unlink(probe)
        with contextlib.suppress(OSError):
            os.rmdir(path)
        return ""
    return path


@contextlib.contextmanager
def terminated_as_exit() -> Iterator[None]:
    """Within the block, SIGTERM ends the process as ``SystemExit(143)`` (so that
    ``finally`` blocks remove scratch folders, as they do on SIGINT); in the main
    thread only (elsewhere signals cannot be caught), the old handler back after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    old = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def drop_ids(run_as: int | str | None) -> tuple[int, int] | None:
    if run_as is None:
        return None
    try:
        pw = pwd.getpwnam(run_as) if isinstance(run_as, str) else pwd.getpwuid(run_as)
        ids = (pw.pw_uid, pw.pw_gid)
    except KeyError:
        if isinstance(run_as, str):
            raise AbicheckError(f"no such user: {run_as}") from None
        ids = (run_as, run_as)
    if os.geteuid() != 0 and ids[0] != os.geteuid():
        raise AbicheckError(f"running probes as uid {ids[0]} needs root")
    return ids
