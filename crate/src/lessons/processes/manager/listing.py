import time
from multiprocessing import Manager, Process, Value, current_process, set_start_method

PROCESSES = {{processes}}
OPERATIONS = {{operations}}
# what the manager holds: 'dict', 'list', 'Namespace' or 'Value'
# что хранит менеджер: 'dict', 'list', 'Namespace' или 'Value'
TYPE = '{{type}}'


def bump(shared):
    # a read and a write: two round trips to the manager's process
    # чтение и запись: два обращения к процессу менеджера и два ответа
    if TYPE == 'dict':
        shared['count'] += 1
    elif TYPE == 'list':
        shared[0] += 1
    elif TYPE == 'Namespace':
        shared.count += 1
    else:
        shared.value += 1


def read(shared):
    if TYPE == 'dict':
        return shared['count']
    if TYPE == 'list':
        return shared[0]
    if TYPE == 'Namespace':
        return shared.count
    return shared.value


def via_manager(shared, lock):
    start = time.perf_counter()
    for _ in range(OPERATIONS):
        # the lock lives in the manager too: acquire and release are round trips as well
        # блокировка тоже живёт в менеджере: acquire и release — тоже обращения к нему
        with lock:
            bump(shared)
    each = (time.perf_counter() - start) / OPERATIONS * 1e6
    print(f'{current_process().name}: {OPERATIONS} operations, {each:.1f} us each', flush=True)


def via_shared_memory(counter):
    start = time.perf_counter()
    for _ in range(OPERATIONS):
        with counter.get_lock():
            counter.value += 1
    each = (time.perf_counter() - start) / OPERATIONS * 1e6
    print(f'{current_process().name}: {OPERATIONS} operations, {each:.1f} us each', flush=True)


def run_all(target, args, label):
    workers = [Process(target=target, args=args, name=f'{label}-{n}') for n in range(1, PROCESSES + 1)]
    for p in workers:
        p.start()
    for p in workers:
        p.join()


if __name__ == '__main__':
    # our processes start fresh, as with 'spawn': they get only their arguments
    # наши процессы стартуют с чистого листа, как при 'spawn': им достаются только аргументы
    set_start_method('spawn')
    expected = PROCESSES * OPERATIONS
    with Manager() as manager:
        # the object lives in the manager's process; we hold only a proxy to it
        # сам объект живёт в процессе менеджера, у нас только прокси к нему
        if TYPE == 'dict':
            shared = manager.dict()
            shared['count'] = 0
        elif TYPE == 'list':
            shared = manager.list([0])
        elif TYPE == 'Namespace':
            shared = manager.Namespace()
            shared.count = 0
        else:
            shared = manager.Value('i', 0)
        lock = manager.Lock()
        run_all(via_manager, (shared, lock), 'manager-user')
        print(f'main: {TYPE} in the manager: {read(shared)} of {expected}')
        try:
            # a proxy forwards only the methods it exposes
            # прокси пропускает только те методы, которые он открывает
            shared.increment()
        except AttributeError as e:
            print(f'main: AttributeError: {e}')
    counter = Value('i', 0)
    run_all(via_shared_memory, (counter,), 'shm-user')
    print(f'main: Value in shared memory: {counter.value} of {expected}')
