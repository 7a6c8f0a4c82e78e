# {{model}}: the same program on threads or on processes / одна программа на потоках или на процессах
import {{model|threads=threading|processes=multiprocessing}}
from {{model|threads=threading import Thread, current_thread|processes=multiprocessing import Process, current_process}}

# Each worker gets the lock and the event as arguments: a process has no other way
# to share them (under spawn a child imports this module afresh).
# Каждый исполнитель получает замок и событие аргументами: у процесса другого пути
# нет (при spawn потомок заново импортирует этот модуль).


def reacquire(lock, owner_done):
    name = {{model|threads=current_thread|processes=current_process}}().name
    lock.acquire()
    print(f'{name}: acquired once')
    lock.acquire()                      # the same worker asks again / тот же исполнитель просит ещё раз
    print(f'{name}: acquired twice')
    lock.release()
    print(f'{name}: released once')
    lock.release()
    print(f'{name}: released twice')


def take(lock, owner_done):
    name = {{model|threads=current_thread|processes=current_process}}().name
    lock.acquire()
    print(f'{name}: acquired, ending without release()')
    owner_done.set()


def give_back(lock, owner_done):
    name = {{model|threads=current_thread|processes=current_process}}().name
    owner_done.wait()                   # until owner has the lock and ends / пока owner не возьмёт замок и не закончит
    print(f'{name}: release() of a lock that owner took')
    lock.release()
    print(f'{name}: released it')


def wait_for_it(lock, owner_done):
    name = {{model|threads=current_thread|processes=current_process}}().name
    owner_done.wait()
    print(f'{name}: waiting for the lock')
    lock.acquire()
    print(f'{name}: got it')


scenarios = {
    'reacquire': [('worker', reacquire)],
    'release_other': [('other', give_back), ('owner', take)],
    'never_release': [('waiter', wait_for_it), ('owner', take)],
}

if __name__ == '__main__':
    lock = {{model|threads=threading|processes=multiprocessing}}.{{kind}}()
    owner_done = {{model|threads=threading|processes=multiprocessing}}.Event()   # set by owner as it ends / owner ставит его, заканчивая
    # owner starts last, while the other worker already runs: a thread started after owner
    # had ended could get owner's ident back, and an RLock knows its owner by ident only.
    # owner стартует последним, когда другой уже работает: поток, начатый после конца owner,
    # мог бы получить его ident, а RLock узнаёт хозяина только по ident.
    workers = [{{model|threads=Thread|processes=Process}}(target=target, args=(lock, owner_done), name=name)
               for name, target in scenarios['{{scenario}}']]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print('finish')
