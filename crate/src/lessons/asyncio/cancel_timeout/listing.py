import asyncio
import time

JOB_TIME = {{job_time}}          # seconds each job needs / сколько секунд нужно каждой работе
TIMEOUT = {{timeout}}            # how long main waits for job-1, s / сколько main ждёт job-1, с
SHIELD = {{shield}}              # shield job-1 from wait_for's cancel / защитить job-1 от отмены в wait_for
CANCEL_AFTER = {{cancel_after}}  # None: nobody cancels job-2 / None: job-2 никто не отменяет
start = time.monotonic()


def stamp():
    return f'{time.monotonic() - start:.2f}'


async def job(name):
    print(f'{stamp()} {name}: started, needs {JOB_TIME:.2f} s')
    try:
        await asyncio.sleep(JOB_TIME)
    except asyncio.CancelledError:
        print(f'{stamp()} {name}: cancelled at its await')
        raise                    # let it end cancelled / пусть задача закончится отменённой
    print(f'{stamp()} {name}: finished')
    return name


async def main():
    first = asyncio.create_task(job('job-1'))
    waited = asyncio.shield(first) if SHIELD else first
    try:
        result = await asyncio.wait_for(waited, timeout=TIMEOUT)
        print(f'{stamp()} main: wait_for returned {result}')
    except TimeoutError:
        print(f'{stamp()} main: TimeoutError, job-1 cancelled() = {first.cancelled()}')

    second = asyncio.create_task(job('job-2'))
    if CANCEL_AFTER is not None:
        await asyncio.sleep(CANCEL_AFTER)
        print(f'{stamp()} main: job-2.cancel() returned {second.cancel()}')
    try:
        await second
    except asyncio.CancelledError:
        print(f'{stamp()} main: job-2 ended with CancelledError, cancelled() = {second.cancelled()}')
    if not first.done():
        await first              # shielded, it kept running / под защитой она продолжала работать
    print(f'{stamp()} main: job-1 {"was cancelled" if first.cancelled() else "finished"}')


asyncio.run(main())
