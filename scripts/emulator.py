"""The local AWS emulator: moto, serving one request at a time.

moto's backends are not thread-safe: run concurrently, DynamoDB transactions
can fail with a 500. Requests are therefore handled one by one, under a lock,
while each client keeps its connection open between requests, as it would with
AWS: a client pays one TCP connection, not one per call.

It also counts the AWS operations it serves, so tests and benchmarks can show
how many round trips a request costs: GET /_calls returns the counts since the
last POST /_calls/reset.

With a TLS port, certificate and key, it also serves HTTPS there (as AWS endpoints
do), by relaying each connection to PORT: the benchmarks use it, so that a function's
cold start includes its TLS handshakes.
Usage: emulator.py PORT [TLS_PORT CERT_FILE KEY_FILE]
"""

import asyncio
import json
import os
import signal
import ssl
import sys
import threading
from collections import Counter

import waitress
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    create_backend_app,
)


def operation(environ) -> str:
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        service, _, name = target.partition(".")
        service = "dynamodb" if service.startswith("DynamoDB") else service
        return f"{service}:{name}"
    path = environ.get("PATH_INFO", "")
    if path.startswith("/v2/email/outbound-emails"):
        return "sesv2:SendEmail"
    if path.startswith("/v2/email/identities"):
        return "sesv2:EmailIdentity"
    return ""


class Counting:
    def __init__(self, app):
        self.app = app
        self.calls = Counter()
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            # moto answers with lists: the whole body is built inside the lock.
            return self.serve(environ, start_response)

    def serve(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/_calls":
            body = json.dumps(self.calls).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        if path == "/_calls/reset":
            self.calls.clear()
            start_response("204 No Content", [])
            return [b""]
        name = operation(environ)
        if name:
            self.calls[name] += 1
        return self.app(environ, start_response)


async def relay(reader, writer) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


def serve_tls(tls_port: int, port: int, cert: str, key: str) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async def connection(client_reader, client_writer):
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(relay(client_reader, writer), relay(reader, client_writer))

    async def run():
        server = await asyncio.start_server(connection, "127.0.0.1", tls_port, ssl=context)
        async with server:
            await server.serve_forever()

    asyncio.run(run())


def main() -> None:
    port = int(sys.argv[1])
    os.environ.setdefault("MOTO_PORT", str(port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if len(sys.argv) == 5:
        tls_port, cert, key = int(sys.argv[2]), sys.argv[3], sys.argv[4]
        threading.Thread(target=serve_tls, args=(tls_port, port, cert, key), daemon=True).start()
    app = Counting(DomainDispatcherApplication(create_backend_app))
    # waitress keeps connections open between requests (werkzeug's server closes
    # every one); its threads wait on the lock above, so requests still run one by one.
    waitress.serve(app, host="127.0.0.1", port=port, threads=8, _quiet=True)


if __name__ == "__main__":
    main()
