"""The circuit breaker: opens after failures in a row, lets one trial through later, never serialises calls."""

from __future__ import annotations

import threading

import pytest

from bff.adapters.breaker import CircuitBreaker, CircuitOpen


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def fail() -> None:
    raise ConnectionError("down")


def test_opens_after_failures_in_a_row_and_recovers_after_a_good_trial():
    clock = Clock()
    breaker = CircuitBreaker(3, 20, ConnectionError, clock)
    for _ in range(3):
        with pytest.raises(ConnectionError):
            breaker.call(fail)
    with pytest.raises(CircuitOpen):
        breaker.call(lambda: "never called")
    clock.now = 21
    assert breaker.call(lambda: "ok") == "ok"
    assert not breaker.is_open


def test_a_failed_trial_opens_it_again():
    clock = Clock()
    breaker = CircuitBreaker(1, 20, ConnectionError, clock)
    with pytest.raises(ConnectionError):
        breaker.call(fail)
    clock.now = 21
    with pytest.raises(ConnectionError):
        breaker.call(fail)
    with pytest.raises(CircuitOpen):
        breaker.call(lambda: "never called")


def test_answers_that_are_not_failures_reset_the_count():
    breaker = CircuitBreaker(2, 20, ConnectionError)
    with pytest.raises(ConnectionError):
        breaker.call(fail)
    with pytest.raises(KeyError):
        breaker.call(lambda: {}["a card-system 'no' is still an answer"])
    with pytest.raises(ConnectionError):
        breaker.call(fail)
    assert not breaker.is_open


def test_calls_run_at_the_same_time():
    breaker = CircuitBreaker(3, 20, ConnectionError)
    barrier = threading.Barrier(4)
    done = []

    def slow() -> None:
        barrier.wait(timeout=5)  # raises BrokenBarrierError unless all four calls are inside at once
        done.append(1)

    threads = [threading.Thread(target=breaker.call, args=(slow,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(done) == 4
