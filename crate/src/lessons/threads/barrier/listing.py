# {{model}}: the same program on threads or on processes / одна программа на потоках или на процессах
import time
from {{model|threads=threading import Barrier, BrokenBarrierError, Thread, current_thread|processes=multiprocessing import Barrier, Process, current_process}}
{{model|threads=|processes=from threading import BrokenBarrierError  # multiprocessing's Barrier raises threading's error / Barrier из multiprocessing бросает ошибку из threading}}
PARTIES = {{parties}}
WORKERS = {{threads}}
DELAY_MIN, DELAY_MAX = {{delay_min}}, {{delay_max}}
TIMEOUT = {{timeout}}            # None: wait as long as it takes / None: ждать сколько понадобится


def runner(i, barrier, start):
    name = {{model|threads=current_thread|processes=current_process}}().name
    # each gets ready in its own time, spread evenly between DELAY_MIN and DELAY_MAX
    # каждый готовится своё время, равномерно от DELAY_MIN до DELAY_MAX
    time.sleep(DELAY_MIN + (DELAY_MAX - DELAY_MIN) * (i + 0.5) / WORKERS)
    print(f'{name}: at the barrier at {time.monotonic() - start:.2f}')
    try:
        index = barrier.wait()
    except BrokenBarrierError:
        print(f'{name}: the barrier is broken ({time.monotonic() - start:.2f})')
        return
    print(f'{name}: crossed at {time.monotonic() - start:.2f}, arrival index {index}')


if __name__ == '__main__':
    barrier = Barrier(PARTIES, timeout=TIMEOUT)
    start = time.monotonic()
    # the barrier and start go to each worker as arguments: a process shares nothing else
    # барьер и start передаются аргументами: иначе процессу их не получить
    workers = [{{model|threads=Thread|processes=Process}}(target=runner, args=(i, barrier, start), name=f'{{model|threads=thr|processes=proc}}-{i}')
               for i in range(WORKERS)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print('main: every {{model|threads=thread|processes=process}} is done')
