import random
import time
from threading import Barrier, BrokenBarrierError, Thread, current_thread

PARTIES = {{parties}}
THREADS = {{threads}}
DELAY_MIN, DELAY_MAX = {{delay_min}}, {{delay_max}}
TIMEOUT = {{timeout}}            # None: wait as long as it takes

barrier = Barrier(PARTIES, timeout=TIMEOUT)
start = time.monotonic()

def runner():
    name = current_thread().name
    time.sleep(random.uniform(DELAY_MIN, DELAY_MAX))   # each gets ready in its own time
    print(f'{name}: at the barrier at {time.monotonic() - start:.2f}')
    try:
        index = barrier.wait()
    except BrokenBarrierError:
        print(f'{name}: the barrier is broken ({time.monotonic() - start:.2f})')
        return
    print(f'{name}: crossed at {time.monotonic() - start:.2f}, arrival index {index}')

threads = [Thread(target=runner, name=f'thr-{i}') for i in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print('main: every thread is done')
