# {{model}}: the same program on threads or on processes / одна программа на потоках или на процессах
import time
from {{model|threads=threading import Event, Thread, current_thread|processes=multiprocessing import Event, Process, current_process}}

WAITERS = {{waiters}}
SET_AFTER = {{set_after}}
CLEAR_AFTER = {{clear_after}}      # None: never clear the flag / None: флаг не сбрасывать


def handler(ready, start):
    name = {{model|threads=current_thread|processes=current_process}}().name
    print(f'{name}: prepared, waiting for the signal')
    ready.wait()
    print(f'{name}: signal received at {time.monotonic() - start:.2f}')


def latecomer(ready):
    name = {{model|threads=current_thread|processes=current_process}}().name
    t0 = time.monotonic()
    flag = ready.wait(timeout=2)
    print(f'{name}: wait() returned {flag} after {time.monotonic() - t0:.2f} s')


if __name__ == '__main__':
    ready = Event()
    start = time.monotonic()
    # ready and start go to each worker as arguments: a process shares nothing else
    # ready и start передаются аргументами: иначе процессу их не получить
    handlers = [{{model|threads=Thread|processes=Process}}(target=handler, args=(ready, start), name=f'{{model|threads=thr|processes=proc}}-{i}')
                for i in range(WAITERS)]
    for w in handlers:
        w.start()
    time.sleep(SET_AFTER)
    print(f'main: set() at {time.monotonic() - start:.2f}')
    ready.set()
    for w in handlers:
        w.join()

    # comes after set(): the flag is still up / приходит после set(): флаг ещё поднят
    late = {{model|threads=Thread|processes=Process}}(target=latecomer, args=(ready,), name='late-1')
    late.start()
    late.join()
    if CLEAR_AFTER is not None:
        time.sleep(CLEAR_AFTER)
        ready.clear()
        print(f'main: clear() at {time.monotonic() - start:.2f}, is_set() = {ready.is_set()}')
        # the flag is down: it has to wait / флаг опущен: придётся ждать
        late = {{model|threads=Thread|processes=Process}}(target=latecomer, args=(ready,), name='late-2')
        late.start()
        late.join()
