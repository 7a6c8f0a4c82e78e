import threading

lock = threading.{{kind}}()


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


def give_back():
    print(f'{threading.current_thread().name}: release() of a lock that owner took')
    lock.release()
    print(f'{threading.current_thread().name}: released it')


def wait_for_it():
    print(f'{threading.current_thread().name}: waiting for the lock')
    lock.acquire()
    print(f'{threading.current_thread().name}: got it')


scenarios = {
    'reacquire': [('worker', reacquire)],
    'release_other': [('owner', take), ('other', give_back)],
    'never_release': [('owner', take), ('waiter', wait_for_it)],
}
for name, target in scenarios['{{scenario}}']:
    t = threading.Thread(target=target, name=name)
    t.start()
    t.join()
print('finish')
