import time
from threading import Barrier, BrokenBarrierError, Thread, current_thread

PARTIES = {{parties}}
THREADS = {{threads}}
DELAY_MIN, DELAY_MAX = {{delay_min}}, {{delay_max}}
TIMEOUT = {{timeout}}            # None: wait as long as it takes

barrier = Barrier(PARTIES, timeout=TIMEOUT)
start = time.monotonic()

def runner(i):
    name = current_thread().name
    # each gets ready in its own time, spread evenly between DELAY_MIN and DELAY_MAX
    time.sleep(DELAY_MIN + (DELAY_MAX - DELAY_MIN) * (i + 0.5) / THREADS)
    print(f'{name}: at the barrier at {time.monotonic() - start:.2f}')
    try:
        index = barrier.wait()
    except BrokenBarrierError:
        print(f'{name}: the barrier is broken ({time.monotonic() - start:.2f})')
        return
    print(f'{name}: crossed at {time.monotonic() - start:.2f}, arrival index {index}')

threads = [Thread(target=runner, args=(i,), name=f'thr-{i}') for i in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print('main: every thread is done')
