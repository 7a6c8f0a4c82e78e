import asyncio
import time

DELAY = {{delay}}    # when the producer sets the result, s / когда producer установит результат, с
start = time.monotonic()


def stamp():
    return f'{time.monotonic() - start:.2f}'


async def producer(fut):
    await asyncio.sleep(DELAY)
    print(f'{stamp()} producer: set_result(42)')
    fut.set_result(42)               # wakes whoever awaits fut, on the next loop iteration / будит того, кто ждёт fut, на следующей итерации цикла
    print(f'{stamp()} producer: done() = {fut.done()}, going on')
    await asyncio.sleep(0)
    print(f'{stamp()} producer: finished')


async def main():
    fut = asyncio.get_running_loop().create_future()
    print(f'{stamp()} main: a new future, done() = {fut.done()}')
    task = asyncio.create_task(producer(fut), name='producer')
    value = await fut                # waits until someone sets the result / ждёт, пока кто-то установит результат
    print(f'{stamp()} main: await fut gave {value}, done() = {fut.done()}')
    await task                       # a task is a future too: await waits for its end / задача — тоже future: await ждёт её конца
    print(f'{stamp()} main: the task is done() = {task.done()}, its result() = {task.result()}')


asyncio.run(main())
