"""Rows 9-14 in CPython: multiprocessing, measured as the Parlab side measures them.

- start and join one process doing nothing, with the `fork` and the `spawn` start methods;
- a Pipe round trip: the parent sends 8 bytes with send_bytes, the child echoes them;
- a multiprocessing.Queue: the parent puts ints, one child gets them (items/s from the
  first timed put until the child is joined; a first item keeps its start out);
- the resident size (VmRSS) of a spawned child waiting on its parent;
- row 16: Pool(cores).map of tiny tasks, the workers up before the clock starts, and the
  same tasks through concurrent.futures.ThreadPoolExecutor(cores).map for the per-task
  reference.

The sum's speed-up on processes is sum.py's (multiprocessing.Pool).
"""
import multiprocessing

from common import emit, now, runs, sampled, size

ROUND_TRIPS = size(5_000, 200)
QUEUE_ITEMS = size(100_000, 2_000)
POOL_TASKS = size(10_000, 500)


def square(x):
    return x * x


def pool_map_ms(ctx):
    def sample():
        cores = multiprocessing.cpu_count()
        with ctx.Pool(cores) as pool:
            pool.map(square, range(cores), chunksize=1)
            t0 = now()
            squares = pool.map(square, range(POOL_TASKS))
            ms = (now() - t0) * 1e3
        assert squares == [x * x for x in range(POOL_TASKS)]
        return ms

    return sample


def thread_pool_map_ms():
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(multiprocessing.cpu_count()) as ex:
        t0 = now()
        squares = list(ex.map(square, range(POOL_TASKS)))
        ms = (now() - t0) * 1e3
    assert squares == [x * x for x in range(POOL_TASKS)]
    return ms


def nothing():
    pass


def start_join_ms(ctx):
    def sample():
        p = ctx.Process(target=nothing)
        t0 = now()
        p.start()
        p.join()
        ms = (now() - t0) * 1e3
        assert p.exitcode == 0
        return ms

    return sample


def echo(conn, n):
    for _ in range(n):
        conn.send_bytes(conn.recv_bytes())


def pipe_round_trip_us(ctx):
    def sample():
        mine, theirs = ctx.Pipe(True)
        p = ctx.Process(target=echo, args=(theirs, ROUND_TRIPS + 1))
        p.start()
        theirs.close()
        mine.send_bytes((2**64 - 1).to_bytes(8, "little"))
        mine.recv_bytes()
        t0 = now()
        for i in range(ROUND_TRIPS):
            b = i.to_bytes(8, "little")
            mine.send_bytes(b)
            assert mine.recv_bytes() == b
        us = (now() - t0) * 1e6 / ROUND_TRIPS
        p.join()
        assert p.exitcode == 0
        return us

    return sample


def consume(q, n):
    for _ in range(n):
        q.get()


def queue_items_s(ctx):
    def sample():
        q = ctx.Queue()
        p = ctx.Process(target=consume, args=(q, QUEUE_ITEMS + 1))
        p.start()
        q.put(2**64 - 1)
        while not q.empty():
            pass
        t0 = now()
        for i in range(QUEUE_ITEMS):
            q.put(i)
        p.join()
        secs = now() - t0
        assert p.exitcode == 0
        return QUEUE_ITEMS / secs

    return sample


def report_rss(conn):
    with open("/proc/self/status") as f:
        kb = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    conn.send(kb * 1024)
    conn.recv_bytes()


def memory_mb(ctx):
    def sample():
        mine, theirs = ctx.Pipe(True)
        p = ctx.Process(target=report_rss, args=(theirs,))
        p.start()
        theirs.close()
        rss = mine.recv()
        mine.send_bytes(b"done")
        p.join()
        return rss / 2**20

    return sample


if __name__ == "__main__":
    fork = multiprocessing.get_context("fork")
    spawn = multiprocessing.get_context("spawn")
    n = runs()
    emit({
        "proc_fork": {"unit": "ms", "samples": sampled(3 * n, start_join_ms(fork)), "note": "start method fork"},
        "proc_spawn": {"unit": "ms", "samples": sampled(n, start_join_ms(spawn)), "note": "start method spawn"},
        "proc_pipe": {"unit": "us", "samples": sampled(n, pipe_round_trip_us(fork)),
                      "note": "Pipe(): send_bytes/recv_bytes of 8 bytes, the child echoes (fork)"},
        "proc_queue": {"unit": "items/s", "samples": sampled(n, queue_items_s(fork)),
                       "note": "multiprocessing.Queue(), ints, the parent puts, one child gets (fork)"},
        "proc_memory": {"unit": "MB", "samples": sampled(n, memory_mb(spawn)),
                        "note": "VmRSS of a spawned child waiting on a pipe (no trace)"},
        "pool_map": {"unit": "ms", "samples": sampled(n, pool_map_ms(fork)),
                     "note": f"Pool(cpu_count()).map(square, range({POOL_TASKS})), workers up (fork)"},
        "pool_map_threads": {"unit": "ms", "samples": sampled(n, thread_pool_map_ms),
                             "note": "concurrent.futures.ThreadPoolExecutor(cpu_count()).map, the same tasks"},
    })
