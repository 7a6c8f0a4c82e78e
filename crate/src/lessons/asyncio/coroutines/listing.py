import asyncio
import time

DELAYS = ({{delay_1}}, {{delay_2}}, {{delay_3}})   # seconds each step waits / секунды, которые ждёт каждый шаг
start = time.monotonic()


def stamp():
    return f'{time.monotonic() - start:.2f}'


async def step(name, delay):
    print(f'{stamp()} {name}: started, waits {delay:.2f} s')
    await asyncio.sleep(delay)
    print(f'{stamp()} {name}: done')
    return delay


async def main():
    coro = step('step-1', DELAYS[0])   # a call of an async def runs none of its code / вызов async def не выполняет ни строки его кода
    print(f'{stamp()} main: step() returned a {type(coro).__name__} object')
    total = await coro                 # only await runs it, and waits for its end / только await запускает его и ждёт конца
    for i, delay in enumerate(DELAYS[1:], 2):
        total += await step(f'step-{i}', delay)   # one after another / один за другим
    print(f'{stamp()} main: {len(DELAYS)} steps, {total:.2f} s of waits in all')


asyncio.run(main())
print(f'{stamp()} finish')
