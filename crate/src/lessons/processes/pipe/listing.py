import time
from multiprocessing import Pipe, Process

MESSAGES = {{messages}}
DUPLEX = {{duplex}}
# the child closes its end after sending half of the messages
# дочерний процесс закрывает свой конец, отправив половину сообщений
CLOSE_EARLY = {{close_early}}
# seconds before each send
# секунд перед каждой отправкой
DELAY = {{delay_s}}
SHOW = MESSAGES <= 20


def child(conn):
    to_send = MESSAGES // 2 if CLOSE_EARLY else MESSAGES
    for i in range(1, to_send + 1):
        if DELAY:
            time.sleep(DELAY)
        conn.send(f'message {i}')
        if SHOW:
            print(f'child: sent message {i}', flush=True)
    if CLOSE_EARLY:
        if DELAY:
            time.sleep(DELAY)
        conn.close()
        print(f'child: closed its end after {to_send} of {MESSAGES}', flush=True)
        try:
            conn.send('one more')
        except OSError as e:
            print(f'child: send() on the closed end: OSError: {e}', flush=True)
    elif DUPLEX:
        print(f'child: got back {conn.recv()!r}', flush=True)


if __name__ == '__main__':
    # duplex off: the first end only receives, the second only sends
    # без duplex: первый конец только принимает, второй только отправляет
    mine, theirs = Pipe(duplex=DUPLEX)
    p = Process(target=child, args=(theirs,), name='child')
    p.start()
    # close our copy of the child's end, or recv() would never see EOF
    # закрыть свою копию конца потомка, иначе recv() не дождётся EOF
    theirs.close()
    start = time.monotonic()
    got = 0
    for _ in range(MESSAGES):
        ready = mine.poll()
        try:
            message = mine.recv()
        except EOFError:
            print(f'main: poll() = {ready}, recv(): EOFError, every write end is closed')
            break
        got += 1
        if SHOW:
            print(f'main: poll() = {ready}, recv() -> {message!r} at {time.monotonic() - start:.2f}')
    print(f'main: received {got} of {MESSAGES}')
    if not DUPLEX:
        try:
            mine.send('thanks')
        except OSError as e:
            print(f'main: send() on the receiving end: OSError: {e}')
    elif got == MESSAGES:
        mine.send(f'thanks for {got}')
    p.join()
    print(f'main: child exitcode {p.exitcode}')
