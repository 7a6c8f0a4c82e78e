import threading

lock = threading.{{kind}}()
owner_done = threading.Event()          # set by owner as it ends


def reacquire():
    name = threading.current_thread().name
    lock.acquire()
    print(f'{name}: acquired once')
    lock.acquire()                      # the same thread asks again
    print(f'{name}: acquired twice')
    lock.release()
    print(f'{name}: released once')
    lock.release()
    print(f'{name}: released twice')


def take():
    lock.acquire()
    print(f'{threading.current_thread().name}: acquired, ending without release()')
    owner_done.set()


def give_back():
    owner_done.wait()                   # until owner has the lock and ends
    print(f'{threading.current_thread().name}: release() of a lock that owner took')
    lock.release()
    print(f'{threading.current_thread().name}: released it')


def wait_for_it():
    owner_done.wait()
    print(f'{threading.current_thread().name}: waiting for the lock')
    lock.acquire()
    print(f'{threading.current_thread().name}: got it')


scenarios = {
    'reacquire': [('worker', reacquire)],
    'release_other': [('other', give_back), ('owner', take)],
    'never_release': [('waiter', wait_for_it), ('owner', take)],
}
# owner starts last, while the other thread already runs: a thread started after owner
# had ended could get owner's ident back, and an RLock knows its owner by ident only.
threads = [threading.Thread(target=target, name=name) for name, target in scenarios['{{scenario}}']]
for t in threads:
    t.start()
for t in threads:
    t.join()
print('finish')
