import threading
import time


def get_data(data, count):
    for _ in range(count):
        print(f'[{threading.current_thread().name}] - {data}')
        time.sleep(1)


threads = []
for i in range({{threads}}):
    thr = threading.Thread(target=get_data, args=(f'job {i}', {{iterations}}), name=f'thr-{i}')
    threads.append(thr)
    thr.start()          # returns at once: the thread runs on its own / возвращается сразу: поток работает сам

if {{join}}:
    for thr in threads:
        thr.join()       # blocks until this thread has finished / ждёт, пока этот поток не закончит

print('finish')
