"""Rows 14-15 in CPython: a Manager dict assignment round trip; a remote manager call."""
import multiprocessing
from multiprocessing.managers import BaseManager

from common import emit, now, runs, sampled, size

N = size(5_000, 200)


def dict_assign_us(ctx):
    def sample():
        with ctx.Manager() as m:
            d = m.dict()
            d[0] = 0
            t0 = now()
            for i in range(N):
                d[0] = i
            return (now() - t0) * 1e6 / N

    return sample


def echo(x):
    return x


class Service:
    def echo(self, x):
        return x


service = Service()


def get_service():
    return service


class ServiceManager(BaseManager):
    pass


ServiceManager.register("get_service", callable=get_service)


def remote_call_us(ctx):
    def sample():
        server = ServiceManager(address=("127.0.0.1", 0), authkey=b"bench", ctx=ctx)
        server.start()
        client = ServiceManager(address=server.address, authkey=b"bench")
        client.connect()
        svc = client.get_service()
        svc.echo(0)
        t0 = now()
        for i in range(N):
            svc.echo(i)
        us = (now() - t0) * 1e6 / N
        server.shutdown()
        return us

    return sample


if __name__ == "__main__":
    fork = multiprocessing.get_context("fork")
    n = runs()
    emit({
        "mgr_dict": {"unit": "us", "samples": sampled(n, dict_assign_us(fork)),
                     "note": "Manager().dict(): d[0] = i from the parent (fork)"},
        "mgr_remote": {"unit": "us", "samples": sampled(n, remote_call_us(fork)),
                       "note": "BaseManager at ('127.0.0.1', 0): a client's call of a registered object's method"},
    })
