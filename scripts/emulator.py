"""The local AWS emulator: moto, serving one request at a time.

moto's threaded server can fail concurrent DynamoDB transactions with a 500
(its backends are not thread-safe). Serving requests one by one keeps the
emulator's answers those of DynamoDB, including for tests that race writes.

It also counts the AWS operations it serves, so tests and benchmarks can show
how many round trips a request costs: GET /_calls returns the counts since the
last POST /_calls/reset.
Usage: emulator.py PORT
"""

import json
import os
import signal
import sys
from collections import Counter

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple


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

    def __call__(self, environ, start_response):
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


def main() -> None:
    port = int(sys.argv[1])
    os.environ.setdefault("MOTO_PORT", str(port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = Counting(DomainDispatcherApplication(create_backend_app))
    run_simple("127.0.0.1", port, app, threaded=False, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
