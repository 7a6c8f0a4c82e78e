import threading
import time


def hello():
    print('hello: the timer fired')
    for i in range(3):
        time.sleep(1)
        print(f'hello: working {i + 1}/3')
    print('hello: done')


timer = threading.Timer({{interval}}, hello)
timer.daemon = {{daemon}}
timer.start()
print('main: timer started')

cancel_after = {{cancel_after}}     # None: never cancel / None: не отменять
if cancel_after is not None:
    time.sleep(cancel_after)
    timer.cancel()
    print(f'main: cancel() after {cancel_after} s')

for i in range(3):
    time.sleep(1)
    print(f'main: working {i + 1}/3')
print('main: finish')
