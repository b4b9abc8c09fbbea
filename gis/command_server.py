"""The daemon behind ``gridmap daemon start``: a process that imported the command line's
libraries once and runs the commands handed to it (:mod:`gis.launcher`) in workers forked from
it, as a pre-forking server runs requests.

A worker starts with everything imported and, for each command, is the caller's stand-in: it
takes the caller's stdin, stdout and stderr, working directory, environment (so its settings,
``GRIDMAP_*``, are the caller's), umask and arguments, runs the command as :func:`gis.cli.main`
would, sends back the exit status, and gives all of that back. It stays warm between commands as
a server's worker does (its memory in use, its database connection open), up to
:data:`WORKER_COMMANDS` commands or :data:`WORKER_IDLE_S` seconds without one. The daemon itself
never connects to the database. It answers only its own user (the socket's folder is private,
and each connection's user is checked), stops when gridmap's files change under it (the command
then runs in the caller's process, with the new code) and after ``idle`` seconds without a
command.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib
import io
import marshal
import os
import select
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from gis import launcher
from gis.errors import GridmapError
from gis.i18n import msg

# Imported once by the daemon: what the commands import as they run, but for the modules that
# bring pandas, geopandas or folium (imports, exports, HTML maps): they would make every worker's
# fork slower (a bigger process to copy) for the few commands that use them.
PRELOAD = ("gis.cli", "gis.stats", "gis.jurisdiction_records", "gis.jurisdictions", "gis.patrol.outputs",
           "gis.patrol.routes", "gis.patrol.schedule", "gis.patrol.records", "gis.grids.layouts",
           "gis.grids.generate_store", "gis.cases.store", "gis.cases.kpi_store", "gis.cases.tickets",
           "gis.cases.tickets_store", "gis.coverage.analysis", "gis.coverage.planning", "gis.ledger",
           "gis.ledger_store", "gis.settings", "gis.messages")
# What a worker tells the daemon (a launcher.FRAME with its pid): it took a command (busy), began
# it (its caller said go: counted as run), waits for the next again, left (it waited WORKER_IDLE_S
# for none, or ran its last), or gridmap's files changed (the daemon is to stop).
TOOK_COMMAND, BEGUN, WAITING_AGAIN, LEFT, TOLD_TO_STOP = b"r", b"b", b"w", b"l", b"s"
WORKER_COMMANDS = 100
WORKER_IDLE_S = 300
# How often the daemon looks for workers that ended (a waiting one is replaced).
REAP_S = 1.0
PACKAGES = (Path(__file__).resolve().parent, Path(__file__).resolve().parent.parent / "api")


def preload() -> Callable[[list[str]], None]:
    """Import what the commands need and build the command line once: the function that runs
    one command's arguments (raising SystemExit with its status, as a command does)."""
    for name in PRELOAD:
        importlib.import_module(name)
    import typer.main

    import gis.cli

    command = typer.main.get_command(gis.cli.app)
    return lambda argv: gis.cli.main(lambda: command.main(argv, prog_name="gridmap"))


def source_files() -> dict[str, float]:
    """The modification time of each of gridmap's own files (its modules, SQL, catalogues,
    templates): what a command may read, imported already or not."""
    found = {}
    for package in PACKAGES:
        for folder, subfolders, names in os.walk(package):
            subfolders[:] = [d for d in subfolders if d != "__pycache__"]
            for name in names:
                path = os.path.join(folder, name)
                with contextlib.suppress(OSError):
                    found[path] = os.stat(path).st_mtime
    return found


def changed(files: dict[str, float]) -> bool:
    for path, mtime in files.items():
        try:
            if os.stat(path).st_mtime != mtime:
                return True
        except OSError:
            return True
    return False


def own_folder(folder: str) -> None:
    """Make the sockets' folder, private to this user; refused if it is someone else's or open
    to others."""
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:  # e.g. another user's XDG_RUNTIME_DIR, kept through su
        raise GridmapError(msg("cannot make {0}: {1}", folder, exc.strerror)) from None
    if not launcher.private(folder):
        raise GridmapError(msg("{0} is not a folder of this user's closed to others: the daemon will not use it",
                               folder))


def listen(path: str) -> socket.socket:
    """The daemon's socket at ``path``, in its private folder (:func:`own_folder`)."""
    own_folder(os.path.dirname(path))
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)  # a socket left by a daemon that was killed (a live one answers: see start)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(path)
    sock.listen(64)
    return sock


