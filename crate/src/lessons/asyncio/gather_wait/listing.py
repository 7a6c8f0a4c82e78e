import asyncio
import random
import time

REQUESTS = {{requests}}
LATENCY = ({{latency_min}}, {{latency_max}})   # a request takes a random time in this range, s / запрос длится случайное время из этого диапазона, с
FAILURE_RATE = {{failure_rate}}                # the share of requests that fail / доля запросов, которые падают
API = '{{api}}'                                # how main waits: gather, as_completed, wait_first, wait_exception, wait_all / как main ждёт запросы: gather, as_completed, wait_first, wait_exception, wait_all
TIMEOUT = {{timeout}}                          # None: no limit (as_completed and wait take a timeout) / None: без предела (timeout есть у as_completed и wait)
SHOWN = 5
start = time.monotonic()


def stamp():
    return f'{time.monotonic() - start:.2f}'


async def request(n):
    await asyncio.sleep(random.uniform(*LATENCY))
    if random.random() < FAILURE_RATE:
        raise ConnectionError(f'request-{n} failed')
    return n


def show(outcomes):
    return ', '.join(str(o) if isinstance(o, int) else 'error' for o in outcomes[:SHOWN])


async def main():
    tasks = [asyncio.create_task(request(n), name=f'request-{n}') for n in range(REQUESTS)]
    if API == 'gather':
        results = await asyncio.gather(*tasks, return_exceptions=True)   # in the order of tasks / в порядке задач
        errors = sum(isinstance(r, Exception) for r in results)
        print(f'{stamp()} gather: {len(results)} results, {errors} errors')
        print(f'{stamp()} gather: the first ones: {show(results)}')
    elif API == 'as_completed':
        got = []
        try:
            for next_done in asyncio.as_completed(tasks, timeout=TIMEOUT):   # in the order they finish / в порядке завершения
                try:
                    got.append(await next_done)
                except ConnectionError as e:
                    got.append(e)
        except TimeoutError:
            print(f'{stamp()} as_completed: TimeoutError, {REQUESTS - len(got)} not finished')
        print(f'{stamp()} as_completed: {len(got)} results, the first ones: {show(got)}')
    else:
        rule = {'wait_first': asyncio.FIRST_COMPLETED, 'wait_exception': asyncio.FIRST_EXCEPTION,
                'wait_all': asyncio.ALL_COMPLETED}[API]
        done, pending = await asyncio.wait(tasks, timeout=TIMEOUT, return_when=rule)
        errors = sum(t.exception() is not None for t in done)   # wait() raises nothing itself / сам wait() ничего не выбрасывает
        print(f'{stamp()} wait({rule}): {len(done)} done ({errors} failed), {len(pending)} pending')
        for t in pending:
            t.cancel()


asyncio.run(main())
