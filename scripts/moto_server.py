"""moto's server for S3 and SQS, each backend's requests served one at a time.

On the local stack moto serves S3 and SQS only; DynamoDB Local serves
DynamoDB. moto's SQS is not safe under concurrent requests: DeleteMessage
rebuilds a queue's message list and assigns it back, so a message that
SendMessage appends in between can be lost and a message deleted in between
comes back, and two ReceiveMessage calls can hand out the same message.
Against plain `moto_server`, scripts/sqs_race.py saw messages delivered
twice and a deleted message left in the queue (README, Local stack). S3
shares SQS's lock because a new object's notification is an SQS send made
inside the S3 request.

So requests run one at a time per backend: S3 and SQS under one lock, and
DynamoDB, should a client still send it here, under another (moto's
TransactWriteItems snapshots and restores whole tables and its ADD is
read-modify-write, so concurrent DynamoDB requests lose writes). The
backends do not wait for each other.

An SQS long poll (ReceiveMessage with WaitTimeSeconds) must not hold the
lock while it waits, so it is served as short polls under the lock, retried
whenever another request has changed something, until a message comes or
the wait is over, as SQS answers a long poll.

Usage: python scripts/moto_server.py [-H HOST] [-p PORT]
"""

import argparse
import io
import json
import threading
import time

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

S3_SQS = threading.Lock()
DYNAMODB = threading.Lock()
# Notified after every request served under S3_SQS: a waiting long poll
# looks again.
CHANGED = threading.Condition()


def lock_for(environ):
    if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
        return DYNAMODB
    return S3_SQS


def call(app, environ, body=None):
    """Runs the app and returns (status, headers, body bytes)."""
    if body is not None:
        environ = dict(environ)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, headers
        return lambda data: None

    # Drain the body while the lock is held: WSGI bodies may be lazy.
    chunks = list(app(environ, start_response))
    return answer["status"], answer["headers"], b"".join(chunks)


def long_poll(environ):
    """The request body and wait, when this is a JSON ReceiveMessage that waits."""
    if environ.get("HTTP_X_AMZ_TARGET", "") != "AmazonSQS.ReceiveMessage":
        return None
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    try:
        request = json.loads(body or b"{}")
        wait = float(request.get("WaitTimeSeconds") or 0)
    except (ValueError, TypeError, AttributeError):
        return None
    if wait <= 0:
        return None
    request["WaitTimeSeconds"] = 0
    return json.dumps(request).encode(), wait


def has_messages(body):
    try:
        return bool(json.loads(body or b"{}").get("Messages"))
    except (ValueError, AttributeError):
        return True


def per_backend(app):
    def wsgi(environ, start_response):
        poll = long_poll(environ)
        lock = lock_for(environ)
        if poll is None:
            with lock:
                status, headers, body = call(app, environ)
        else:
            short, wait = poll
            deadline = time.monotonic() + wait
            while True:
                with CHANGED:
                    with lock:
                        status, headers, body = call(app, environ, short)
                    left = deadline - time.monotonic()
                    if has_messages(body) or left <= 0 or not status.startswith("200"):
                        break
                    # Another request may have sent a message or made one
                    # visible again; a message's visibility timeout runs
                    # out on its own, so look again at least every 100 ms.
                    CHANGED.wait(min(left, 0.1))
        if lock is S3_SQS:
            with CHANGED:
                CHANGED.notify_all()
        start_response(status, headers)
        return [body]

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
        per_backend(app),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
