"""The local AWS emulator: moto, serving one request at a time.

moto's threaded server can fail concurrent DynamoDB transactions with a 500
(its backends are not thread-safe). Serving requests one by one keeps the
emulator's answers those of DynamoDB, including for tests that race writes.
Usage: emulator.py PORT
"""

import os
import signal
import sys

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple


def main() -> None:
    port = int(sys.argv[1])
    os.environ.setdefault("MOTO_PORT", str(port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple("127.0.0.1", port, app, threaded=False, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
