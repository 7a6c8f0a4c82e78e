import threading
import time


def get_data(data):
    for i in range({{iterations}}):
        print(f'[{threading.current_thread().name}] - {data} {i + 1}')
        time.sleep(1)
    print(f'[{threading.current_thread().name}] - done')


thr = threading.Thread(target=get_data, args=('tick',), daemon={{daemon}})
thr.start()

time.sleep({{main_work}})    # the main thread's own work / собственная работа главного потока
print('finish')
