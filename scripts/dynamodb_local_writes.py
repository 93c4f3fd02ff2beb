"""What one write costs on the DynamoDB endpoint of the local stack, apart
from any import: milliseconds per item for conditional TransactWriteItems of
100 puts (how records are written) and for unconditional BatchWriteItem of
25, each from 1, 4 and 16 clients at once, and for BatchGetItem of 100.

DynamoDB Local runs a transaction under an exclusive lock on its table, so
transactional puts take the same time per item however many clients send
them; that time, times an import's rows, is the least the import can take.

    source scripts/env.sh && .venv/bin/python scripts/dynamodb_local_writes.py [ITEMS]

It makes a scratch table, fills it with items shaped like records, and
deletes it. The figures include this client's own time: boto3 building
each request is most of what one client waits for beyond what four do.
"""

import os
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import boto3

ITEMS = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
VALUES = {
    name: {"S": value}
    for name, value in {
        "email": "user35446@care.io",
        "first_name": "Chloe",
        "last_name": "Kowalski",
        "employee_id": "620800",
        "employee_status": "Terminated",
        "job_title": "Physician",
        "department": "Emergency",
        "hire_date": "1990-01-19",
        "phone": "+13527554901",
        "address_street": "829 Cedar Ln",
        "address_city": "Fairview",
        "address_state": "MI",
        "address_zip": "27080",
    }.items()
}

client = boto3.client(
    "dynamodb",
    endpoint_url=os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ["AWS_ENDPOINT_URL"],
)


def record(table_run: str, i: int) -> dict:
    """An item shaped like a stored record (`dic` writes 8 attributes)."""
    return {
        "pk": {"S": f"C#bench#employees#{table_run}-{i}@care.io"},
        "sk": {"S": "RECORD"},
        "company_id": {"S": "bench"},
        "entity": {"S": "employees"},
        "key": {"S": f"{table_run}-{i}@care.io"},
        "version": {"N": "1"},
        "created_by": {"M": {"import_id": {"S": "0" * 32}, "row": {"N": str(i)}}},
        "values": {"M": VALUES},
    }


def transactions(table: str, run: str, start: int) -> None:
    client.transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": table,
                    "Item": record(run, i),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for i in range(start, start + 100)
        ]
    )


def batch_writes(table: str, run: str, start: int) -> None:
    for first in range(start, start + 100, 25):
        client.batch_write_item(
            RequestItems={
                table: [{"PutRequest": {"Item": record(run, i)}} for i in range(first, first + 25)]
            }
        )


def batch_gets(table: str, run: str, start: int) -> None:
    keys = [
        {"pk": record(run, i)["pk"], "sk": {"S": "RECORD"}} for i in range(start, start + 100)
    ]
    client.batch_get_item(RequestItems={table: {"Keys": keys}})


def measure(table: str, label: str, write, clients: int, run: str) -> None:
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(lambda start: write(table, run, start), range(0, ITEMS, 100)))
    seconds = time.perf_counter() - started
    print(f"{label:34} {clients:2} clients: {ITEMS} items in {seconds:6.2f} s, "
          f"{1000 * seconds / ITEMS:.3f} ms per item")


def main() -> None:
    table = f"bench-writes-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=table,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        # A first pass warms the JVM up, so that the figures below are not
        # its compiler's.
        measure(table, "warm-up: TransactWriteItems of 100", transactions, 4, "warm")
        for clients in (1, 4, 16):
            measure(table, "TransactWriteItems of 100", transactions, clients, f"tx{clients}")
        for clients in (1, 4, 16):
            measure(table, "BatchWriteItem of 25", batch_writes, clients, f"bw{clients}")
        measure(table, "BatchGetItem of 100", batch_gets, 4, "tx4")
    finally:
        client.delete_table(TableName=table)


if __name__ == "__main__":
    main()
