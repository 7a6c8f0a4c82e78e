import asyncio
import time

TASKS = {{tasks}}
DELAY = {{delay}}
SHOWN = 3         # only the first few workers print, so that many tasks do not flood the console / печатают только первые воркеры, чтобы много задач не залили консоль
start = time.monotonic()


def stamp():
    return f'{time.monotonic() - start:.2f}'


async def worker(n):
    if n < SHOWN:
        print(f'{stamp()} worker-{n}: started')
    await asyncio.sleep(DELAY)         # while it waits, the loop runs the others / пока задача ждёт, цикл выполняет остальные
    if n < SHOWN:
        print(f'{stamp()} worker-{n}: done')
    return n


async def main():
    tasks = [asyncio.create_task(worker(n), name=f'worker-{n}') for n in range(TASKS)]
    print(f'{stamp()} main: created {len(tasks)} tasks, done() = {tasks[0].done()}')
    total = 0
    for t in tasks:
        total += await t               # the first await lets every task start / первый же await даёт стартовать всем задачам
    print(f'{stamp()} main: {len(tasks)} results, their sum is {total}')
    print(f'{stamp()} main: one after another it would take {TASKS * DELAY:.2f} s')


asyncio.run(main())
