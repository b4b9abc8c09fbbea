"""The daemon behind ``gridmap daemon start``: a process that imported the command line's
libraries once and runs each command handed to it (:mod:`gis.launcher`) in a child forked for it.

A child starts with everything imported and is the caller's stand-in: it takes the caller's
stdin, stdout and stderr, working directory, environment (so its settings, ``GRIDMAP_*``, are
the caller's) and arguments, runs the command as :func:`gis.cli.main` would, and sends back the
exit status. The daemon itself never connects to the database and keeps nothing of a command:
each child ends with its command. It answers only its own user (the socket's folder is private,
and each connection's user is checked), stops when gridmap's files change under it (the command
then runs in the caller's process, with the new code) and after ``idle`` seconds without a
command.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import io
import json
import marshal
import os
import select
import signal
import socket
import struct
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from gis import launcher
from gis.errors import GridmapError
from gis.i18n import msg

# Imported once by the daemon: what the commands import as they run, but for the modules that
# bring pandas, geopandas or folium (imports, exports, HTML maps): they would make every child's
# fork slower (a bigger process to copy) for the few commands that use them.
PRELOAD = ("gis.cli", "gis.stats", "gis.jurisdiction_records", "gis.jurisdictions", "gis.patrol.outputs",
           "gis.patrol.routes", "gis.patrol.schedule", "gis.patrol.records", "gis.grids.layouts",
           "gis.grids.generate_store", "gis.cases.store", "gis.cases.kpi_store", "gis.cases.tickets",
           "gis.cases.tickets_store", "gis.coverage.analysis", "gis.coverage.planning", "gis.ledger",
           "gis.ledger_store", "gis.settings", "gis.messages")
TOOK_COMMAND, TOLD_TO_STOP = b"r", b"s"
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


def warm_up(run: Callable[[list[str]], None]) -> None:
    """Run a few commands once here, their answers dropped, so that what a command sets up on its
    first run (the settings' sources, the messages, the database's types, the projections) is
    set up in every child: listing the jurisdictions, then a patrol route in the first one.
    Connections are closed before any child is forked; nothing is written. Skipped where the
    database cannot be reached."""
    def quietly(argv: list[str]) -> str:
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()), \
                contextlib.suppress(SystemExit, Exception):
            run(argv)
        return out.getvalue()

    try:
        listed = json.loads(quietly(["jurisdiction", "list", "--json"]))
    except ValueError:
        return
    if listed:
        quietly(["patrol", "route", listed[0]["slug"], "--json"])


def loaded_files() -> dict[str, float]:
    """The modification time of each of gridmap's own modules this process imported."""
    found = {}
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if path and any(Path(path).is_relative_to(p) for p in PACKAGES):
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
    with contextlib.suppress(FileExistsError):
        os.mkdir(folder, 0o700)
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


def child(conn: socket.socket, fds: list[int], request: dict, run: Callable[[list[str]], None]) -> None:
    """The forked child: become the caller's process, run its command, send back the status.
    Never returns. If the caller has gone before the command starts, the command is not run."""
    status = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for fd, target in zip(fds, (0, 1, 2), strict=True):
            os.dup2(fd, target)
            os.close(fd)
        os.environ.clear()
        os.environ.update(request["env"])
        os.umask(request["umask"])
        os.chdir(request["cwd"])
        sys.argv = ["gridmap", *request["argv"]]
        conn.sendall(launcher.FRAME.pack(launcher.STARTED, os.getpid()))
        with stream_of(0, "r") as sys.stdin, stream_of(1, "w") as sys.stdout, stream_of(2, "w") as sys.stderr:
            gc.enable()
            status = ran(run, request["argv"])
        with contextlib.suppress(OSError):
            conn.sendall(launcher.FRAME.pack(launcher.EXITED, status))
    finally:
        os._exit(status)


def ran(run: Callable[[list[str]], None], argv: list[str]) -> int:
    """Run a command as its own process would: its exit status, its traceback on stderr."""
    try:
        run(argv)
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 128 + signal.SIGINT
    except BaseException:
        import traceback

        traceback.print_exc()
        return 1
    return 0


def serve(path: str, idle: float, ready: Callable[[], None] = lambda: None) -> None:
    """Answer commands at ``path`` until told to stop, until gridmap's files change, or after
    ``idle`` seconds without a command.

    A spare child, forked ahead, waits for the next request: the one that takes a command tells
    this process (which forks the next spare) and becomes the command's process, so that no
    command waits for a fork. This process only forks spares and keeps count."""
    run = preload()
    warm_up(run)
    files = loaded_files()
    gc.collect()
    gc.freeze()  # what the imports made is shared with every child as it is, never traversed again
    gc.disable()
    sock = listen(path)
    ours = os.stat(path).st_ino
    state: dict[str, int | float | str] = {"pid": os.getpid(), "socket": path, "started": time.time(), "idle": idle}
    served = 0
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped as they end
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    taken, told = os.pipe()
    ready()
    spare_pid = 0
    try:
        while True:
            spare_pid = os.fork()
            if spare_pid == 0:
                os.close(taken)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                spare(sock, told, files, run, {**state, "served": served})
            if not select.select([taken], [], [], idle)[0]:
                return  # idle
            if os.read(taken, 1) != TOOK_COMMAND:
                spare_pid = 0  # it ends by itself
                return  # told to stop, or gridmap's files changed
            served += 1
    finally:
        if spare_pid:
            with contextlib.suppress(OSError):
                os.kill(spare_pid, signal.SIGTERM)
        with contextlib.suppress(OSError):
            if os.stat(path).st_ino == ours:  # not a newer daemon's
                os.unlink(path)
        sock.close()


def spare(sock: socket.socket, told: int, files: dict[str, float], run: Callable[[list[str]], None],
          state: dict) -> None:
    """The spare child: answer requests until one is a command, then run it (:func:`child`).
    Tells the daemon on ``told`` when it took a command, or that the daemon is to stop."""
    try:
        while True:
            conn, _ = sock.accept()
            conn.settimeout(10)
            try:
                if launcher.peer_uid(conn) != os.getuid():
                    raise ValueError("another user's request")
                size, fds, *_ = socket.recv_fds(conn, launcher.LENGTH.size, 3)
                request = marshal.loads(launcher.receive_exactly(conn, launcher.LENGTH.unpack(size)[0]))
                if not isinstance(request, dict):
                    raise ValueError("not a request")
            except (OSError, ValueError, EOFError, TypeError, struct.error):
                conn.close()
                continue
            kind = request.get("kind")
            if kind == "run" and len(fds) == 3:
                if changed(files):
                    conn.sendall(launcher.FRAME.pack(launcher.STALE, 0))
                    os.write(told, TOLD_TO_STOP)
                    os._exit(0)
                os.write(told, TOOK_COMMAND)
                os.close(told)
                sock.close()
                conn.settimeout(None)
                child(conn, fds, request, run)
            if kind in ("status", "stop"):
                answer = marshal.dumps(state)
                conn.sendall(launcher.FRAME.pack(launcher.STATUS, len(answer)) + answer)
                if kind == "stop":
                    os.write(told, TOLD_TO_STOP)
                    os._exit(0)
            for fd in fds:
                os.close(fd)
            conn.close()
    finally:  # only on an error: the daemon stops rather than leave no one to answer
        os.write(told, TOLD_TO_STOP)
        os._exit(1)