@contextlib.contextmanager
def stream_of(fd: int, mode: str) -> Iterator[io.TextIOWrapper]:
    """A text stream on the caller's descriptor ``fd``, buffered as Python buffers its own."""
    tty = os.isatty(fd)
    raw = io.FileIO(fd, mode, closefd=False)
    buffered = io.BufferedReader(raw) if mode == "r" else io.BufferedWriter(raw)
    stream = io.TextIOWrapper(buffered, encoding="utf-8", errors="backslashreplace" if fd == 2 else "strict",
                              line_buffering=tty or fd == 2)
    yield stream
    if mode == "w":
        with contextlib.suppress(OSError, ValueError):
            stream.flush()


@contextlib.contextmanager
def as_caller(fds: list[int], request: dict) -> Iterator[None]:
    """This process as the caller's for the block: its stdin, stdout and stderr (``fds``), its
    environment (its time zone too), umask and working directory, its arguments; then the
    worker's own again, the caller's descriptors closed (its pipes see their end), no folder of
    its held."""
    saved = [os.dup(fd) for fd in (0, 1, 2)]
    environ, streams, mask = dict(os.environ), (sys.stdin, sys.stdout, sys.stderr), os.umask(0o077)
    try:
        try:
            for fd, target in zip(fds, (0, 1, 2), strict=True):
                os.dup2(fd, target)
        finally:
            for fd in fds:
                os.close(fd)
        os.environ.clear()
        os.environ.update(request["env"])
        time.tzset()
        os.umask(request["umask"])
        os.chdir(request["cwd"])
        sys.argv = ["gridmap", *request["argv"]]
        with stream_of(0, "r") as sys.stdin, stream_of(1, "w") as sys.stdout, stream_of(2, "w") as sys.stderr:
            yield
    finally:
        sys.stdin, sys.stdout, sys.stderr = streams
        for target, fd in enumerate(saved):
            os.dup2(fd, target)
            os.close(fd)
        os.environ.clear()
        os.environ.update(environ)
        time.tzset()
        os.umask(mask)
        os.chdir("/")


# The signals a caller passes on (gis.launcher.PASSED_ON): while a command runs they do to it what
# they would do to its own process (Ctrl-C interrupts it; the others end it, and the worker with
# it); between commands a late one is for no one.
ENDING = (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


def between_commands() -> None:
    for signum in (signal.SIGINT, *ENDING):
        signal.signal(signum, signal.SIG_IGN)


@contextlib.contextmanager
def command_signals() -> Iterator[None]:
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for signum in ENDING:
        signal.signal(signum, signal.SIG_DFL)
    try:
        yield
    finally:
        between_commands()


class Abandoned(Exception):
    """The caller went away before its command began."""


def handshake(conn: socket.socket) -> None:
    """Tell the caller the command's process, and begin only once it says to: a caller that gave
    up waiting (and runs the command itself) never says so, and the command is not run twice."""
    conn.sendall(launcher.FRAME.pack(launcher.STARTED, os.getpid()))
    conn.settimeout(launcher.STARTING_S)
    if launcher.receive_exactly(conn, 1) != launcher.GO:
        raise Abandoned
    conn.settimeout(None)


@contextlib.contextmanager
def caller_watched(conn: socket.socket) -> Iterator[None]:
    """While the block runs, end this process (SIGTERM, as for a caller's own process) if the
    caller goes away: its connection then reads as ended. Nothing else is ever sent on it."""
    wake_r, wake_w = os.pipe()

    def watch() -> None:
        ready = select.select([conn.fileno(), wake_r], [], [])[0]
        if conn.fileno() in ready and wake_r not in ready:
            os.kill(os.getpid(), signal.SIGTERM)

    watcher = threading.Thread(target=watch, daemon=True)
    # the watcher never takes a signal: those sent to the process interrupt the command's own
    # blocking calls (a read of stdin under Ctrl-C), as in its own process
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, *ENDING, signal.SIGCHLD})
    try:
        watcher.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
    try:
        yield
    finally:
        os.write(wake_w, b".")
        watcher.join()
        os.close(wake_r)
        os.close(wake_w)


def ran(run: Callable[[list[str]], None], argv: list[str]) -> int:
    """Run a command as its own process would, under its signals (:func:`command_signals`): its
    exit status, its traceback on stderr."""
    try:
        with command_signals():
            run(argv)
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 128 + signal.SIGINT
    except Exception:
        import traceback

        traceback.print_exc()
        return 1
    return 0


