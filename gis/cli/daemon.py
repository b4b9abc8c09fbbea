"""``gridmap daemon start|status|stop``: a process that keeps the command line's libraries
imported, so that each command answers at once (:mod:`gis.launcher`, :mod:`gis.command_server`)."""

import fcntl
import json
import os
import time
from typing import Annotated

import typer

from gis.cli.options import JsonOpt, say
from gis.errors import GridmapError
from gis.i18n import msg

daemon_app = typer.Typer(help="A process that keeps the command line's libraries imported: commands answer at once.",
                         no_args_is_help=True)
IdleOpt = Annotated[int, typer.Option(min=1, help="Stop after this many seconds without a command.")]
WorkersOpt = Annotated[int, typer.Option(min=1, max=64, help="At most this many commands at once (each worker"
                                                              " keeps a database connection); default: the cores.")]
# Said on the start's pipe by a daemon that found another one starting or running.
ANOTHER = b"-"


@daemon_app.command("start")
def start(idle: IdleOpt = 3600, workers: Annotated[int | None, WorkersOpt] = None) -> None:
    """Start this user's daemon for this installation, in the background (nothing if one runs)."""
    from gis import command_server, launcher

    path = launcher.socket_path()
    command_server.own_folder(os.path.dirname(path))
    log = launcher.beside(path, ".log")
    readable, writable = os.pipe()
    first = os.fork()
    if first == 0:
        os.close(readable)
        _daemon(path, idle, workers or max(2, os.cpu_count() or 2), writable)
    os.close(writable)
    os.waitpid(first, 0)
    with os.fdopen(readable, "rb") as ready:
        pid = ready.read()
    if pid == ANOTHER:
        say(msg("the daemon runs already"))
        return
    if not pid:
        raise GridmapError(msg("the daemon did not start: see {0}", log))
    say(msg("daemon started (process {0}): commands run in it, its libraries imported already; it stops after {1}"
            " s without a command, or with `gridmap daemon stop`", int(pid), idle))


def _daemon(path: str, idle: int, workers: int, ready: int) -> None:
    """The daemon's side of :func:`start`, in the forked child: leave the caller's session,
    terminal, folder and descriptors, hold the daemon's lock (one daemon at a time: a second
    says :data:`ANOTHER` and ends), serve, and say on ``ready`` once commands are answered."""
    from gis import command_server, launcher

    status = 1
    try:
        os.setsid()
        if os.fork():  # the daemon is the grandchild: never again a terminal's process
            status = 0
            return
        os.chdir("/")
        os.closerange(3, ready)
        os.closerange(ready + 1, os.sysconf("SC_OPEN_MAX"))
        lock = os.open(launcher.beside(path, ".lock"), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.write(ready, ANOTHER)
            status = 0
            return
        null = os.open(os.devnull, os.O_RDWR)
        errors = os.open(launcher.beside(path, ".log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
        for fd, target in ((null, 0), (null, 1), (errors, 2)):
            os.dup2(fd, target)
        os.close(null)
        os.close(errors)

        def answered() -> None:
            os.write(ready, str(os.getpid()).encode())
            os.close(ready)

        command_server.serve(path, idle, workers, answered, lock)
        status = 0
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        os._exit(status)


@daemon_app.command("status")
def status(as_json: JsonOpt = False) -> None:
    """Whether the daemon runs: its process, since when, how many commands it ran."""
    from gis import launcher

    running = launcher.request("status")
    if as_json:
        typer.echo(json.dumps(running or None))
    elif not running:
        say(msg("no daemon runs"))
    else:
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(running["started"]))
        say(msg("the daemon runs (process {0}) since {1}: {2} commands so far, at {3}", running["pid"], since,
                running["served"], running["socket"]))


@daemon_app.command("stop")
def stop() -> None:
    """Stop the daemon (commands then run in their own process again)."""
    from gis import launcher

    running = launcher.request("stop")
    if running is None:
        say(msg("no daemon runs"))
    else:
        say(msg("the daemon stopped"))
