import multiprocessing as mp
import random
import threading
import time

PROCESSES = {{processes}}      # worker processes; Pool() alone takes os.cpu_count() / рабочие процессы; Pool() без аргумента берёт os.cpu_count()
TASKS = {{tasks}}
TASK_S = {{task_s}}            # seconds per task on average (each takes 0.5x to 1.5x) / секунд на задачу в среднем (каждая от 0.5x до 1.5x)
METHOD = '{{method}}'          # map, map_async, apply_async, starmap, starmap_async, imap, imap_unordered / способ раздать задачи: map, map_async, apply_async, starmap, starmap_async, imap, imap_unordered
RETURNS = {{returns}}          # False: the task returns nothing, so its result is None / False: задача ничего не возвращает, и её результат — None
SHOW = TASKS <= 20


# a module-level function: a worker process finds it by name
# функция уровня модуля: процесс-работник находит её по имени
def task(n, power=2):
    name = mp.current_process().name
    if SHOW:
        print(f'{name}: task {n} started', flush=True)
    time.sleep(TASK_S * random.uniform(0.5, 1.5))
    if SHOW:
        print(f'{name}: task {n} finished', flush=True)
    if RETURNS:
        return n ** power


# runs in the parent process, in the pool's result-handler thread
# выполняется в родительском процессе, в потоке-обработчике результатов пула
def on_results(results):
    where = f'{mp.current_process().name}/{threading.current_thread().name}'
    print(f'callback: {len(results)} results in {where}', flush=True)


def on_result(result):
    if SHOW:
        print(f'callback: {result} in {threading.current_thread().name}', flush=True)


if __name__ == '__main__':
    # the start method that Parlab's processes follow: a fresh interpreter per worker
    # метод запуска, которому следуют процессы Parlab: новый интерпретатор на работника
    mp.set_start_method('spawn')
    with mp.Pool(PROCESSES) as pool:
        print(f'main: {pool}')
        if METHOD == 'map':
            results = pool.map(task, range(TASKS))
        elif METHOD == 'map_async':
            results = pool.map_async(task, range(TASKS), callback=on_results).get()
        elif METHOD == 'starmap':
            results = pool.starmap(task, [(n, 2) for n in range(TASKS)])
        elif METHOD == 'starmap_async':
            results = pool.starmap_async(task, [(n, 2) for n in range(TASKS)], callback=on_results).get()
        elif METHOD == 'apply_async':
            pending = [pool.apply_async(task, (n,), callback=on_result) for n in range(TASKS)]
            results = [r.get() for r in pending]
        elif METHOD == 'imap':
            results = list(pool.imap(task, range(TASKS)))
        else:
            # results in the order they are ready, not in the order of the inputs
            # результаты в порядке готовности, а не в порядке входных данных
            results = list(pool.imap_unordered(task, range(TASKS)))
        print(f'main: {len(results)} results, the first: {results[:5]}')
        expected = [n ** 2 if RETURNS else None for n in range(TASKS)]
        print(f'main: results in input order: {results == expected}')
    # leaving "with" terminates the pool: its workers are stopped
    # выход из "with" завершает пул (terminate): его работники остановлены
    print(f'main: {pool}')
    try:
        pool.map(task, range(TASKS))
    except ValueError as e:
        print(f'main: ValueError: {e}')
