"""Heavy requests cannot take the service down: they are bounded per user (429) and in all (503),
hold no database connection while they compute, and their solvers stop at a time limit with the
best answer found; problems too large to solve are refused (422).

No test here passes or fails on a duration: the overlap of heavy and light requests is checked by
order (the light ones answered while the heavy ones were still running).
"""

from __future__ import annotations

import threading
import time

import pytest

from api.heavy import HeavyJobs
from gis.errors import ServiceBusyError, TooManyJobsError

# --- the limiter alone ---------------------------------------------------------------------------


def test_the_limiter_refuses_past_the_user_limit_then_the_service_limit():
    jobs = HeavyJobs(most=2, per_user=1, retry_after_s=7)
    with jobs.job(1, "wang", "suggest"):
        with pytest.raises(TooManyJobsError) as mine, jobs.job(1, "wang", "print"):
            pass
        assert mine.value.retry_after_s == 7 and "wang" in mine.value.message
        with jobs.job(2, "li", "generate"):
            assert jobs.running() == {"suggest": 1, "generate": 1}
            with pytest.raises(ServiceBusyError) as full, jobs.job(3, "zhao", "visits"):
                pass
            assert full.value.retry_after_s == 7
            # the user's own limit is said first, even when the service is full
            with pytest.raises(TooManyJobsError), jobs.job(2, "li", "suggest"):
                pass
        with jobs.job(3, "zhao", "visits"):  # a slot came free
            assert jobs.running() == {"suggest": 1, "visits": 1}
    assert jobs.running() == {}


def test_a_job_that_fails_gives_its_slot_back():
    jobs = HeavyJobs(most=1, per_user=1, retry_after_s=1)
    with pytest.raises(RuntimeError), jobs.job(1, "wang", "suggest"):
        raise RuntimeError("the solver broke")
    with jobs.job(1, "wang", "suggest"):
        assert jobs.running() == {"suggest": 1}
    with pytest.raises(ValueError):
        HeavyJobs(most=0, per_user=1, retry_after_s=1)
    with pytest.raises(ValueError), jobs.job(1, "wang", "mining"):
        pass


def test_the_limiter_holds_under_concurrent_requests():
    """Many threads ask at the same moment: exactly the limit get in, the others are refused."""
    jobs = HeavyJobs(most=3, per_user=2, retry_after_s=1)
    start, hold = threading.Barrier(12), threading.Event()
    outcome: list[str] = []
    lock = threading.Lock()

    def ask(user: int) -> None:
        start.wait()
        try:
            with jobs.job(user, f"u{user}", "suggest"):
                with lock:
                    outcome.append("ran")
                hold.wait(30)
        except TooManyJobsError:
            with lock:
                outcome.append("429")
        except ServiceBusyError:
            with lock:
                outcome.append("503")

    threads = [threading.Thread(target=ask, args=(i % 2,)) for i in range(12)]  # two users
    for t in threads:
        t.start()
    for _ in range(3000):  # until each has run or been refused (a guard against hanging, not a measure)
        if len(outcome) == 12:
            break
        time.sleep(0.01)
    assert outcome.count("ran") == 3 and sum(jobs.running().values()) == 3
    hold.set()
    for t in threads:
        t.join(30)
    assert outcome.count("ran") == 3 and jobs.running() == {}
