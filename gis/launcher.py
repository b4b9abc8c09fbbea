"""The ``gridmap`` command's first step: hand the command to a running ``gridmap daemon``, or run
it here.

A command on its own spends most of its time starting: importing numpy, scipy, shapely, pyproj
and the solvers takes ~0.5 s, where the work of a patrol route on 6,000 streets takes ~0.07 s.
``gridmap daemon start`` keeps a process with all of that imported; this module, which imports
nothing but the standard library's lightest modules, connects to it and hands over the command
with the caller's own terminal (its stdin, stdout and stderr, passed as file descriptors), its
working directory, its environment, umask and arguments. One of the daemon's workers runs the
command exactly as this process would have, and sends back its exit status. The way Mercurial's
``chg`` serves ``hg``.

Nothing is handed over when no daemon answers, when ``GRIDMAP_NO_DAEMON`` is set, or for the
commands that must own the process: ``serve`` and ``daemon`` itself, and ``users``, whose
password prompts need the caller's terminal as a terminal. Then the command runs here, as before.

The wire (a Unix socket, in a folder only its user can open, both ends checking the other's user):
the request is a 4-byte length, sent with the three descriptors, then that many bytes of a dict
in Python's ``marshal`` format (``kind``: ``run``, ``status`` or ``stop``; for ``run`` its
``argv``, ``cwd`` and ``env``): both ends are the same Python, and ``marshal`` is built in, where
importing ``json`` (and with it ``re``) would take a fifth of this process's start. The answers
are frames of a 1-byte kind and a signed 4-byte number: :data:`STARTED` with the worker's pid
(signals the caller gets are passed on to it; the command begins when the caller answers
:data:`GO`, so that one the caller gave up waiting for never runs), :data:`EXITED` with the
command's exit status,
:data:`STALE` when gridmap's files changed since the daemon imported them (the daemon then stops,
and the command runs here), and for ``status`` a length then that much of a marshalled dict.
"""

from __future__ import annotations

# _socket and _signal, the C modules behind socket and signal: their Python wrappers import enum
# (and with it functools and collections), as much time again as the rest of this process's start.
import _signal
import _socket
import marshal
import os
import struct
import sys
import zlib

NO_DAEMON = "GRIDMAP_NO_DAEMON"
# The commands that run in their own process whatever runs: the server, the daemon, and the
# password prompts (typer's hidden input reads the terminal itself, which a daemon's worker has not).
OWN_PROCESS = frozenset({"serve", "daemon", "users"})
FRAME = struct.Struct("!ci")
STARTED, EXITED, STALE, STATUS = b"p", b"x", b"s", b"j"
GO = b"g"
LENGTH = struct.Struct("!I")
# How long a command waits for a worker of the daemon to take it before running in its own process.
STARTING_S = 10.0
PASSED_ON = (_signal.SIGINT, _signal.SIGTERM, _signal.SIGHUP, _signal.SIGQUIT)


