"""Turns of a second's work (decoding a photo, matching walks): how many run, how many wait, and
who is refused at once. Pure: real threads, no database, no server."""

from __future__ import annotations

import threading

import pytest

from api.heavy import Turns
from gis.access import Principal
from gis.errors import ServiceBusyError, TooManyJobsError
from gis.i18n import msg


def worker(n: int) -> Principal:
    return Principal(user_id=n, username=f"worker{n}", role="worker")


def turns(at_once: int, per_user: int, queue: int) -> Turns:
    # a wait far longer than the test: a request that waited would be seen waiting, not refused
    return Turns(at_once, per_user, queue, 60.0, lambda retry: msg("busy, {0} s", retry),
                 lambda name, retry: msg("{0} again, {1} s", name, retry))


def held(kind: Turns, who: Principal, release: threading.Event, entered: threading.Event) -> threading.Thread:
    """A thread that takes a turn of ``who``'s and keeps it until ``release``."""
    def run() -> None:
        with kind.turn(who, 5):
            entered.set()
            release.wait(30)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def wait_until(condition, seconds: float = 10.0) -> None:
    done = threading.Event()
    for _ in range(int(seconds * 100)):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError("the condition never held")


def test_many_accounts_at_once_wait_no_more_than_the_queue_the_rest_refused_at_once():
    """One photo each of many accounts: ``at_once`` decode, ``queue`` wait (each a thread of the
    pool), and the next is refused with 503 without waiting — it does not hold a thread for the
    wait (every account sending a photo at once took every thread of the server's pool)."""
    kind = turns(at_once=1, per_user=2, queue=2)
    release = threading.Event()
    running = threading.Event()
    threads = [held(kind, worker(1), release, running)]
    try:
        assert running.wait(10)
        waiters = [held(kind, worker(n), release, threading.Event()) for n in (2, 3)]
        threads += waiters
        wait_until(lambda: kind.waiting == 2)

        refused: list[BaseException] = []

        def one_more() -> None:
            try:
                with kind.turn(worker(4), 5):
                    pass
            except ServiceBusyError as e:
                refused.append(e)
        late = threading.Thread(target=one_more, daemon=True)
        late.start()
        late.join(10)  # the wait is 60 s: a refusal inside 10 s is one given at once
        assert not late.is_alive() and len(refused) == 1
        assert refused[0].retry_after_s == 5
        assert kind.waiting == 2 and 4 not in kind.users  # nothing of the refused one left counted
    finally:
        release.set()
        for thread in threads:
            thread.join(30)
    # everyone served in their turn, nothing left counted
    assert kind.waiting == 0 and not kind.users
    assert kind.slots.acquire(blocking=False)
    kind.slots.release()


def test_one_account_past_its_share_is_refused_at_once_even_with_slots_free():
    """One account's burst: its ``per_user`` at once, the next 429 at once (the queue never sees it)."""
    kind = turns(at_once=3, per_user=1, queue=3)
    release, running = threading.Event(), threading.Event()
    thread = held(kind, worker(7), release, running)
    try:
        assert running.wait(10)
        with pytest.raises(TooManyJobsError) as refused, kind.turn(worker(7), 5):
            pass
        assert "worker7" in str(refused.value) and refused.value.retry_after_s == 5
        assert kind.waiting == 0
        with kind.turn(worker(8), 5):  # another account is served meanwhile
            assert kind.users[8] == 1
    finally:
        release.set()
        thread.join(30)
    assert not kind.users
