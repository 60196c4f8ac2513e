"""A TCP proxy on loopback that loses connections, run by the tests as a process of its
own (``python -m tests.lossy_proxy LISTEN_PORT UPSTREAM_PORT DROP SEED``): the crowded
cell network of an apel, for the idempotent submit.

Each connection, at random (seeded): with probability ``DROP / 2`` it is closed before
anything reaches the server (the request is lost); with probability ``DROP / 2`` the
request goes through, the server's whole answer is read and thrown away, and the client
is cut off (the response is lost — the server did the work); otherwise bytes flow both
ways. Prints ``ready`` when listening; on SIGTERM prints its counts as JSON and exits."""

import asyncio
import json
import random
import signal
import sys

PIPE_CHUNK = 65536


async def pipe(reader, writer):
    try:
        while data := await reader.read(PIPE_CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        if not writer.is_closing():
            writer.close()


class Proxy:
    def __init__(self, upstream_port, drop, seed):
        self.upstream_port = upstream_port
        self.drop = drop
        self.random = random.Random(seed)
        self.counts = {"connections": 0, "requests_lost": 0, "responses_lost": 0, "passed": 0}

    async def handle(self, client_reader, client_writer):
        self.counts["connections"] += 1
        chance = self.random.random()
        if chance < self.drop / 2:
            self.counts["requests_lost"] += 1
            client_writer.transport.abort()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_writer.transport.abort()
            return
        if chance < self.drop:
            self.counts["responses_lost"] += 1
            forward = asyncio.ensure_future(pipe(client_reader, upstream_writer))
            try:
                while await upstream_reader.read(PIPE_CHUNK):  # the server's answer, to nobody
                    pass
            except ConnectionError:
                pass
            forward.cancel()
            client_writer.transport.abort()
            upstream_writer.close()
            return
        self.counts["passed"] += 1
        await asyncio.gather(pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer))


async def main(listen_port, upstream_port, drop, seed):
    proxy = Proxy(upstream_port, drop, seed)
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", listen_port, backlog=512)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    async with server:
        await stop.wait()
    print(json.dumps(proxy.counts), flush=True)


if __name__ == "__main__":
    listen, upstream, drop, seed = sys.argv[1:5]
    asyncio.run(main(int(listen), int(upstream), float(drop), int(seed)))
