"""Sends and consumes SQS messages from many threads at once and reports
messages lost, delivered more than once, or left in the queue after their
delete: what decides whether an SQS emulator may serve requests concurrently.

Usage: .venv/bin/python scripts/sqs_race.py http://127.0.0.1:PORT
"""
import sys, threading, time, uuid, collections
import boto3
from botocore.config import Config

url = sys.argv[1]
senders, receivers, per_sender = 4, 6, 250
cfg = Config(max_pool_connections=50, retries={"max_attempts": 1})
def client():
    return boto3.client("sqs", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test", config=cfg)
q = client().create_queue(QueueName="race-" + uuid.uuid4().hex[:8],
                          Attributes={"VisibilityTimeout": "300"})["QueueUrl"]
seen = collections.Counter()
lock = threading.Lock()
done_sending = threading.Event()
def send(i):
    c = client()
    for b in range(per_sender // 10):
        c.send_message_batch(QueueUrl=q, Entries=[
            {"Id": str(k), "MessageBody": f"{i}-{b}-{k}"} for k in range(10)])
def receive():
    c = client(); idle = 0
    while True:
        out = c.receive_message(QueueUrl=q, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        msgs = out.get("Messages", [])
        if not msgs:
            idle += 1
            if done_sending.is_set() and idle >= 3:
                return
            continue
        idle = 0
        for m in msgs:
            with lock:
                seen[m["Body"]] += 1
            c.delete_message(QueueUrl=q, ReceiptHandle=m["ReceiptHandle"])
t0 = time.time()
ts = [threading.Thread(target=send, args=(i,)) for i in range(senders)]
rs = [threading.Thread(target=receive) for _ in range(receivers)]
for t in ts + rs: t.start()
for t in ts: t.join()
done_sending.set()
for t in rs: t.join()
sent = senders * per_sender
lost = sent - len(seen)
twice = sum(1 for v in seen.values() if v > 1)
left = client().get_queue_attributes(QueueUrl=q, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
print(f"sent {sent}, received {len(seen)} distinct, lost {lost}, delivered more than once {twice}, still in queue {left}, {time.time()-t0:.1f}s")