def answer(conn: socket.socket, fds: list[int], request: dict, run: Callable[[list[str]], None],
           begun: Callable[[], object], done: Callable[[], object]) -> None:
    """Run a request's command as the caller (:func:`as_caller`), calling ``begun`` once the
    caller has said go, then ``done``, then sending back its exit status (``done`` first: the
    worker is free before the caller's next command can come). Nothing runs when the caller has
    gone before it began."""
    try:
        with as_caller(fds, request):
            handshake(conn)
            begun()
            with caller_watched(conn):
                status = ran(run, request["argv"])
    except (OSError, KeyError, TypeError, ValueError, Abandoned):  # the caller left, or sent no command
        done()
        return
    done()
    with contextlib.suppress(OSError):
        conn.sendall(launcher.FRAME.pack(launcher.EXITED, status))


def serve(path: str, idle: float, workers: int, ready: Callable[[], None] = lambda: None, lock: int = -1) -> None:
    """Answer commands at ``path`` until told to stop, until gridmap's files change, or after
    ``idle`` seconds without a command.

    The commands run in at most ``workers`` workers forked from this process, which forks them,
    replaces those that end, keeps count and answers ``status`` and ``stop`` itself (on a socket
    of their own, :func:`gis.launcher.control_path`: busy workers never keep them waiting). A
    worker waits for requests and runs command after command, warm as a server's worker is (its
    memory in use, its database connection open: :func:`gis.cli.session.keep_connections`),
    until it has run :data:`WORKER_COMMANDS` or waited :data:`WORKER_IDLE_S` for one. While
    there is room, one waits: when the last waiting worker takes a command the next is forked,
    so that no command waits for a fork, and commands from several terminals run side by side;
    past ``workers`` at once, a command waits for one to be free (or, after
    :data:`gis.launcher.STARTING_S`, runs in its own process). ``lock``, the daemon's lock file,
    is this process's alone: the workers close it, and it is let go before ``stop`` is answered."""
    files = source_files()  # before anything is imported: an edit from now on is seen
    run = preload()
    gc.collect()
    gc.freeze()  # what the imports made is shared with every worker as it is, never traversed again
    gc.disable()
    sock, control = listen(path), listen(launcher.control_path(path))
    sock.setblocking(False)  # its workers wait in poll (next_request)
    ours = {p: os.stat(p).st_ino for p in (path, launcher.control_path(path))}
    state: dict[str, Any] = {"pid": os.getpid(), "socket": path, "started": time.time(), "idle": idle,
                             "workers": workers, "served": 0}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    news, told = os.pipe()
    lifeline, alive_w = os.pipe()  # the workers' read end ends when this process does, however it ends
    ready()
    alive: set[int] = set()
    waiting: set[int] = set()
    last = time.monotonic()

    def heard(data: bytes) -> bool:
        """Take in what workers said: False when the daemon is to stop."""
        nonlocal last
        for said, pid in launcher.FRAME.iter_unpack(data):
            if said == TOOK_COMMAND:
                waiting.discard(pid)
            elif said == BEGUN:
                state["served"] += 1
                last = time.monotonic()
            elif said == WAITING_AGAIN:
                if pid in alive:  # not one that ended since (reaped already)
                    waiting.add(pid)
            elif said == LEFT:
                waiting.discard(pid)
                alive.discard(pid)
            else:
                return False  # gridmap's files changed
        return True

    try:
        while True:
            for pid in reaped():
                alive.discard(pid)
                waiting.discard(pid)
            if not waiting and len(alive) < workers:
                pid = forked_worker(sock, told, lifeline, (news, alive_w, lock, control.fileno()), files, run)
                alive.add(pid)
                waiting.add(pid)
            left = idle - (time.monotonic() - last)
            if left <= 0:
                return  # idle
            readable = select.select([news, control.fileno()], [], [], min(left, REAP_S))[0]
            if news in readable and not heard(os.read(news, launcher.FRAME.size * 64)):
                return
            if control.fileno() in readable and controlled(control, state, lambda: stopping(sock, path, ours, lock)):
                return
    finally:
        stopping(sock, path, ours, lock)
        control.close()


