"""Row 6 in CPython: the sum 1..N in one process, and split over every core with
multiprocessing (process start included, as thread start is on the Parlab side)."""
import multiprocessing
import os

from common import emit, now, runs, sampled, size

N = size(100_000_000, 1_000_000)


def part(bounds):
    lo, hi = bounds
    return sum(range(lo, hi + 1))


def split(k):
    return [(1 + N * i // k, N * (i + 1) // k) for i in range(k)]


def one_ms():
    t0 = now()
    s = part((1, N))
    ms = (now() - t0) * 1e3
    assert s == N * (N + 1) // 2
    return ms


def all_ms():
    k = os.cpu_count() or 1
    t0 = now()
    with multiprocessing.Pool(k) as pool:
        s = sum(pool.map(part, split(k)))
    ms = (now() - t0) * 1e3
    assert s == N * (N + 1) // 2
    return ms


if __name__ == "__main__":
    k = os.cpu_count() or 1
    emit({
        "sum_1": {"unit": "ms", "samples": sampled(runs(), one_ms), "note": "sum(range(...)) in one process"},
        "sum_all": {"unit": "ms", "samples": sampled(runs(), all_ms), "note": f"multiprocessing.Pool({k}), start included"},
    })
