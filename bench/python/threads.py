"""Row 5 in CPython: start 100 threading.Threads that do nothing, then join them all."""
import threading

from common import emit, now, runs, sampled, size

K = size(100, 10)


def noop():
    pass


def start_join_ms():
    threads = [threading.Thread(target=noop) for _ in range(K)]
    t0 = now()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return (now() - t0) * 1e3


note = "OS threads: no pool, every start is cold"
samples = sampled(runs(), start_join_ms)
emit({
    "threads_warm": {"unit": "ms", "samples": samples, "note": note},
    "threads_cold": {"unit": "ms", "samples": samples, "note": note},
})
