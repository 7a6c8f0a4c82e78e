# {{model}}: the same program on threads or on processes / одна программа на потоках или на процессах
import time
from {{model|threads=threading|processes=multiprocessing}} import BoundedSemaphore, Semaphore, {{model|threads=Thread, current_thread|processes=Process, current_process}}

MAX_CONNECTIONS = {{max_connections}}
WORKERS = {{threads}}
HOLD = {{hold}}                  # seconds a worker keeps its place / сколько секунд исполнитель держит место
BOUNDED = {{bounded}}
EXTRA_RELEASE = {{extra_release}}


def connect(pool, start):
    name = {{model|threads=current_thread|processes=current_process}}().name
    with pool:                   # acquire() on the way in, release() on the way out / acquire() на входе, release() на выходе
        print(f'{name}: connected at {time.monotonic() - start:.1f}')
        time.sleep(HOLD)
        print(f'{name}: disconnecting at {time.monotonic() - start:.1f}')


if __name__ == '__main__':
    pool = BoundedSemaphore(MAX_CONNECTIONS) if BOUNDED else Semaphore(MAX_CONNECTIONS)
    start = time.monotonic()
    if EXTRA_RELEASE:
        try:
            pool.release()       # a release that no acquire paid for / release(), за который не платил ни один acquire()
            print('main: the extra release() was accepted')
        except ValueError as e:
            print(f'main: ValueError: {e}')
    # pool and start go to each worker as arguments: a process shares nothing else
    # pool и start передаются аргументами: иначе процессу их не получить
    workers = [{{model|threads=Thread|processes=Process}}(target=connect, args=(pool, start), name=f'{{model|threads=thr|processes=proc}}-{i}')
               for i in range(WORKERS)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print(f'main: all {WORKERS} {{model|threads=threads|processes=processes}} done at {time.monotonic() - start:.1f}')