def stopping(sock: socket.socket, path: str, ours: dict[str, int], lock: int) -> None:
    """Stop taking commands: wake every waiting worker (they end), remove the sockets (not a
    newer daemon's) and let go of the lock, so that a new daemon may start at once."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    for p, inode in ours.items():
        with contextlib.suppress(OSError):
            if os.stat(p).st_ino == inode:
                os.unlink(p)
    with contextlib.suppress(OSError):
        os.close(lock)


def controlled(control: socket.socket, state: dict, stop: Callable[[], None]) -> bool:
    """Answer one ``status`` or ``stop`` request (this user's only): whether to stop."""
    conn, _ = control.accept()
    with conn:
        request, fds = received(conn, timeout=1)
        for fd in fds:
            os.close(fd)
        kind = request.get("kind") if request is not None else None
        if kind == "stop":
            stop()  # before the answer: once told, the caller may start another daemon
        if kind in ("status", "stop"):
            about = marshal.dumps(state)
            with contextlib.suppress(OSError):
                conn.sendall(launcher.FRAME.pack(launcher.STATUS, len(about)) + about)
        return kind == "stop"


def forked_worker(sock: socket.socket, told: int, lifeline: int, closed: tuple[int, ...],
                  files: dict[str, float], run: Callable[[list[str]], None]) -> int:
    """Fork a worker (:func:`worker`), the daemon's own descriptors ``closed`` in it; its pid.
    SIGTERM is held back across the fork: the daemon's handler must never run in a worker."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    pid = os.fork()
    if pid == 0:
        try:
            between_commands()
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            for fd in closed:
                if fd >= 0:
                    os.close(fd)
            worker(sock, told, lifeline, files, run)
        finally:
            os._exit(1)
    signal.pthread_sigmask(signal.SIG_SETMASK, held)
    return pid


def reaped() -> list[int]:
    """The workers that ended since the last call (reaped, so that none is left a zombie)."""
    ended: list[int] = []
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return ended
        if not pid:
            return ended
        ended.append(pid)


def worker(sock: socket.socket, told: int, lifeline: int, files: dict[str, float],
           run: Callable[[list[str]], None]) -> None:
    """A worker: run the commands handed to it until it has run :data:`WORKER_COMMANDS` or
    waited :data:`WORKER_IDLE_S`, or the daemon has ended; tell the daemon on ``told`` when it
    takes a command, begins it, waits again or leaves, and when gridmap's files changed. Never
    returns."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    from gis.cli import session

    session.keep_connections()
    gc.enable()
    commands, status = 0, 0
    try:
        while commands < WORKER_COMMANDS:
            conn = next_request(sock, lifeline, WORKER_IDLE_S if commands else None)  # the first waits as long
            if conn is None:
                return
            if isinstance(conn, bytes):  # LEFT
                tell(told, LEFT)
                return
            with conn:
                request, fds = received(conn)
                if request is None or request.get("kind") != "run" or len(fds) != 3:
                    for fd in fds:
                        os.close(fd)
                    continue
                if changed(files):
                    with contextlib.suppress(OSError):
                        conn.sendall(launcher.FRAME.pack(launcher.STALE, 0))
                    tell(told, TOLD_TO_STOP)
                    return
                tell(told, TOOK_COMMAND)
                commands += 1
                answer(conn, fds, request, run, functools.partial(tell, told, BEGUN),
                       functools.partial(tell, told, WAITING_AGAIN if commands < WORKER_COMMANDS else LEFT))
    except BaseException:  # a worker that failed: the daemon stops rather than run on half broken
        status = 1
        import traceback

        traceback.print_exc()
        tell(told, TOLD_TO_STOP)
    finally:
        os._exit(status)


def tell(told: int, said: bytes) -> None:
    """Tell the daemon something of this worker (nothing if the daemon has ended)."""
    with contextlib.suppress(OSError):
        os.write(told, launcher.FRAME.pack(said, os.getpid()))


def next_request(sock: socket.socket, lifeline: int, wait: float | None) -> socket.socket | bytes | None:
    """The next connection to the daemon's socket (shared by its waiting workers: the one that
    accepts first takes it), :data:`LEFT` after ``wait`` seconds without one, None once the
    daemon has stopped (it shuts the socket down) or ended (``lifeline`` reads as ended)."""
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    poller.register(lifeline, select.POLLIN)
    deadline = None if wait is None else time.monotonic() + wait
    while True:
        left = None if deadline is None else max(0, int((deadline - time.monotonic()) * 1000))
        events = dict(poller.poll(left))
        if not events:
            return LEFT
        if lifeline in events or events.get(sock.fileno(), 0) & (select.POLLHUP | select.POLLERR | select.POLLNVAL):
            return None
        try:
            conn, _ = sock.accept()
        except BlockingIOError:  # another worker took it
            continue
        conn.setblocking(True)
        return conn


def received(conn: socket.socket, timeout: float = 10) -> tuple[dict | None, list[int]]:
    """A request and the descriptors sent with it, from this user only; None for anything else."""
    conn.settimeout(timeout)
    fds: list[int] = []
    try:
        if launcher.peer_uid(conn) != os.getuid():
            return None, []
        size, fds, *_ = socket.recv_fds(conn, launcher.LENGTH.size, 3)
        request = marshal.loads(launcher.receive_exactly(conn, launcher.LENGTH.unpack(size)[0]))
        conn.settimeout(None)
        return (request, fds) if isinstance(request, dict) else (None, fds)
    except (OSError, ValueError, EOFError, TypeError, struct.error):
        return None, fds
