"""moto's server, with every request but SQS long polls served one at a time.

moto runs TransactWriteItems by snapshotting whole tables and restoring the
snapshot when a condition fails, and applies ADD as read-modify-write: under
concurrent requests it loses writes that real DynamoDB never loses. Serving
requests one at a time gives the local stack DynamoDB's atomicity back. SQS
ReceiveMessage long polls wait outside the lock, so idle pollers do not stall
everything else.

Usage: python scripts/moto_server.py [-H HOST] [-p PORT]
"""

import argparse
import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

LOCK = threading.Lock()


def serialized(app):
    def wsgi(environ, start_response):
        if environ.get("HTTP_X_AMZ_TARGET", "") == "AmazonSQS.ReceiveMessage":
            return app(environ, start_response)
        with LOCK:
            # Drain the body inside the lock: WSGI bodies may be lazy.
            return list(app(environ, start_response))

    return wsgi


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=4566)
    args = parser.parse_args()
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        args.host,
        args.port,
        serialized(app),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
