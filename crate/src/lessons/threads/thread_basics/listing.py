import threading
import time


def download(filename):
    name = threading.current_thread().name
    print(f'[{name}] downloading {filename}')
    time.sleep({{worker_sleep}})
    print(f'[{name}] {filename} is done')


thr = threading.Thread(target=download, args=('data.csv',), name='thr-1')
thr.start()

for i in range({{iterations}}):
    print(f'main: step {i}')
    time.sleep(0.5)
    if i % {{report_every}} == 0:
        print(f'active_count: {threading.active_count()}')
        print(f'enumerate: {threading.enumerate()}')
        print(f'thr-1 is alive: {thr.is_alive()}')
        print(f'main thread: {threading.main_thread().name}')