def socket_dir() -> str:
    """The folder of this user's daemon sockets: ``$XDG_RUNTIME_DIR/gridmap``, else
    ``$TMPDIR/gridmap-UID`` (``/tmp`` without ``TMPDIR``)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return os.path.join(runtime, "gridmap")
    return os.path.join(os.environ.get("TMPDIR") or "/tmp", f"gridmap-{os.getuid()}")


def socket_path() -> str:
    """The socket of the daemon for this installation (this Python and this gridmap): two
    checkouts of gridmap, or two virtual environments, have a daemon each."""
    here = os.path.dirname(os.path.abspath(__file__))
    key = zlib.crc32(f"{sys.executable}\0{here}".encode())
    return os.path.join(socket_dir(), f"cli-{key:08x}.sock")


def private(folder: str) -> bool:
    """Whether ``folder`` is a real folder of this user's that no one else may enter: a socket
    there was put by this user (the request carries the environment, passwords included)."""
    try:
        st = os.lstat(folder)
    except OSError:
        return False
    return (st.st_mode & 0o170000) == 0o040000 and st.st_uid == os.getuid() and not st.st_mode & 0o077


def peer_uid(sock: _socket.socket) -> int:
    """The user id of the process at the other end of a Unix socket."""
    creds = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1]


def beside(path: str, suffix: str) -> str:
    """The file of the daemon at socket ``path`` ending in ``suffix`` (its log, its lock …)."""
    return path.removesuffix(".sock") + suffix


def control_path(path: str) -> str:
    """The socket on which the daemon at ``path`` answers ``status`` and ``stop`` itself."""
    return beside(path, ".control")


def connect(path: str) -> _socket.socket | None:
    """A connection to this user's daemon socket ``path``, or None when none of this user's answers."""
    if not private(os.path.dirname(path)):
        return None
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    sock.settimeout(STARTING_S)  # a daemon that does not answer is as good as none
    try:
        sock.connect(path)
        if peer_uid(sock) == os.getuid():
            return sock
    except OSError:
        pass
    sock.close()
    return None


def send_request(sock: _socket.socket, request: dict, fds: list[int]) -> None:
    """The request: its length, with the descriptors ``fds`` (as ``socket.send_fds`` sends them),
    then the request itself."""
    payload = marshal.dumps(request)
    passed = [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, struct.pack(f"{len(fds)}i", *fds))] if fds else []
    sock.sendmsg([LENGTH.pack(len(payload))], passed)
    sock.sendall(payload)


def receive_exactly(sock: _socket.socket, size: int) -> bytes:
    """``size`` bytes from ``sock``, or fewer if the other end closed first."""
    chunks, got = [], 0
    while got < size:
        chunk = sock.recv(size - got)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def receive_frame(sock: _socket.socket) -> tuple[bytes, int] | None:
    data = receive_exactly(sock, FRAME.size)
    return FRAME.unpack(data) if len(data) == FRAME.size else None


def request(kind: str) -> dict | None:
    """Ask the daemon for its ``status`` or to ``stop``: its answer (the status, or ``{}`` once
    it has stopped), or None when no daemon answers."""
    sock = connect(control_path(socket_path()))
    if sock is None:
        return None
    try:
        send_request(sock, {"kind": kind}, [])
        frame = receive_frame(sock)
        if frame is None or frame[0] != STATUS:
            return {} if kind == "stop" else None
        return marshal.loads(receive_exactly(sock, frame[1]))
    except (OSError, EOFError, ValueError):  # a daemon that does not answer is as good as none
        return None
    finally:
        sock.close()


def hand_over(argv: list[str]) -> int | None:
    """Run ``argv`` in the daemon: the command's exit status, or None when it was not run there
    (no daemon, or one that will not run it), so that it runs here."""
    sock = connect(socket_path())
    if sock is None:
        return None
    caught: list[int] = []
    previous: list[tuple[int, object]] = []
    try:
        mask = os.umask(0o022)
        os.umask(mask)
        try:
            send_request(sock, {"kind": "run", "argv": argv, "cwd": os.getcwd(), "env": dict(os.environ),
                                "umask": mask}, [0, 1, 2])
            frame = receive_frame(sock)
        except OSError:  # refused, or no worker free within STARTING_S
            return None
        if frame is None or frame[0] != STARTED:
            return None  # no worker took it: the command has not begun
        worker = frame[1]

        def pass_on(signum: int, _frame: object) -> None:
            caught.append(signum)
            try:
                os.kill(worker, signum)
            except ProcessLookupError:
                pass

        previous = [(signum, _signal.signal(signum, pass_on)) for signum in PASSED_ON]
        if caught:  # told to end before the command began: it never does
            return ended_by(caught[-1], previous)
        try:
            sock.sendall(GO)  # the command begins only now: one given up on above never runs
        except OSError:
            return None
        sock.settimeout(None)
        frame = receive_frame(sock)
    finally:
        sock.close()
        for signum, handler in previous:  # from now on a signal is this process's own again
            _signal.signal(signum, handler)
    if frame is not None and frame[0] == EXITED:
        return frame[1]
    if caught:
        return ended_by(caught[-1], [])
    sys.stderr.write(f"gridmap: the daemon's process {worker} running the command ended without an exit status\n")
    return 1


def ended_by(signum: int, previous: list[tuple[int, object]]) -> int:
    """End as a process of its own would on ``signum`` (killed by it, as the shell sees it; an
    interrupt: status 130). ``previous``: the handlers to put back first."""
    for sig, handler in previous:
        _signal.signal(sig, handler)
    if signum != _signal.SIGINT:
        _signal.signal(signum, _signal.SIG_DFL)
        os.kill(os.getpid(), signum)
    return 128 + signum


def run() -> None:
    """The ``gridmap`` console script."""
    argv = sys.argv[1:]
    if not os.environ.get(NO_DAEMON) and not (argv and argv[0] in OWN_PROCESS):
        status = hand_over(argv)
        if status is not None:
            sys.exit(status)
    from gis.cli import run as run_here

    run_here()
