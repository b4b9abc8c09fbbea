"""``gridmap daemon``: commands handed to a warm process answer as their own process would
(issue 16: a command line that answers at once). Real processes throughout: the ``gridmap``
console script, a daemon started by ``gridmap daemon start`` in a runtime folder of the test's
own, and the run's database."""

from __future__ import annotations

import contextlib
import marshal
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from gis import launcher
from gis.cli import session

GRIDMAP = str(Path(sys.executable).parent / "gridmap")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def daemon(database_url):
    """A daemon of the test's own (its own ``XDG_RUNTIME_DIR``, which others may enter: the
    daemon's folder in it must keep them out itself); runs ``gridmap`` with the test's
    environment, handing commands to it unless ``here=True``."""
    runtime = Path(tempfile.mkdtemp(prefix="gridmap-run-"))
    runtime.chmod(0o755)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "GRIDMAP_DATABASE_URL": database_url, "GRIDMAP_LANG": "en"}
    env.pop(launcher.NO_DAEMON, None)

    def gridmap(*args: str, here: bool = False, cwd: Path = ROOT, **extra) -> subprocess.CompletedProcess:
        run_env = {**env, **extra, **({launcher.NO_DAEMON: "1"} if here else {})}
        return subprocess.run([GRIDMAP, *args], capture_output=True, text=True, env=run_env, cwd=cwd, timeout=120)

    def restart(*options: str) -> None:
        gridmap("daemon", "stop")
        assert workers_left(runtime) == []
        again = gridmap("daemon", "start", "--idle", "120", *options)
        assert again.returncode == 0 and "started" in again.stdout, again.stderr

    gridmap.env = env
    gridmap.runtime = runtime
    gridmap.restart = restart
    started = gridmap("daemon", "start", "--idle", "120")
    assert started.returncode == 0, started.stderr
    try:
        yield gridmap
    finally:
        gridmap("daemon", "stop")
        shutil.rmtree(runtime)


def daemon_processes(runtime: Path) -> list[int]:
    """The processes of the daemon started with ``runtime``: its own and its workers'."""
    mark = f"XDG_RUNTIME_DIR={runtime}".encode()
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            environ = (proc / "environ").read_bytes().split(b"\0")
            if b"daemon" in (proc / "cmdline").read_bytes() and mark in environ:
                found.append(int(proc.name))
    return found


