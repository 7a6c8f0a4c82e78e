import sys
import threading
import time
from multiprocessing import AuthenticationError, Process, current_process, set_start_method
from multiprocessing.managers import BaseManager

CLIENTS = {{clients}}
CALLS = {{calls}}
# how long the server works on each call, ms
# сколько миллисекунд сервер работает над каждым вызовом
DELAY_MS = {{delay_ms}}
# 'right': the clients know the server's key; 'wrong': they guess
# 'right': клиенты знают ключ сервера; 'wrong': угадывают
AUTHKEY = '{{authkey}}'
SECRET = b'parlab-secret'


class Service:
    def __init__(self):
        # one lock for the whole service: calls go through it one by one
        # один замок на весь сервис: вызовы проходят через него по одному
        self.lock = threading.Lock()

    def square(self, client, i):
        with self.lock:
            time.sleep(DELAY_MS / 1000)
            return i * i


service = Service()


def get_service():
    return service


class ServiceManager(BaseManager):
    pass


ServiceManager.register('get_service', callable=get_service)


def client(address, key):
    name = current_process().name
    m = ServiceManager(address=address, authkey=key)
    try:
        # the server and the client prove to each other that they know the key;
        # the key itself never crosses the connection
        # сервер и клиент доказывают друг другу, что знают ключ;
        # сам ключ по соединению не передаётся
        m.connect()
    except AuthenticationError as e:
        print(f'{name}: refused: AuthenticationError: {e}', flush=True)
        sys.exit(1)
    svc = m.get_service()
    start = time.perf_counter()
    total = sum(svc.square(name, i) for i in range(1, CALLS + 1))
    each = (time.perf_counter() - start) / CALLS * 1000
    print(f'{name}: {CALLS} calls, sum of squares {total}, {each:.2f} ms per call', flush=True)


if __name__ == '__main__':
    set_start_method('spawn')
    # port 0: the system picks a free port; m.address tells which
    # порт 0: система сама выберет свободный; m.address скажет какой
    m = ServiceManager(address=('127.0.0.1', 0), authkey=SECRET)
    m.start()
    key = SECRET if AUTHKEY == 'right' else b'a guess'
    clients = [Process(target=client, args=(m.address, key), name=f'client-{n}')
               for n in range(1, CLIENTS + 1)]
    for p in clients:
        p.start()
    for p in clients:
        p.join()
    print(f'main: client exit codes {[p.exitcode for p in clients]}')
    m.shutdown()
    print('main: server shut down')
