"""Runs py-key-value calls for the interop tests and prints what they returned, as JSON.

Reads one JSON command on stdin:
    {"store": {"backend": "redis", "url": "redis://127.0.0.1:6390"},
     "fernet": {"source_material": "...", "salt": "..."},          (only for encrypted calls)
     "calls": [{"method": "put", "collection": "c", "key": "k", "value": {...}, "ttl": 60},
               {"method": "ttl_many", "collection": "c", "keys": ["k"], "encrypted": true}]}
and prints {"results": [...]}, one per call: {"error": "<exception>"} when the call raised, else
{"result": ...} with null for writes, the value for get, a list for get_many, [value, ttl] for
ttl and a list of those for ttl_many, what py-key-value returns for deletes. When the store
cannot be set up, the traceback goes to stderr and the exit status is 1. Settings per backend:
    redis          url
    mongodb        url, db_name (omitted: py-key-value's default database)
    elasticsearch  url, index_prefix
    dynamodb       endpoint_url, table_name
    postgresql     url, table_name (omitted: py-key-value's default table)
    s3             endpoint_url, bucket_name
"""

import asyncio
import json
import sys
import warnings
from typing import Any

WRITES = {"put", "put_many"}
ARGUMENTS = ("key", "keys", "value", "values", "collection", "ttl")
# The AWS settings of the local DynamoDB and S3 test servers, which accept any credentials.
LOCAL_AWS = {
    "region_name": "us-east-1",
    "aws_access_key_id": "test",
    "aws_secret_access_key": "test",
}


def open_store(settings: dict[str, Any]) -> Any:
    backend = settings["backend"]
    if backend == "redis":
        from key_value.aio.stores.redis import RedisStore

        return RedisStore(url=settings["url"])
    if backend == "mongodb":
        from key_value.aio.stores.mongodb import MongoDBStore

        return MongoDBStore(url=settings["url"], db_name=settings.get("db_name"))
    if backend == "elasticsearch":
        return elasticsearch_store(settings["url"], settings["index_prefix"])
    if backend == "dynamodb":
        from key_value.aio.stores.dynamodb import DynamoDBStore

        tolerate_missing_update_time_to_live()
        return DynamoDBStore(
            table_name=settings["table_name"], endpoint_url=settings["endpoint_url"], **LOCAL_AWS
        )
    if backend == "postgresql":
        from key_value.aio.stores.postgresql import PostgreSQLStore

        return PostgreSQLStore(url=settings["url"], table_name=settings.get("table_name"))
    if backend == "s3":
        from key_value.aio.stores.s3 import S3Store

        return S3Store(
            bucket_name=settings["bucket_name"], endpoint_url=settings["endpoint_url"], **LOCAL_AWS
        )
    raise ValueError(f"unknown backend {backend!r}")


def elasticsearch_store(url: str, index_prefix: str) -> Any:
    """The test node answers 405 to `GET /`, which the store's setup sends: accept that one refusal."""
    from elasticsearch import ApiError

    from key_value.aio.stores.elasticsearch import ElasticsearchStore

    class Store(ElasticsearchStore):
        async def _setup(self) -> None:
            try:
                await super()._setup()
            except ApiError as error:
                if error.meta.status != 405:
                    raise

    return Store(url=url, index_prefix=index_prefix)


def tolerate_missing_update_time_to_live() -> None:
    """dynalite has no UpdateTimeToLive, which the store's setup calls: accept that one refusal."""
    from botocore.exceptions import ClientError

    from key_value.aio.stores.dynamodb import store as dynamodb_store

    enable = dynamodb_store._enable_dynamodb_ttl

    async def enable_unless_unknown(client: Any, table_name: str, attribute_name: str = "ttl") -> None:
        try:
            await enable(client, table_name, attribute_name)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "UnknownOperationException":
                raise

    dynamodb_store._enable_dynamodb_ttl = enable_unless_unknown


async def run(command: dict[str, Any]) -> list[Any]:
    store = open_store(command["store"])
    results: list[Any] = []
    async with store:
        encrypted = None
        for call in command["calls"]:
            target = store
            if call.get("encrypted"):
                if encrypted is None:
                    from key_value.aio.wrappers.encryption import FernetEncryptionWrapper

                    encrypted = FernetEncryptionWrapper(store, **command["fernet"])
                target = encrypted
            method = call["method"]
            arguments = {name: call[name] for name in ARGUMENTS if name in call}
            try:
                result = await getattr(target, method)(**arguments)
            except Exception as error:
                results.append({"error": describe(error)})
            else:
                results.append({"result": None if method in WRITES else result})
    return results


def describe(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}"
    return text if error.__cause__ is None else f"{text} (caused by {describe(error.__cause__)})"


def main() -> None:
    warnings.filterwarnings("ignore", message="A configured store is unstable")
    command = json.load(sys.stdin)
    json.dump({"results": asyncio.run(run(command))}, sys.stdout)


if __name__ == "__main__":
    main()