def workers_left(runtime: Path) -> list[int]:
    """The daemon's processes still there once it should have ended, after waiting up to 10 s
    for them to end."""
    deadline = time.monotonic() + 10
    while (left := daemon_processes(runtime)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


# Another user's request for the daemon's status (gis.launcher's wire), and what came back.
PROBE = """import marshal, socket, struct
s = socket.socket(socket.AF_UNIX)
s.connect({path!r})
body = marshal.dumps({{"kind": "status"}})
s.settimeout(10)
try:
    s.sendall(struct.pack("!I", len(body)) + body)
    print(s.recv(100))
except (BrokenPipeError, ConnectionResetError):  # closed unread
    print(b"")
"""


def served(gridmap) -> int | None:
    """How many commands the daemon has run, None when none runs."""
    out = gridmap("daemon", "status", "--json").stdout.strip()
    return None if out == "null" else __import__("json").loads(out)["served"]


@pytest.mark.parametrize("args", [("stats", "huamao", "--json"), ("stats", "nosuch"), ("patrol", "route", "huamao"),
                                  ("grids", "check", "huamao", "--json"), ("patrol", "nosuch-command")])
def test_a_command_run_by_the_daemon_answers_as_its_own_process_would(daemon, args):
    before = served(daemon)
    there, here = daemon(*args), daemon(*args, here=True)
    assert served(daemon) == before + 1  # the first ran in the daemon, the second here
    assert (there.returncode, there.stdout, there.stderr) == (here.returncode, here.stdout, here.stderr)


def test_the_caller_s_environment_folder_input_and_umask_follow_the_command(daemon, tmp_path, database_url):
    daemon.restart("--workers", "1")  # one worker takes every command, with what it kept of the last
    before = served(daemon)
    # settings from the caller's environment: the language, the database, libpq's own variables
    zh = daemon("stats", "nosuch", GRIDMAP_LANG="zh")
    assert zh.returncode == 2 and "未知社区" in zh.stderr
    gone = database_url.rsplit("/", 1)[0] + "/gridmap_no_such_database"
    elsewhere = daemon("stats", "huamao", GRIDMAP_DATABASE_URL=gone)
    assert elsewhere.returncode == 2 and "gridmap_no_such_database" in elsewhere.stderr
    assert daemon("stats", "huamao", "--json").returncode == 0  # the worker keeps this connection now
    role = daemon("stats", "huamao", "--json", PGUSER="gridmap_no_such_role")  # not for another role
    here = daemon("stats", "huamao", "--json", PGUSER="gridmap_no_such_role", here=True)
    assert (role.returncode, role.stdout, role.stderr) == (here.returncode, here.stdout, here.stderr)
    assert role.returncode == 2 and "gridmap_no_such_role" in role.stderr
    # a relative path is the caller's folder, and the file gets the caller's umask
    work = tmp_path / "work"
    work.mkdir()
    wrote = subprocess.run(["sh", "-c", f"umask 027 && exec {GRIDMAP} patrol route huamao --gpx route.gpx"],
                           capture_output=True, text=True, env=daemon.env, cwd=work, timeout=120)
    assert wrote.returncode == 0, wrote.stderr
    assert (work / "route.gpx").read_text().startswith("<?xml")
    assert (work / "route.gpx").stat().st_mode & 0o777 == 0o640
    # the caller's stdin: a confirmation answered no deletes nothing
    asked = subprocess.run([GRIDMAP, "jurisdiction", "delete", "huamao"], input="n\n", capture_output=True,
                           text=True, env=daemon.env, timeout=120)
    assert (asked.returncode, asked.stdout, asked.stderr) == (1, "delete huamao and all its features? [y/N]: ", "")
    assert served(daemon) == before + 6  # every one of them ran in the daemon
    assert daemon("stats", "huamao", "--json").returncode == 0


def waiting_on_its_question(daemon, slug: str = "nosuch") -> subprocess.Popen:
    """``gridmap jurisdiction delete SLUG`` handed to the daemon, once it asks whether to delete
    and waits on its stdin (a pipe of the test's, unbuffered); use it in a ``with`` block."""
    proc = subprocess.Popen([GRIDMAP, "jurisdiction", "delete", slug], stdin=subprocess.PIPE, bufsize=0,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=daemon.env)
    asked, deadline = b"", time.monotonic() + 60
    while f"delete {slug}".encode() not in asked:
        assert time.monotonic() < deadline, asked
        if select.select([proc.stdout], [], [], 1)[0]:
            asked += os.read(proc.stdout.fileno(), 1024)
    return proc


def nobody_reads(pipe) -> bool:
    """Whether no process holds the read end of ``pipe`` any more (waiting up to 10 s)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            pipe.write(b"\n")
        except BrokenPipeError:
            return True
        time.sleep(0.1)
    return False


def test_a_command_ends_with_its_caller_sigterm_or_sigkill(daemon):
    for signum in (signal.SIGTERM, signal.SIGKILL):
        with waiting_on_its_question(daemon) as proc:
            proc.send_signal(signum)
            assert proc.wait(timeout=30) == -signum  # killed by it, as a process of its own is
            assert nobody_reads(proc.stdin)  # the worker that ran the command is gone with it
    assert daemon("stats", "huamao", "--json").returncode == 0  # and the daemon answers on


def test_status_and_stop_answer_while_every_worker_is_busy_and_the_command_keeps_its_exit_status(daemon):
    daemon.restart("--workers", "1")
    with waiting_on_its_question(daemon) as proc:  # the one worker busy
        asked = time.monotonic()
        assert served(daemon) == 1
        # a status asker that leaves before the answer stops nothing
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(str(next(daemon.runtime.glob("gridmap/*.control"))))
            body = marshal.dumps({"kind": "status"})
            s.sendall(struct.pack("!I", len(body)) + body)
        assert served(daemon) == 1
        assert daemon("daemon", "stop").stdout.strip() == "the daemon stopped"
        assert time.monotonic() - asked < launcher.STARTING_S  # answered, not given up on
        _, err = proc.communicate(b"n\n", timeout=30)
    assert (proc.returncode, err) == (1, b"")
    assert workers_left(daemon.runtime) == []


def test_ctrl_c_reaches_the_command_in_the_daemon(daemon):
    with waiting_on_its_question(daemon, "huamao") as proc:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)  # its stdin kept open: a command that got no Ctrl-C would wait on
        err = proc.stderr.read()
    assert proc.returncode == 1 and b"Aborted" in err, err
    assert daemon("stats", "huamao", "--json").returncode == 0  # nothing was deleted


def test_the_daemon_stops_when_gridmap_s_files_change_and_the_command_runs_with_the_new_ones(daemon):
    module = ROOT / "gis" / "stats.py"
    mtime = module.stat().st_mtime
    os.utime(module, (mtime, mtime + 1))
    try:
        answer = daemon("stats", "huamao", "--json")
    finally:
        os.utime(module, (mtime, mtime))
    assert answer.returncode == 0 and '"households"' in answer.stdout
    assert served(daemon) is None
    assert not list(daemon.runtime.glob("gridmap/*.sock"))


def test_only_its_own_user_reaches_the_daemon(daemon):
    folder = daemon.runtime / "gridmap"
    assert folder.stat().st_mode & 0o777 == 0o700
    # a folder others may enter could hold anyone's socket: the command runs in its own process
    folder.chmod(0o755)
    try:
        before_here = daemon("stats", "huamao", "--json")
    finally:
        folder.chmod(0o700)
    assert before_here.returncode == 0
    assert served(daemon) == 0
    if os.getuid() == 0:
        sock = next(folder.glob("*.sock"))
        probe = subprocess.run(["/usr/bin/python3", "-c", PROBE.format(path=str(sock))], capture_output=True,
                               text=True, user=65534, timeout=30)
        assert "PermissionError" in probe.stderr  # another user cannot even connect
        folder.chmod(0o711)  # and if the folder let them through, the daemon would not answer them
        sock.chmod(0o777)
        try:
            probe = subprocess.run(["/usr/bin/python3", "-c", PROBE.format(path=str(sock))], capture_output=True,
                                   text=True, user=65534, timeout=30)
        finally:
            folder.chmod(0o700)
            sock.chmod(0o755)
        assert probe.returncode == 0 and probe.stdout == "b''\n", probe.stderr
        assert served(daemon) == 0


def test_the_daemon_stops_after_its_idle_time(daemon):
    daemon("daemon", "stop")
    assert daemon("daemon", "start", "--idle", "1").returncode == 0
    assert served(daemon) == 0
    deadline = time.monotonic() + 30
    while served(daemon) is not None:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert not list(daemon.runtime.glob("gridmap/*.sock"))
    assert workers_left(daemon.runtime) == []
    assert daemon("stats", "huamao", "--json").returncode == 0  # and commands run in their own process


def test_starting_twice_keeps_one_daemon_and_stopping_ends_it_and_its_workers(daemon):
    again = daemon("daemon", "start")
    assert again.returncode == 0 and "runs already" in again.stdout
    for _ in range(3):  # workers busy and waiting
        assert daemon("stats", "huamao", "--json").returncode == 0
    assert len(daemon_processes(daemon.runtime)) >= 2  # the daemon and a worker at least
    assert daemon("daemon", "stop").stdout.strip() == "the daemon stopped"
    assert workers_left(daemon.runtime) == []
    assert daemon("daemon", "stop").stdout.strip() == "no daemon runs"


def test_a_worker_whose_connection_was_ended_connects_again(daemon, conn):
    daemon.restart("--workers", "1")  # every command goes to the one worker, and its kept connection
    first = daemon("stats", "huamao", "--json")
    assert first.returncode == 0
    with conn.cursor() as cur:  # the server ends the connections the workers keep (a restart would)
        cur.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND application_name = %s", (session.APPLICATION_NAME,))
        ended = cur.fetchone()[0]
    conn.commit()
    assert ended >= 1
    before = served(daemon)
    again = daemon("stats", "huamao", "--json")
    assert served(daemon) == before + 1
    assert (again.returncode, again.stdout, again.stderr) == (0, first.stdout, "")


def test_a_killed_waiting_worker_is_replaced_and_a_killed_daemon_takes_its_workers_with_it(daemon):
    assert daemon("stats", "huamao", "--json").returncode == 0
    parent = int(__import__("json").loads(daemon("daemon", "status", "--json").stdout)["pid"])
    for pid in set(daemon_processes(daemon.runtime)) - {parent}:
        os.kill(pid, signal.SIGKILL)
    before = served(daemon)
    assert daemon("stats", "huamao", "--json").returncode == 0
    assert served(daemon) == before + 1  # a new worker took it (else it would have run here, after 10 s)
    os.kill(parent, signal.SIGKILL)
    assert workers_left(daemon.runtime) == []
    assert served(daemon) is None
    daemon.restart()
    assert served(daemon) == 0


def test_commands_at_once_run_side_by_side_within_the_daemon_s_workers(daemon):
    daemon.restart("--workers", "2")
    expected = daemon("stats", "huamao", "--json", here=True).stdout
    before = served(daemon)
    procs = [subprocess.Popen([GRIDMAP, "stats", "huamao", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=daemon.env) for _ in range(6)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0] * 6
    assert {out for out, _ in outs} == {expected}
    assert served(daemon) == before + 6
    assert len(daemon_processes(daemon.runtime)) <= 3  # the daemon and its two workers


def test_two_starts_at_once_leave_one_daemon(daemon):
    daemon("daemon", "stop")
    assert workers_left(daemon.runtime) == []
    starts = [subprocess.Popen([GRIDMAP, "daemon", "start"], stdout=subprocess.PIPE, text=True, env=daemon.env)
              for _ in range(2)]
    said = sorted(p.communicate(timeout=120)[0] for p in starts)
    assert [p.returncode for p in starts] == [0, 0]
    assert "started" in said[0] and "runs already" in said[1], said
    assert daemon("stats", "huamao", "--json").returncode == 0
    assert daemon("daemon", "stop").stdout.strip() == "the daemon stopped"
    assert workers_left(daemon.runtime) == []  # no second daemon went on unseen
