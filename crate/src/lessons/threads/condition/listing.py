# {{model}}: the same program on threads or on processes / одна программа на потоках или на процессах
import time
from {{model|threads=threading import Condition, Thread, current_thread|processes=multiprocessing import Condition, Process, Value, current_process}}
{{model|threads=from types import SimpleNamespace|processes=}}
CONSUMERS = {{consumers}}
MODE = '{{mode}}'              # 'notify' or 'notify_all' / 'notify' или 'notify_all'
PERIOD = {{period}}            # seconds between two items / секунд между двумя элементами


def consumer(cond, made, taken, start):
    name = {{model|threads=current_thread|processes=current_process}}().name
    with cond:
        # nothing for me: wait for a notification / мне ничего нет: ждём уведомления
        while taken.value == made.value:
            print(f'{name}: waiting')
            cond.wait()
            print(f'{name}: woken at {time.monotonic() - start:.2f}, items: {made.value - taken.value}')
        item = f'item-{taken.value}'           # the first in line / первый в очереди
        taken.value += 1
    print(f'{name}: took {item}')


if __name__ == '__main__':
    cond = Condition()
    # how many items were made and taken: guarded by cond, passed to each consumer
    # сколько элементов сделано и взято: под защитой cond, передаются каждому потребителю
    made = {{model|threads=SimpleNamespace(value=0)|processes=Value('i', 0, lock=False)}}
    taken = {{model|threads=SimpleNamespace(value=0)|processes=Value('i', 0, lock=False)}}
    start = time.monotonic()

    with cond:
        cond.notify()                          # nobody waits yet: this one is lost / никто ещё не ждёт: уведомление пропадёт
    print('main: notify() sent before anyone waits')

    consumers = [{{model|threads=Thread|processes=Process}}(target=consumer, args=(cond, made, taken, start), name=f'consumer-{i}')
                 for i in range(CONSUMERS)]
    for w in consumers:
        w.start()
    for i in range(CONSUMERS):
        time.sleep(PERIOD)
        with cond:
            made.value += 1
            print(f'main: item-{i} ready, {MODE}() at {time.monotonic() - start:.2f}')
            if MODE == 'notify':
                cond.notify()                  # wakes one waiting consumer / будит одного ждущего
            else:
                cond.notify_all()              # wakes every waiting consumer / будит всех ждущих
    for w in consumers:
        w.join()
    print('main: every consumer got its item')
