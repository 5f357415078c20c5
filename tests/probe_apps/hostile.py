"""Hostile HTTP servers for the probe's robustness tests. Usage: hostile.py MODE

silent     accepts connections and never answers
endless    answers 200 and streams a body that never ends
redirect   answers every request with a redirect to itself (a loop)
malformed  answers bytes that are not HTTP
envelope   answers 200 {"retcode": 1, "message": "invalid token"} to everything but the spec

Prints "listening on 127.0.0.1:PORT" on stderr once ready.
"""

import asyncio
import json
import os
import sys

MODE = sys.argv[1]
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "hostile_spec.json"), "rb") as f:
    SPEC = f.read()


async def read_head(reader):
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    except Exception:
        return None
    first = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
    return first[1] if len(first) > 1 else "/"


async def handle(reader, writer):
    try:
        while True:
            path = await read_head(reader)
            if path is None:
                break
            if MODE == "silent":
                await asyncio.sleep(3600)
            elif MODE == "endless":
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n")
                chunk = b"A" * 65536
                frame = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
                while True:
                    writer.write(frame)
                    await writer.drain()
            elif MODE == "redirect":
                writer.write(
                    b"HTTP/1.1 302 Found\r\nLocation: " + path.encode() + b"\r\nContent-Length: 0\r\n\r\n"
                )
                await writer.drain()
            elif MODE == "malformed":
                writer.write(b"HELLO THERE \x00\x01\x02 this is not http\r\n\r\n")
                await writer.drain()
                break
            elif MODE == "envelope":
                body = SPEC if path == "/openapi.json" else json.dumps(
                    {"retcode": 1, "message": "invalid token", "data": None}
                ).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
                    + body
                )
                await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on 127.0.0.1:{port}", file=sys.stderr, flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
