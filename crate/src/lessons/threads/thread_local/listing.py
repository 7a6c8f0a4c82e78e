import threading
import time

data = threading.local()


def show():
    print(f'{threading.current_thread().name}: data.value = {data.value}')


def worker(n):
    for i in range({{values}}):
        data.value = n * 100 + i
        time.sleep(0.5)         # meanwhile the other threads set data.value too / тем временем другие потоки тоже задают data.value
        show()


threads = [threading.Thread(target=worker, args=(n,), name=f't{n}')
           for n in range(1, {{threads}} + 1)]
for t in threads:
    t.start()
for t in threads:
    t.join()

if {{main_reads}}:
    show()                      # MainThread never set data.value / MainThread так и не задал data.value
