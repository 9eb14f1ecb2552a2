"""Load-generator clients spread evenly over a server's worker processes.

``uvicorn --workers N`` (``ctpo serve``, the bare server) shares one listening socket between its processes, and
whichever process is awake first accepts the next connection. A benchmark's clients keep their connections, so the
split made while they connect holds for the whole run, and it is uneven and different every time: 32 clients split
14/18 in one start of the bare server and 5/27 in another, which filed at 780/s and 594/s. The busier process is
then the bottleneck, and a ratio between two servers measured what the kernel dealt each, not what the code costs.

:class:`SpreadClients` reconnects clients until each process holds as many as the others, give or take one. Which
process holds a connection is read from the operating system (``psutil``): the servers are left as they are.
:func:`drive` is the benchmarks' one timed request loop.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

import psutil

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    import httpx

MAX_RECONNECTS: Final = 1000
"""Reconnections before giving up: each lands on a process at random, so an even split takes tens."""


def _client_port(response: httpx.Response) -> int:
    """The local port of the connection ``response`` came over (it is still open: the servers keep connections)."""
    stream = response.extensions["network_stream"]
    return int(stream.get_extra_info("client_addr")[1])


def _holders(server_port: int) -> dict[int, int]:
    """For each client port connected to ``server_port`` on this machine: the pid of the server process holding it."""
    holders = {}
    for conn in psutil.net_connections(kind="tcp"):
        local, remote = conn.laddr, conn.raddr
        if conn.pid is None or conn.status != psutil.CONN_ESTABLISHED or not local or not remote:
            continue
        if isinstance(local, tuple) and local[1] == server_port:  # psutil's addr: (ip, port)
            holders[int(remote[1])] = conn.pid
    return holders


def _even(load: Counter[int | None], processes: int, count: int) -> bool:
    """Every client's connection found, every process holding some, none holding more than one above another."""
    return None not in load and len(load) == min(processes, count) and max(load.values()) - min(load.values()) <= 1


@dataclass
class SpreadClients:
    """Clients of one server, split evenly over its ``processes`` worker processes, kept so between timed rounds.

    ``make`` makes a client of the server; ``probe`` sends one request on a client (any answer will do: it opens the
    connection). Clients on the busiest process are closed and replaced until the split is even.
    """

    make: Callable[[], httpx.AsyncClient]
    probe: Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]
    processes: int
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    async def connect(self, count: int) -> None:
        """Make ``count`` clients and spread them (see :meth:`respread`)."""
        self.clients = [self.make() for _ in range(count)]
        await self.respread()

    async def respread(self) -> None:
        """Spread the clients (again), untimed: reconnected evenly if a server closed their connections.

        A server closes a connection idle for longer than its keep-alive (uvicorn: 5 s), as while the other server's
        round runs; ``httpx`` would reconnect it inside the timed round, to whichever process accepts first.

        Raises:
            RuntimeError: the split stayed uneven after :data:`MAX_RECONNECTS` reconnections (the clients are closed,
                as on any other error).
        """
        try:
            await self._reconnect_until_even()
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Close the clients and their connections."""
        for client in self.clients:
            await client.aclose()

    async def _reconnect_until_even(self) -> None:
        clients = self.clients
        server_port = clients[0].base_url.port
        assert server_port is not None  # the benchmarks' servers listen on a given port
        ports = [_client_port(await self.probe(client)) for client in clients]
        for _ in range(MAX_RECONNECTS):
            holders = _holders(server_port)
            by_client = [holders.get(port) for port in ports]
            load = Counter(by_client)
            if _even(load, self.processes, len(clients)):
                return
            busiest = None if None in load else load.most_common(1)[0][0]  # an unfound connection first
            i = by_client.index(busiest)
            await clients[i].aclose()
            clients[i] = self.make()
            ports[i] = _client_port(await self.probe(clients[i]))
        raise RuntimeError(f"{len(clients)} clients did not spread evenly over {self.processes} processes")


async def drive(
    clients: list[httpx.AsyncClient], n: int, request: Callable[[httpx.AsyncClient, int], Awaitable[str | None]]
) -> tuple[float, list[float], list[str]]:
    """Send ``n`` requests from the ``clients`` at once, each sending its next as soon as its last was answered.

    ``request`` sends request ``i`` and returns what went wrong, or None. Returns the wall time, each request's
    latency, and the failures.
    """
    jobs: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        jobs.put_nowait(i)
    latencies: list[float] = []
    failures: list[str] = []

    async def client(http: httpx.AsyncClient) -> None:
        while True:
            try:
                i = jobs.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.perf_counter()
            failure = await request(http, i)
            latencies.append(time.perf_counter() - started)
            if failure is not None:
                failures.append(failure)

    started = time.perf_counter()
    await asyncio.gather(*(client(http) for http in clients))
    return time.perf_counter() - started, latencies, failures
