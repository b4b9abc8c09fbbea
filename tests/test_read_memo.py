"""The memo of what the database said (gis.read_memo), by itself: nothing kept while changes are
not heard, nothing kept that was read across a change, nothing sent after it expires."""

from __future__ import annotations

from gis.read_memo import Memo


def live() -> Memo:
    memo = Memo(most=3)
    memo.hearing(True)
    return memo


def test_an_answer_is_kept_until_a_change_is_heard():
    memo = live()
    assert memo.put("k", "answer", expires=100.0, generation=memo.generation())
    assert memo.get("k", now=50.0) == "answer" and memo.hits == 1
    memo.forget()
    assert memo.get("k", now=50.0) is None


def test_an_answer_read_across_a_change_is_not_kept():
    memo = live()
    taken = memo.generation()  # the reader asks the database after this...
    memo.forget()  # ...and a change is heard before it puts what it read
    assert not memo.put("k", "stale", expires=100.0, generation=taken)
    assert memo.get("k", now=0.0) is None


def test_nothing_is_kept_or_sent_while_changes_are_not_heard():
    memo = Memo()
    assert not memo.put("k", "answer", expires=100.0, generation=memo.generation())
    memo.hearing(True)
    memo.put("k", "answer", expires=100.0, generation=memo.generation())
    memo.hearing(False)  # the listener's connection broke
    assert memo.get("k", now=0.0) is None and not memo.live
    memo.hearing(True)  # back: what was kept before the break is gone
    assert memo.get("k", now=0.0) is None


def test_an_expired_answer_is_not_sent():
    memo = live()
    memo.put("k", "answer", expires=100.0, generation=memo.generation())
    assert memo.get("k", now=100.0) is None and len(memo) == 0


def test_a_full_memo_starts_again():
    memo = live()
    for key in "abc":
        memo.put(key, key, expires=100.0, generation=memo.generation())
    memo.put("d", "d", expires=100.0, generation=memo.generation())
    assert len(memo) == 1 and memo.get("d", now=0.0) == "d" and memo.get("a", now=0.0) is None
