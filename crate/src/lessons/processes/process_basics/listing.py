import logging
import multiprocessing
import os
import time
from multiprocessing import Process, current_process, parent_process

PROCESSES = {{processes}}
ITERATIONS = {{iterations}}
# None: never terminate, every process does all its work
# None: не прерывать, каждый процесс доделывает всю работу
TERMINATE_AFTER = {{terminate_after}}
LOGGING = {{logging}}
STEP = 0.5

counter = 0


def work(iterations):
    global counter
    name = current_process().name
    for i in range(1, iterations + 1):
        counter += 1
        # flush: a terminated process never empties its output buffer
        # flush: прерванный процесс не успевает вытолкнуть буфер вывода
        print(f'{name}: step {i} of {iterations}, counter = {counter}', flush=True)
        time.sleep(STEP)


class Worker(Process):
    # run() is what the new process executes; Process.run() calls the target
    # run() выполняется в новом процессе; Process.run() вызывает target
    def run(self):
        print(f'{self.name}: run() in pid {os.getpid()}, parent pid {parent_process().pid}', flush=True)
        super().run()
        print(f'{self.name}: run() returns', flush=True)


if __name__ == '__main__':
    if LOGGING:
        multiprocessing.log_to_stderr(logging.INFO)
    print(f'main: {current_process().name}, pid {os.getpid()}')
    # each worker does one step more than the one before: they end one by one
    # каждый следующий делает на шаг больше: процессы заканчивают по очереди
    workers = [Worker(target=work, args=(ITERATIONS + n - 1,), name=f'worker-{n}')
               for n in range(1, PROCESSES + 1)]
    for p in workers:
        print(f'main: {p.name} created, pid {p.pid}, alive {p.is_alive()}')
        p.start()
        print(f'main: {p.name} started, pid {p.pid}, alive {p.is_alive()}, exitcode {p.exitcode}')
    if TERMINATE_AFTER is not None:
        time.sleep(TERMINATE_AFTER)
        for p in workers:
            if p.is_alive():
                p.terminate()
                print(f'main: terminate() {p.name}')
    for p in workers:
        p.join()
        print(f'main: {p.name} joined, alive {p.is_alive()}, exitcode {p.exitcode}')
    print(f'main: counter = {counter}')
