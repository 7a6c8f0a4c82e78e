"""Row 4 in CPython: one producer thread, one consumer thread, an unbounded queue.Queue().

(Not named queue.py: the script's folder comes first on sys.path and would shadow it.)
"""
import queue
import threading

from common import emit, now, runs, sampled, size

N = size(200_000, 2_000)


def items_per_s():
    q = queue.Queue()
    got = [0]

    def consumer():
        s = 0
        for _ in range(N):
            s += q.get()
        got[0] = s

    def producer():
        for i in range(N):
            q.put(i)

    c = threading.Thread(target=consumer)
    p = threading.Thread(target=producer)
    t0 = now()
    c.start()
    p.start()
    p.join()
    c.join()
    secs = now() - t0
    assert got[0] == N * (N - 1) // 2
    return N / secs


emit({"queue": {"unit": "items/s", "samples": sampled(runs(), items_per_s), "note": "queue.Queue()"}})
