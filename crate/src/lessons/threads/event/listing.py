import time
from threading import Event, Thread, current_thread

WAITERS = {{waiters}}
SET_AFTER = {{set_after}}
CLEAR_AFTER = {{clear_after}}      # None: never clear the flag

ready = Event()
start = time.monotonic()

def handler():
    name = current_thread().name
    print(f'{name}: prepared, waiting for the signal')
    ready.wait()
    print(f'{name}: signal received at {time.monotonic() - start:.2f}')

def latecomer():
    name = current_thread().name
    t0 = time.monotonic()
    flag = ready.wait(timeout=2)
    print(f'{name}: wait() returned {flag} after {time.monotonic() - t0:.2f} s')

handlers = [Thread(target=handler, name=f'thr-{i}') for i in range(WAITERS)]
for t in handlers:
    t.start()
time.sleep(SET_AFTER)
print(f'main: set() at {time.monotonic() - start:.2f}')
ready.set()
for t in handlers:
    t.join()

late = Thread(target=latecomer, name='late-1')   # comes after set(): the flag is still up
late.start()
late.join()
if CLEAR_AFTER is not None:
    time.sleep(CLEAR_AFTER)
    ready.clear()
    print(f'main: clear() at {time.monotonic() - start:.2f}, is_set() = {ready.is_set()}')
    late = Thread(target=latecomer, name='late-2')   # the flag is down: it has to wait
    late.start()
    late.join()
