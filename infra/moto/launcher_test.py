"""Tests of launcher.py's patches, in process, against the installed moto.

The query patch is checked differentially: the same query runs through the patched path
and through moto's own Table.query on the same table, after random puts, updates,
deletes, batch writes and transactions; pages, counts and LastEvaluatedKeys must be equal.

Run by infra/moto's Go test (go test ./infra/moto/), or directly:
    python3 -m unittest infra/moto/launcher_test.py
"""

import base64
import copy
import json
import os
import random
import sys
import threading
import unittest

# Small enough for the trimming test to write past it.
STREAM_LIMIT = 50
os.environ["CHAINGUARD_MOTO_STREAM_RECORDS"] = str(STREAM_LIMIT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from moto.dynamodb.exceptions import (  # noqa: E402
    MockValidationException,
    TransactionCanceledException,
)
from moto.dynamodb.models import dynamodb_backends  # noqa: E402
from moto.dynamodb.models.table import Table  # noqa: E402
from moto.dynamodb.models.utilities import dynamo_json_dump  # noqa: E402
from moto.dynamodbstreams.models import dynamodbstreams_backends  # noqa: E402

from moto.dynamodb.responses import DynamoHandler  # noqa: E402

import launcher  # noqa: E402

ORIGINAL_QUERY = Table.query
ORIGINAL_SERIALIZED = DynamoHandler.serialized
launcher.apply_patches()
PATCHED_QUERY = Table.query
PATCHED_SERIALIZED = DynamoHandler.serialized

ACCOUNT = "123456789012"
REGION = "us-east-1"
_names = iter(range(10**6))


def backend():
    return dynamodb_backends[ACCOUNT][REGION]


def new_table(range_type="S", gsi2_range=False, streams=None):
    name = "t%d" % next(_names)
    attrs = [
        {"AttributeName": "PK", "AttributeType": "S"},
        {"AttributeName": "SK", "AttributeType": range_type},
        {"AttributeName": "GSI1PK", "AttributeType": "S"},
        {"AttributeName": "GSI1SK", "AttributeType": "S"},
        {"AttributeName": "GSI2PK", "AttributeType": "S"},
    ]
    gsi2_schema = [{"AttributeName": "GSI2PK", "KeyType": "HASH"}]
    if gsi2_range:
        attrs.append({"AttributeName": "n", "AttributeType": "N"})
        gsi2_schema.append({"AttributeName": "n", "KeyType": "RANGE"})
    backend().create_table(
        name,
        schema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        throughput=None,
        attr=attrs,
        global_indexes=[
            {
                "IndexName": "GSI1",
                "KeySchema": [{"AttributeName": "GSI1PK", "KeyType": "HASH"}, {"AttributeName": "GSI1SK", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            },
            {"IndexName": "GSI2", "KeySchema": gsi2_schema, "Projection": {"ProjectionType": "KEYS_ONLY"}},
        ],
        indexes=None,
        streams=streams,
        billing_mode="PAY_PER_REQUEST",
        sse_specification=None,
        tags=[],
        deletion_protection_enabled=False,
        warm_throughput=None,
    )
    return name


def sk(range_type, v):
    return {"N": str(v)} if range_type == "N" else {"S": "S#%03d" % v}


def random_item(rng, range_type):
    item = {"PK": {"S": "P%d" % rng.randrange(4)}, "SK": sk(range_type, rng.randrange(40)), "data": {"S": "x" * rng.randrange(20)}}
    if rng.random() < 0.7:
        item["GSI1PK"] = {"S": "G%d" % rng.randrange(3)}
        if rng.random() < 0.9:
            item["GSI1SK"] = {"S": "T%02d" % rng.randrange(8)}  # duplicates: ties break on table keys
    if rng.random() < 0.5:
        item["GSI2PK"] = {"S": "H%d" % rng.randrange(2)}
    item["n"] = {"N": str(rng.randrange(-5, 5))}
    return item


def key_of(item):
    return {"PK": item["PK"], "SK": item["SK"]}


def as_json(items):
    return [dynamo_json_dump(i.to_json()) for i in items]


def lek_json(lek):
    if lek is None:
        return None
    return {k: (v.to_json() if hasattr(v, "to_json") else v) for k, v in lek.items()}


def run_query(table_name, q, esk, query_impl):
    """One page of a query, with Table.query set to the given implementation."""
    saved = Table.query
    Table.query = query_impl
    try:
        items, scanned, lek = backend().query(
            table_name,
            q["hash"][1],
            q["range"][1] if q.get("range") else None,
            q["range"][2] if q.get("range") else [],
            q.get("limit"),
            esk,
            q.get("forward", True),
            q.get("projection"),
            index_name=q.get("index"),
            expr_names=q.get("names", {}),
            expr_values=q.get("values", {}),
            filter_expression=q.get("filter"),
            hash_key_conditions=[q["hash"]],
            range_key_conditions=[q["range"]] if q.get("range") else [],
        )
    finally:
        Table.query = saved
    return as_json(items), scanned, lek_json(lek)


def random_query(rng, range_type):
    index = rng.choice([None, None, "GSI1", "GSI2"])
    if index is None:
        q = {"hash": ("PK", {"S": "P%d" % rng.randrange(5)})}
        range_attr, value = "SK", lambda: sk(range_type, rng.randrange(42))
        prefix = {"N": "1"} if range_type == "N" else {"S": "S#0%d" % rng.randrange(4)}
    elif index == "GSI1":
        q = {"hash": ("GSI1PK", {"S": "G%d" % rng.randrange(4)}), "index": index}
        range_attr, value = "GSI1SK", lambda: {"S": "T%02d" % rng.randrange(9)}
        prefix = {"S": "T0"}
    else:
        q = {"hash": ("GSI2PK", {"S": "H%d" % rng.randrange(3)}), "index": index}
        range_attr, value, prefix = None, None, None
    if range_attr and rng.random() < 0.7:
        op = rng.choice(["=", "<", "<=", ">", ">=", "BETWEEN", "BEGINS_WITH"])
        if op == "BETWEEN":
            a, b = value(), value()
            q["range"] = (range_attr, op, [a, b])
        elif op == "BEGINS_WITH":
            if range_type == "N" and index is None:
                op = ">="
                q["range"] = (range_attr, op, [value()])
            else:
                q["range"] = (range_attr, op, [prefix])
        else:
            q["range"] = (range_attr, op, [value()])
    q["limit"] = rng.choice([None, 1, 2, 3, 5, 8])
    q["forward"] = rng.random() < 0.5
    if rng.random() < 0.3:
        q["filter"] = "#n > :n"
        q["names"] = {"#n": "n"}
        q["values"] = {":n": {"N": "0"}}
    if rng.random() < 0.2:
        q["projection"] = [["PK"], ["data"]]
    return q


class QueryPatchTest(unittest.TestCase):
    def assert_same_pages(self, table_name, q):
        esk, pages = None, 0
        while True:
            want = run_query(table_name, q, copy.deepcopy(esk), ORIGINAL_QUERY)
            got = run_query(table_name, q, copy.deepcopy(esk), PATCHED_QUERY)
            self.assertEqual(got, want, "query %r page %d after %r" % (q, pages, esk))
            esk = want[2]
            pages += 1
            if esk is None or pages > 200:
                return

    def exercise(self, range_type, gsi2_range, seed):
        rng = random.Random(seed)
        name = new_table(range_type, gsi2_range)
        be = backend()
        live = []
        for step in range(250):
            roll = rng.random()
            if roll < 0.45 or not live:
                item = random_item(rng, range_type)
                be.put_item(name, item)
                live.append(item)
            elif roll < 0.65:
                target = rng.choice(live)
                if rng.random() < 0.5:
                    be.update_item(
                        name, key_of(target), "SET GSI1PK = :g, GSI1SK = :s, n = :n", {},
                        {":g": {"S": "G%d" % rng.randrange(3)}, ":s": {"S": "T%02d" % rng.randrange(8)}, ":n": {"N": str(rng.randrange(-5, 5))}},
                    )
                else:
                    be.update_item(name, key_of(target), "REMOVE GSI1SK, GSI2PK", {}, {})
            elif roll < 0.75:
                target = rng.choice(live)
                be.delete_item(name, key_of(target))
            else:
                # A transaction that fails at its last item half the time: the undo log
                # must put back what the first items wrote.
                puts = [random_item(rng, range_type) for _ in range(3)]
                keys = {dynamo_json_dump(key_of(p)) for p in puts}
                if len(keys) < 3:
                    continue
                ops = [{"Put": {"TableName": name, "Item": p}} for p in puts]
                target = rng.choice(live)
                ops.append({"Update": {"TableName": name, "Key": key_of(target), "UpdateExpression": "SET GSI1PK = :g",
                                       "ExpressionAttributeValues": {":g": {"S": "G%d" % rng.randrange(3)}}}})
                if dynamo_json_dump(key_of(target)) in keys:
                    continue
                if rng.random() < 0.5:
                    ops.append({"ConditionCheck": {"TableName": name, "Key": {"PK": {"S": "nobody"}, "SK": sk(range_type, 0)},
                                                   "ConditionExpression": "attribute_exists(PK)"}})
                try:
                    be.transact_write_items(ops)
                    live.extend(puts)
                except TransactionCanceledException:
                    pass
            if step % 10 == 0:
                for _ in range(4):
                    self.assert_same_pages(name, random_query(rng, range_type))

    def test_string_sort_keys_match_moto(self):
        for seed in range(3):
            self.exercise("S", False, seed)

    def test_number_sort_keys_and_numeric_gsi_range_match_moto(self):
        for seed in range(3):
            self.exercise("N", True, 100 + seed)

    def test_hash_only_table_and_missing_partition_match_moto(self):
        name = "h%d" % next(_names)
        backend().create_table(
            name, schema=[{"AttributeName": "PK", "KeyType": "HASH"}], throughput=None,
            attr=[{"AttributeName": "PK", "AttributeType": "S"}, {"AttributeName": "G", "AttributeType": "S"}],
            global_indexes=[{"IndexName": "G", "KeySchema": [{"AttributeName": "G", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}],
            indexes=None, streams=None, billing_mode="PAY_PER_REQUEST", sse_specification=None, tags=[],
            deletion_protection_enabled=False, warm_throughput=None,
        )
        for i in range(20):
            backend().put_item(name, {"PK": {"S": "k%02d" % i}, "G": {"S": "g%d" % (i % 3)}})
        for q in [
            {"hash": ("PK", {"S": "k03"})},
            {"hash": ("PK", {"S": "missing"})},
            {"hash": ("G", {"S": "g1"}), "index": "G", "limit": 2},
            {"hash": ("G", {"S": "g2"}), "index": "G", "forward": False, "limit": 3},
        ]:
            self.assert_same_pages(name, q)

    def test_lookups_of_missing_keys_leave_no_empty_partitions(self):
        name = new_table()
        be = backend()
        for i in range(50):
            be.get_item(name, {"PK": {"S": "ghost%d" % i}, "SK": {"S": "x"}})
            be.delete_item(name, {"PK": {"S": "ghost%d" % i}, "SK": {"S": "x"}})
        be.put_item(name, {"PK": {"S": "a"}, "SK": {"S": "1"}})
        be.delete_item(name, {"PK": {"S": "a"}, "SK": {"S": "1"}})
        self.assertEqual(len(be.get_table(name).items), 0)


class TransactionPatchTest(unittest.TestCase):
    def setUp(self):
        self.name = new_table(streams={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        self.table = backend().get_table(self.name)

    def snapshot(self):
        return sorted(dynamo_json_dump(i.to_json()) for i in self.table.all_items())

    def test_a_cancelled_transaction_restores_exactly_its_items_and_streams_nothing(self):
        be = backend()
        be.put_item(self.name, {"PK": {"S": "a"}, "SK": {"S": "1"}, "v": {"N": "1"}})
        be.put_item(self.name, {"PK": {"S": "b"}, "SK": {"S": "1"}, "v": {"N": "1"}})
        before, records = self.snapshot(), len(self.table.stream_shard.items)
        ops = [
            {"Update": {"TableName": self.name, "Key": {"PK": {"S": "a"}, "SK": {"S": "1"}}, "UpdateExpression": "SET v = v + :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            {"Delete": {"TableName": self.name, "Key": {"PK": {"S": "b"}, "SK": {"S": "1"}}}},
            {"Put": {"TableName": self.name, "Item": {"PK": {"S": "c"}, "SK": {"S": "1"}}}},
            {"Put": {"TableName": self.name, "Item": {"PK": {"S": "a"}, "SK": {"S": "2"}}, "ConditionExpression": "attribute_exists(PK)",
                     "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
        ]
        with self.assertRaises(TransactionCanceledException) as ctx:
            be.transact_write_items(ops)
        self.assertIn('"Code": "None"', ctx.exception.description)
        self.assertIn('"Code": "ConditionalCheckFailed"', ctx.exception.description)
        self.assertEqual(self.snapshot(), before)
        self.assertEqual(len(self.table.stream_shard.items), records)
        self.assertNotIn("c", [h.value for h in self.table.items])  # no empty partition left

    def test_a_failed_condition_returns_the_old_item_when_asked(self):
        be = backend()
        be.put_item(self.name, {"PK": {"S": "a"}, "SK": {"S": "1"}, "v": {"N": "7"}})
        with self.assertRaises(TransactionCanceledException) as ctx:
            be.transact_write_items([{"Put": {"TableName": self.name, "Item": {"PK": {"S": "a"}, "SK": {"S": "1"}},
                                              "ConditionExpression": "attribute_not_exists(PK)", "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}])
        self.assertIn('"v": {"N": "7"}', ctx.exception.description)

    def test_two_operations_on_one_item_are_refused_and_undone(self):
        be = backend()
        before = self.snapshot()
        with self.assertRaises(MockValidationException):
            be.transact_write_items([
                {"Put": {"TableName": self.name, "Item": {"PK": {"S": "x"}, "SK": {"S": "1"}}}},
                {"Delete": {"TableName": self.name, "Key": {"PK": {"S": "x"}, "SK": {"S": "1"}}}},
            ])
        self.assertEqual(self.snapshot(), before)

    def test_more_than_100_items_are_refused(self):
        ops = [{"Put": {"TableName": self.name, "Item": {"PK": {"S": "x"}, "SK": {"S": str(i)}}}} for i in range(101)]
        with self.assertRaises(MockValidationException):
            backend().transact_write_items(ops)

    def test_a_successful_transaction_writes_every_item(self):
        backend().transact_write_items([{"Put": {"TableName": self.name, "Item": {"PK": {"S": "x"}, "SK": {"S": str(i)}}}} for i in range(100)])
        self.assertEqual(len(self.table.items[next(iter(self.table.items))]), 100)


class StreamPatchTest(unittest.TestCase):
    def test_records_are_bounded_and_sequence_numbers_keep_counting(self):
        name = new_table(streams={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
        table = backend().get_table(name)
        streams = dynamodbstreams_backends[ACCOUNT][REGION]
        arn = table.describe()["TableDescription"]["LatestStreamArn"]
        shard_id = table.stream_shard.id
        horizon = streams.get_shard_iterator(arn, shard_id, "TRIM_HORIZON").arn
        for i in range(STREAM_LIMIT * 3):
            backend().put_item(name, {"PK": {"S": "p"}, "SK": {"S": "%04d" % i}})
        self.assertLessEqual(len(table.stream_shard.items), STREAM_LIMIT + STREAM_LIMIT // 10)
        # An iterator issued before the trim starts at the oldest record kept.
        out = streams.get_records(horizon, 1000)
        seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in out["Records"]]
        self.assertEqual(seqs, list(range(seqs[0], seqs[0] + len(seqs))))
        self.assertEqual(out["Records"][-1]["dynamodb"]["Keys"]["SK"], {"S": "%04d" % (STREAM_LIMIT * 3 - 1)})
        # The iterator was consumed; the next one sees the next write only.
        with self.assertRaises(Exception) as ctx:
            streams.get_records(horizon, 10)
        self.assertEqual(getattr(ctx.exception, "error_type", ""), "ExpiredIteratorException")
        backend().put_item(name, {"PK": {"S": "p"}, "SK": {"S": "last"}})
        nxt = streams.get_records(out["NextShardIterator"], 10)
        self.assertEqual([r["dynamodb"]["Keys"]["SK"]["S"] for r in nxt["Records"]], ["last"])
        self.assertEqual(int(nxt["Records"][0]["dynamodb"]["SequenceNumber"]), seqs[-1] + 1)
        latest = streams.get_shard_iterator(arn, shard_id, "LATEST").arn
        self.assertEqual(streams.get_records(latest, 10)["Records"], [])
        self.assertLessEqual(len(streams.shard_iterators), 3)


class TrackingPatchTest(unittest.TestCase):
    def test_items_copies_and_iterators_are_not_kept_after_use(self):
        from moto.dynamodb.models.dynamo_type import Item
        from moto.dynamodbstreams.models import ShardIterator

        name = new_table(streams={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
        for i in range(20):
            backend().put_item(name, {"PK": {"S": "p"}, "SK": {"S": str(i)}})
            backend().query(name, {"S": "p"}, None, [], None, None, True, None, hash_key_conditions=[("PK", {"S": "p"})])
        table = backend().get_table(name)
        streams = dynamodbstreams_backends[ACCOUNT][REGION]
        streams.get_shard_iterator(table.describe()["TableDescription"]["LatestStreamArn"], table.stream_shard.id, "LATEST")
        backend().delete_table(name)
        self.assertEqual((Item.instances_tracked, Table.instances_tracked, ShardIterator.instances_tracked), ([], [], []))


class HTTPCase(unittest.TestCase):
    """Requests through moto's WSGI application, as the server receives them."""

    def setUp(self):
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from werkzeug.test import Client

        self.client = Client(DomainDispatcherApplication(create_backend_app))
        self.name = new_table()

    def call(self, op, body, serialized=None):
        saved = DynamoHandler.serialized
        if serialized is not None:
            DynamoHandler.serialized = serialized
        try:
            r = self.client.post("/", data=json.dumps(body), headers={
                "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x",
                "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810." + op,
            })
        finally:
            DynamoHandler.serialized = saved
        return r.status_code, r.headers.get("Content-Type"), json.loads(r.get_data())


class ClientRequestTokenTest(HTTPCase):
    def test_a_repeated_token_does_not_apply_the_transaction_twice(self):
        put = {"TransactItems": [{"Update": {"TableName": self.name, "Key": {"PK": {"S": "c"}, "SK": {"S": "1"}},
                                             "UpdateExpression": "ADD n :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}}],
               "ClientRequestToken": "token-%s" % self.name}
        for _ in range(3):
            self.assertEqual(self.call("TransactWriteItems", put)[0], 200)
        got = self.call("GetItem", {"TableName": self.name, "Key": {"PK": {"S": "c"}, "SK": {"S": "1"}}})
        self.assertEqual(got[2]["Item"]["n"], {"N": "1"})
        put["TransactItems"][0]["Update"]["ExpressionAttributeValues"][":one"] = {"N": "2"}
        status, _, body = self.call("TransactWriteItems", put)
        self.assertEqual(status, 400)
        self.assertIn("IdempotentParameterMismatchException", body["__type"])


class AnswersPatchTest(HTTPCase):
    """The fast answers must parse to what moto's serializer writes."""

    def setUp(self):
        super().setUp()
        blob = base64.b64encode(b"\x00\xffbinary").decode()
        self.call("PutItem", {"TableName": self.name, "Item": {
            "PK": {"S": "p"}, "SK": {"S": "1"}, "GSI1PK": {"S": "g"}, "GSI1SK": {"S": "\u00e9t\u00e9 \"quoted\""},
            "n": {"N": "-12.50"}, "b": {"B": blob}, "bs": {"BS": [blob]}, "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]},
            "m": {"M": {"k": {"L": [{"S": "x"}, {"N": "1"}, {"NULL": True}, {"BOOL": False}, {"M": {}}]}}},
            "t": {"BOOL": True}, "z": {"NULL": True},
        }})
        for i in range(2, 6):
            self.call("PutItem", {"TableName": self.name, "Item": {"PK": {"S": "p"}, "SK": {"S": str(i)}, "GSI1PK": {"S": "g"}, "GSI1SK": {"S": str(i)}}})

    def test_item_reads_answer_as_moto_serializer_does(self):
        cases = {
            "Query": {"TableName": self.name, "KeyConditionExpression": "PK = :p", "ExpressionAttributeValues": {":p": {"S": "p"}}, "Limit": 3,
                      "ReturnConsumedCapacity": "TOTAL"},
            "Query on an index": {"TableName": self.name, "IndexName": "GSI1", "KeyConditionExpression": "GSI1PK = :p",
                                  "ExpressionAttributeValues": {":p": {"S": "g"}}, "Limit": 2, "ReturnConsumedCapacity": "INDEXES"},
            "Query counting": {"TableName": self.name, "KeyConditionExpression": "PK = :p", "ExpressionAttributeValues": {":p": {"S": "p"}}, "Select": "COUNT"},
            "Scan": {"TableName": self.name, "Limit": 4},
            "GetItem": {"TableName": self.name, "Key": {"PK": {"S": "p"}, "SK": {"S": "1"}}},
            "GetItem of nothing": {"TableName": self.name, "Key": {"PK": {"S": "p"}, "SK": {"S": "none"}}},
            "BatchGetItem": {"RequestItems": {self.name: {"Keys": [{"PK": {"S": "p"}, "SK": {"S": "1"}}, {"PK": {"S": "p"}, "SK": {"S": "9"}}]}}},
        }
        for name, body in cases.items():
            op = name.split(" ")[0]
            with self.subTest(name):
                want = self.call(op, body, ORIGINAL_SERIALIZED)
                got = self.call(op, body, PATCHED_SERIALIZED)
                self.assertEqual(want[0], 200, want)
                self.assertEqual(got, want)

    def test_errors_still_go_through_moto_serializer(self):
        got = self.call("Query", {"TableName": "absent", "KeyConditionExpression": "PK = :p", "ExpressionAttributeValues": {":p": {"S": "p"}}})
        self.assertEqual(got[0], 400)
        self.assertIn("ResourceNotFoundException", got[2]["__type"])


class EventTemplatesPatchTest(unittest.TestCase):
    def test_a_rule_target_gets_the_whole_event_and_paths_are_parsed_once(self):
        import jsonpath_ng.ext
        from moto.events.models import events_backends
        from moto.sqs.models import sqs_backends

        self.assertIs(jsonpath_ng.ext.parse("$.detail"), jsonpath_ng.ext.parse("$.detail"))
        events = events_backends[ACCOUNT][REGION]
        sqs = sqs_backends[ACCOUNT][REGION]
        queue = sqs.create_queue("events-target-%d" % next(_names))
        events.create_event_bus("templates-bus", {})
        events.put_rule(
            "templates-rule", event_bus_arn="templates-bus", description=None, role_arn=None, state="ENABLED",
            event_pattern=json.dumps({"source": ["chainguard"]}), scheduled_expression=None, tags=[],
        )
        events.put_targets("templates-rule", "templates-bus", [{"Id": "q", "Arn": queue.queue_arn}])
        for i in range(3):
            events.put_events([{"Source": "chainguard", "DetailType": "x.y", "Detail": json.dumps({"n": i}), "EventBusName": "templates-bus"}])
        bodies = [json.loads(m.body) for m in queue.messages]
        self.assertEqual([b["detail"] for b in bodies], [{"n": 0}, {"n": 1}, {"n": 2}])
        self.assertEqual({b["detail-type"] for b in bodies}, {"x.y"})


class LockPatchTest(unittest.TestCase):
    def test_concurrent_writers_and_readers_do_not_break_each_other(self):
        name = new_table()
        errors = []

        def writer(w):
            try:
                for i in range(100):
                    backend().put_item(name, {"PK": {"S": "p%d" % (i % 5)}, "SK": {"S": "w%d-%d" % (w, i)}, "GSI1PK": {"S": "g"}, "GSI1SK": {"S": str(i)}})
                    if i % 7 == 0:
                        backend().delete_item(name, {"PK": {"S": "p%d" % (i % 5)}, "SK": {"S": "w%d-%d" % (w, i)}})
            except Exception as e:  # noqa: BLE001
                errors.append(e)

        def reader():
            try:
                for i in range(40):
                    backend().query(name, {"S": "g"}, None, [], None, None, True, None, index_name="GSI1",
                                    hash_key_conditions=[("GSI1PK", {"S": "g"})], range_key_conditions=[])
                    if i % 10 == 0:
                        backend().get_table(name).scan({}, None, None)
            except Exception as e:  # noqa: BLE001
                errors.append(e)

        # Switch threads as often as possible, so that unlocked iterations get interleaved.
        saved = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)
        self.addCleanup(sys.setswitchinterval, saved)
        threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)] + [threading.Thread(target=reader) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])


if __name__ == "__main__":
    unittest.main()
