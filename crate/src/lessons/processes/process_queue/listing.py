from multiprocessing import Process, Queue, current_process

PRODUCERS = {{producers}}
CONSUMERS = {{consumers}}
# shared out among the producers
# делятся между производителями
ITEMS = {{items}}
SHOW = ITEMS <= 20


def producer(p, tasks):
    name = current_process().name
    count = len(range(p, ITEMS, PRODUCERS))
    for seq in range(count):
        item = f'p{p}-{seq}'
        tasks.put(item)
        if seq == 0:
            # the item may still be on its way into the pipe: empty() is only a hint
            # элемент может быть ещё на пути в канал: empty() лишь подсказка
            print(f'{name}: put {item}, then empty() = {tasks.empty()}', flush=True)
        elif SHOW:
            print(f'{name}: put {item}', flush=True)
    print(f'{name}: done, {count} items', flush=True)


def consumer(tasks, results):
    name = current_process().name
    got = []
    # get() until the sentinel None
    # get() до метки None
    for item in iter(tasks.get, None):
        got.append(item)
        if SHOW:
            print(f'{name}: got {item}', flush=True)
    results.put(got)
    print(f'{name}: stopped after {len(got)} items', flush=True)


def in_order(batch, p):
    seqs = [int(item.split('-')[1]) for item in batch if item.startswith(f'p{p}-')]
    return seqs == sorted(seqs)


if __name__ == '__main__':
    tasks, results = Queue(), Queue()
    consumers = [Process(target=consumer, args=(tasks, results), name=f'consumer-{c}')
                 for c in range(CONSUMERS)]
    producers = [Process(target=producer, args=(p, tasks), name=f'producer-{p}')
                 for p in range(PRODUCERS)]
    for proc in consumers + producers:
        proc.start()
    for proc in producers:
        proc.join()
    # one sentinel per consumer, after every item
    # по одной метке на потребителя, после всех элементов
    for _ in consumers:
        tasks.put(None)
    # take the results before join(): a process ends only once its queue data is sent
    # результаты забрать до join(): процесс завершается, только отправив данные очереди
    batches = [results.get() for _ in consumers]
    for proc in consumers:
        proc.join()
    received = [item for batch in batches for item in batch]
    print(f'main: received {len(received)} of {ITEMS}, distinct {len(set(received))}')
    ordered = all(in_order(batch, p) for batch in batches for p in range(PRODUCERS))
    print(f"main: each producer's items in order in every batch: {ordered}")
