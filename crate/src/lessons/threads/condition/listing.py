import time
from threading import Condition, Thread, current_thread

CONSUMERS = {{consumers}}
MODE = '{{mode}}'              # 'notify' or 'notify_all'
PERIOD = {{period}}            # seconds between two items

cond = Condition()
items = []
start = time.monotonic()

def consumer():
    name = current_thread().name
    with cond:
        while not items:                       # nothing for me: wait for a notification
            print(f'{name}: waiting')
            cond.wait()
            print(f'{name}: woken at {time.monotonic() - start:.2f}, items: {len(items)}')
        item = items.pop(0)
    print(f'{name}: took {item}')

with cond:
    cond.notify()                              # nobody waits yet: this one is lost
print('main: notify() sent before anyone waits')

consumers = [Thread(target=consumer, name=f'consumer-{i}') for i in range(CONSUMERS)]
for t in consumers:
    t.start()
for i in range(CONSUMERS):
    time.sleep(PERIOD)
    with cond:
        items.append(f'item-{i}')
        print(f'main: item-{i} ready, {MODE}() at {time.monotonic() - start:.2f}')
        if MODE == 'notify':
            cond.notify()                      # wakes one waiting consumer
        else:
            cond.notify_all()                  # wakes every waiting consumer
for t in consumers:
    t.join()
print('main: every consumer got its item')
