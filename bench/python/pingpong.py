"""Row 3 in CPython: two threads bounce a turn through two threading.Events."""
import threading

from common import emit, now, runs, sampled, size

N = size(10_000, 200)


def pingpong_us():
    ping, pong = threading.Event(), threading.Event()

    def answer():
        for _ in range(N):
            ping.wait()
            ping.clear()
            pong.set()

    t = threading.Thread(target=answer)
    t.start()
    t0 = now()
    for _ in range(N):
        ping.set()
        pong.wait()
        pong.clear()
    us = (now() - t0) * 1e6 / N
    t.join()
    return us


emit({"pingpong": {"unit": "us", "samples": sampled(runs(), pingpong_us), "note": ""}})
