import threading
import time
from threading import Thread, current_thread

MAX_CONNECTIONS = {{max_connections}}
THREADS = {{threads}}
HOLD = {{hold}}                  # seconds a thread keeps its place
BOUNDED = {{bounded}}
EXTRA_RELEASE = {{extra_release}}

if BOUNDED:
    pool = threading.BoundedSemaphore(MAX_CONNECTIONS)
else:
    pool = threading.Semaphore(MAX_CONNECTIONS)
start = time.monotonic()

def connect():
    name = current_thread().name
    with pool:                   # acquire() on the way in, release() on the way out
        print(f'{name}: connected at {time.monotonic() - start:.1f}')
        time.sleep(HOLD)
        print(f'{name}: disconnecting at {time.monotonic() - start:.1f}')

if EXTRA_RELEASE:
    try:
        pool.release()           # a release that no acquire paid for
        print('main: the extra release() was accepted')
    except ValueError as e:
        print(f'main: ValueError: {e}')

threads = [Thread(target=connect, name=f'thr-{i}') for i in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(f'main: all {THREADS} threads done at {time.monotonic() - start:.1f}')
