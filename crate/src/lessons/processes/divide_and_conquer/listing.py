import os
import threading
import time
from multiprocessing import Process, Queue

N = {{n}}
# how many processes, then threads; the default is this machine's core count
# сколько процессов, затем потоков; по умолчанию число ядер этой машины
K = {{k}}
CORES = os.cpu_count()


def chunk_sum(a, b):
    return sum(range(a, b + 1))


def in_process(a, b, results):
    results.put(chunk_sum(a, b))


def in_thread(i, a, b, totals):
    totals[i] = chunk_sum(a, b)


def report(what, total, seconds, sequential=None):
    line = f'main: {what}: sum {total}, exact {total == N * (N + 1) // 2}, {seconds:.2f} s'
    if sequential is not None:
        speedup = sequential / seconds
        # efficiency: the share of the machine's cores the split kept busy
        # эффективность: какую долю ядер машины загрузило разбиение
        line += f', speed-up {speedup:.2f}, efficiency {speedup / CORES:.2f}'
    print(line)


if __name__ == '__main__':
    # K chunks of 1..N, as equal as can be
    # K частей отрезка 1..N, как можно более равных
    chunks = [(N * i // K + 1, N * (i + 1) // K) for i in range(K)]
    print(f'main: N = {N}, K = {K}, cores {CORES}, expected {N * (N + 1) // 2}')
    if K <= 8:
        print(f'main: chunks {chunks}')

    start = time.perf_counter()
    total = chunk_sum(1, N)
    sequential = time.perf_counter() - start
    report('sequential', total, sequential)

    start = time.perf_counter()
    results = Queue()
    processes = [Process(target=in_process, args=(a, b, results), name=f'proc-{i}')
                 for i, (a, b) in enumerate(chunks)]
    for p in processes:
        p.start()
    total = sum(results.get() for _ in processes)
    for p in processes:
        p.join()
    report('processes', total, time.perf_counter() - start, sequential)

    start = time.perf_counter()
    totals = [0] * K
    threads = [threading.Thread(target=in_thread, args=(i, a, b, totals), name=f'thread-{i}')
               for i, (a, b) in enumerate(chunks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report('threads', sum(totals), time.perf_counter() - start, sequential)
