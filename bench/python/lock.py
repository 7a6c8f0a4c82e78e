"""Rows 1 and 2 in CPython: threading.Lock, uncontended pairs and two threads incrementing."""
import threading

from common import emit, now, runs, sampled, size

PAIRS = size(100_000, 10_000)
INCREMENTS = size(100_000, 2_000)


def lock_pair_ns():
    lock = threading.Lock()
    acquire, release = lock.acquire, lock.release
    t0 = now()
    for _ in range(PAIRS):
        acquire()
        release()
    return (now() - t0) * 1e9 / PAIRS


def lock_increments_ops():
    lock = threading.Lock()
    counter = [0]
    gate = threading.Barrier(2)  # both threads start incrementing together
    starts, ends = [], []

    def add():
        gate.wait()
        starts.append(now())
        for _ in range(INCREMENTS):
            lock.acquire()
            counter[0] += 1
            lock.release()
        ends.append(now())

    threads = [threading.Thread(target=add) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert counter[0] == 2 * INCREMENTS, counter[0]
    return 2 * INCREMENTS / (max(ends) - min(starts))


emit({
    "lock_pair": {"unit": "ns", "samples": sampled(3 * runs(), lock_pair_ns), "note": "lock.acquire(); lock.release()"},
    "lock_increments": {"unit": "ops/s", "samples": sampled(runs(), lock_increments_ops), "note": ""},
})
