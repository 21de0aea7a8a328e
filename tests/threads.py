"""Races on purpose: run callables on threads released together, and collect what each did."""

import threading

from django.db import connections

# Long enough for a sweep of hundreds of rows or a stack's HTTP round trip on a busy machine.
TIMEOUT = 60


def at_once(calls, *, timeout=TIMEOUT):
    """Run each of ``calls`` on its own thread, all released together by a barrier.

    Returns, in the order of ``calls``, what each returned or the exception it raised: a lost
    race is an outcome the test compares, not a failure of the harness. Each thread closes its
    own database connections when done, so that none outlives the test and holds up the
    flush or the test database's teardown.
    """
    barrier = threading.Barrier(len(calls), timeout=timeout)
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as error:
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    stuck = sum(thread.is_alive() for thread in threads)
    assert not stuck, f"{stuck} of {len(threads)} calls still running after {timeout} s"
    return outcomes


def named(outcomes):
    """The outcomes with each exception replaced by its class name, for comparing races."""
    return [type(outcome).__name__ if isinstance(outcome, Exception) else outcome for outcome in outcomes]
