import queue
import time
from threading import Thread, current_thread

PRODUCERS = {{producers}}
CONSUMERS = {{consumers}}
MAXSIZE = {{maxsize}}          # 0: the queue never fills up / 0: очередь никогда не заполняется
ITEMS = {{items}}              # shared out among the producers / делятся между производителями
PRODUCE, CONSUME = {{produce_s}}, {{consume_s}}   # seconds per item / секунд на элемент
SHOW = ITEMS <= 200            # print every item only in small runs / каждый элемент печатаем только в маленьких запусках

q = queue.Queue(maxsize=MAXSIZE)
consumed = []                  # list.append is atomic in CPython / list.append в CPython атомарен
start = time.monotonic()

def producer(p):
    name = current_thread().name
    for seq in range(len(range(p, ITEMS, PRODUCERS))):
        if PRODUCE:
            time.sleep(PRODUCE)
        item = f'p{p}-{seq}'
        q.put(item)                            # blocks while the queue is full / ждёт, пока очередь полна
        if SHOW:
            print(f'{name}: put {item}, size {q.qsize()}')
    print(f'{name}: done')

def consumer():
    name = current_thread().name
    count = 0
    while True:
        item = q.get()                         # blocks while the queue is empty / ждёт, пока очередь пуста
        if item is None:                       # the sentinel: time to stop / метка конца: пора остановиться
            q.task_done()
            break
        if CONSUME:
            time.sleep(CONSUME)
        consumed.append(item)
        count += 1
        if SHOW:
            print(f'{name}: got {item}')
        q.task_done()
    print(f'{name}: stopped after {count} items')

producers = [Thread(target=producer, args=(p,), name=f'producer-{p}') for p in range(PRODUCERS)]
consumers = [Thread(target=consumer, name=f'consumer-{c}') for c in range(CONSUMERS)]
for t in producers + consumers:
    t.start()
for t in producers:
    t.join()
q.join()                                       # until every item is task_done() / пока для каждого элемента не вызван task_done()
print(f'main: all items handled at {time.monotonic() - start:.2f}')
for _ in consumers:
    q.put(None)                                # one sentinel per consumer / по одной метке конца на потребителя
for t in consumers:
    t.join()
print(f'main: consumed {len(consumed)} of {ITEMS}, {len(set(consumed))} distinct')
