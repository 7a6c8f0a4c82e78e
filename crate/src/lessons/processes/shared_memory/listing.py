from multiprocessing import Array, Event, Process, Value, current_process

PROCESSES = {{processes}}
INCREMENTS = {{increments}}
LOCK = {{lock}}
ARRAY_SIZE = {{array_size}}


def work(n, counter, slots, go):
    name = current_process().name
    go.wait()
    for _ in range(INCREMENTS):
        if LOCK:
            with counter.get_lock():
                counter.value += 1
        else:
            # a read and then a write: another process may write in between
            # чтение, потом запись: между ними может записать другой процесс
            counter.value += 1
    mine = range(n - 1, ARRAY_SIZE, PROCESSES)
    for i in mine:
        slots[i] = n
    print(f'{name}: done {INCREMENTS} increments; array slots written: {len(mine)}', flush=True)


if __name__ == '__main__':
    counter = Value('i', 0)
    slots = Array('i', ARRAY_SIZE)
    # every process starts counting at once, when go is set
    # все процессы начинают считать одновременно, когда go установлен
    go = Event()
    workers = [Process(target=work, args=(n, counter, slots, go), name=f'worker-{n}')
               for n in range(1, PROCESSES + 1)]
    for p in workers:
        p.start()
    go.set()
    for p in workers:
        p.join()
    expected = PROCESSES * INCREMENTS
    print(f'main: counter expected {expected}, got {counter.value}, lost {expected - counter.value}')
    right = sum(slots[i] == i % PROCESSES + 1 for i in range(ARRAY_SIZE))
    print(f'main: array slots as written {right} of {ARRAY_SIZE}')
    if ARRAY_SIZE <= 20:
        print(f'main: array {slots[:]}')
