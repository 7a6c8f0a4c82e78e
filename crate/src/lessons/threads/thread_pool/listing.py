import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

MAX_WORKERS = {{max_workers}}
TASKS = {{tasks}}
TASK_S = {{task_s}}            # seconds per task on average (each takes 0.5x to 1.5x) / секунд на задачу в среднем (каждая от 0.5x до 1.5x)
start = time.monotonic()

def task(n):
    name = threading.current_thread().name
    print(f'{name}: task {n} started at {time.monotonic() - start:.2f}')
    time.sleep(TASK_S * random.uniform(0.5, 1.5))
    print(f'{name}: task {n} finished at {time.monotonic() - start:.2f}')
    return n * n

with ThreadPoolExecutor(max_workers=MAX_WORKERS) as executor:
    future = executor.submit(task, 0)
    print(f'main: task 0 submitted, done() = {future.done()}')
    print(f'main: task 0 -> {future.result()}, done() = {future.done()}')
    results = executor.map(task, range(1, TASKS))     # submits them all at once / отправляет все задачи сразу
    for n, square in zip(range(1, TASKS), results):   # waits for each in turn / ждёт каждую по очереди
        print(f'main: map gives task {n} -> {square}')
print('main: the pool is shut down')
