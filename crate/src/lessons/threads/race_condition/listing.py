import threading
import time


class BankAccount:
    def __init__(self):
        self.balance = 0
        self.lock = threading.Lock()

    def deposit(self, amount):
        if {{lock}}:
            with self.lock:            # one thread at a time from read to write / от чтения до записи — только один поток
                self._add(amount)
        else:
            self._add(amount)

    def _add(self, amount):
        current = self.balance              # 1. read / 1. чтение
        time.sleep({{gap_ms}} / 1000)       # 2. the gap: others may read the same value / 2. зазор: другие могут прочитать то же значение
        self.balance = current + amount     # 3. write back / 3. запись


def client(account, times):
    for _ in range(times):
        account.deposit(1)


account = BankAccount()
start = time.monotonic()
threads = [threading.Thread(target=client, args=(account, {{deposits}}))
           for _ in range({{threads}})]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.monotonic() - start

expected = {{threads}} * {{deposits}}
print(f'expected: {expected}')
print(f'balance:  {account.balance}')
print(f'lost:     {expected - account.balance}')
print(f'time:     {elapsed:.2f} s')
