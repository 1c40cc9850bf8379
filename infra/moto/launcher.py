"""ChainGuard's moto launcher: moto_server with DynamoDB fixed for concurrent, long runs.

Runs exactly as `moto_server` does (same command line: -H host -p port, threaded werkzeug
server), after patching moto in this process. Every patch below says what moto does wrong,
what we do instead, and the moto version it was written against. The patches replace or
wrap moto functions at import time; nothing on disk is changed, so `moto_server` itself
stays stock (CHAINGUARD_EMULATOR=stock runs it, to show the defects).

Standard library and the installed moto only: no Python package registry is reachable
where this runs.

Environment:
  CHAINGUARD_MOTO_STREAM_RECORDS  stream records kept per table (default 100000)

Self-check without a server: `launcher.py --patch-only` applies the patches and exits.
"""

import base64
import bisect
import copy
import functools
import hashlib
import inspect
import json
import os
import sys
import threading
import time
from datetime import timedelta

# The moto versions these patches were written and tested against. Another version gets
# a warning, not a refusal: the patches check that what they replace still exists.
TARGET_VERSIONS = ("5.2.",)

PREFIX = "chainguard moto launcher: "

# DynamoDB Streams keeps records 24 hours; we also bound the count, since a local run
# writes far faster than any retention window matters.
STREAM_RETENTION = timedelta(hours=24)
# AWS expires a shard iterator 15 minutes after it is issued.
ITERATOR_TTL_SECONDS = 15 * 60
# AWS honours a ClientRequestToken for 10 minutes.
TOKEN_TTL_SECONDS = 10 * 60

# Items are at most 400 KB on AWS; moto refuses more than 405,000 bytes of attributes.
# A Query page stops at 1 MB (moto's RESULT_SIZE_LIMIT).
MAX_ITEM_SIZE = 410000

# Patch A's lock. One re-entrant lock for every DynamoDB and DynamoDB Streams operation:
# they share the tables (a stream reads its table), and DynamoDB's own guarantees
# (conditional writes, serializable transactions) need each request to see and leave a
# consistent state. Other services are not affected: an SQS long poll never waits on it.
DYNAMODB_LOCK = threading.RLock()


def log(msg):
    sys.stderr.write(PREFIX + msg + "\n")
    sys.stderr.flush()


def stream_records_max():
    raw = os.environ.get("CHAINGUARD_MOTO_STREAM_RECORDS", "100000")
    try:
        n = int(raw)
    except ValueError:
        raise SystemExit(PREFIX + "CHAINGUARD_MOTO_STREAM_RECORDS=%r is not a number" % raw)
    if n < 1:
        raise SystemExit(PREFIX + "CHAINGUARD_MOTO_STREAM_RECORDS must be at least 1")
    return n


def require(obj, *names):
    """Fails loudly when moto no longer has what a patch replaces: a patch applied to code
    that changed shape would silently do something else."""
    for name in names:
        if not hasattr(obj, name):
            raise RuntimeError(
                "moto %s has no %s.%s: this launcher targets moto %s; run the stock moto_server "
                "(CHAINGUARD_EMULATOR=stock) or update infra/moto/launcher.py"
                % (moto_version(), getattr(obj, "__name__", obj), name, "/".join(v + "x" for v in TARGET_VERSIONS))
            )


def moto_version():
    import moto

    return getattr(moto, "__version__", "unknown")


def locked(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with DYNAMODB_LOCK:
            return fn(*args, **kwargs)

    wrapper.chainguard_locked = True
    return wrapper


def first(entry):
    return entry[0]


# ---------------------------------------------------------------------------------------
# Patch E (partitions): moto 5.2.x Table.get_item reads `self.items[hash][range]` from a
# defaultdict, so every GetItem, conditional write or transaction on a key whose partition
# does not exist creates an empty partition that is never removed; Table.delete_item does
# the same, and deleting a partition's last item leaves it empty. Memory grows with every
# distinct key ever looked up. We read partitions with .get and drop a partition when its
# last item goes.
# ---------------------------------------------------------------------------------------


def peek(table, hash_key, range_key):
    """The stored item at a key, without creating its partition."""
    part = table.items.get(hash_key)
    if part is None:
        return None
    if range_key is not None:
        return part.get(range_key) if isinstance(part, dict) else None
    return None if isinstance(part, dict) else part


def drop_if_empty(table, hash_key):
    part = table.items.get(hash_key)
    if isinstance(part, dict) and not part:
        del table.items[hash_key]


def patch_partitions():
    from moto.dynamodb.exceptions import MockValidationException
    from moto.dynamodb.models.table import Table

    require(Table, "get_item", "delete_item")

    def get_item(self, hash_key, range_key=None, projection_expression=None):
        if self.has_range_key and not range_key:
            raise MockValidationException(
                "Table has a range key, but no range key was passed into get_item"
            )
        part = self.items.get(hash_key)
        if part is None:
            return None
        result = None
        if range_key:
            try:
                result = part[range_key]
            except KeyError:
                return None
        else:
            result = part
        if projection_expression and result:
            result = result.project(projection_expression)
        return result

    orig_delete = Table.delete_item

    def delete_item(self, hash_key, range_key):
        if range_key and hash_key not in self.items:
            return None  # moto would create the partition, then miss
        try:
            return orig_delete(self, hash_key, range_key)
        finally:
            drop_if_empty(self, hash_key)
            reindex(self, hash_key, range_key)

    Table.get_item = get_item
    Table.delete_item = delete_item


# ---------------------------------------------------------------------------------------
# Patch C (queries): moto 5.2.x Table.query walks every item of the table for every query
# (base table: all_items() sorts the whole table, then keeps one partition; GSI: the same
# walk, testing each item's index key), then sorts, then skips item by item up to
# ExclusiveStartKey. Query cost grows with the table, and paging through a partition is
# quadratic.
#
# Instead we keep, per table, sorted entries for the partitions and GSI partitions that
# have been queried (built on first use, then maintained on every write: put, update,
# delete, batch writes, transactions and their undo). A query reads only its partition,
# finds ExclusiveStartKey and the key condition's bounds by bisection, and walks only the
# page. The page is the same as moto's: same order (moto's sort keys), same Limit and
# 1 MB rules (including moto's quirk of returning LastEvaluatedKey when the limit is hit
# and any item, matching or not, follows), same deep copy (of the page only), projection,
# filter and ScannedCount. Shapes we do not index (LSIs, multi-attribute GSI keys, legacy
# QueryFilter, hash-only base tables) run moto's code over the partition's items only,
# when the partition is known, or over the table otherwise.
# ---------------------------------------------------------------------------------------


class Unsupported(Exception):
    """The fast path does not handle this query; moto's code runs instead."""


class TableIndex:
    """Sorted views of one table's items. Valid while table.items is the dict it was built
    for (moto replaces that dict on restores, and stock transactions replaced the table)."""

    def __init__(self, table):
        self.items_ref = table.items
        # hash key -> [((hash, range) cast values, range DynamoType)], sorted
        self.parts = {}
        # index name -> GsiIndex
        self.gsis = {}

    def __deepcopy__(self, memo):
        # Backups deep-copy tables: the copy rebuilds its own index when queried.
        return None

    def partition(self, table, hash_key):
        entries = self.parts.get(hash_key)
        if entries is not None:
            return entries
        part = table.items.get(hash_key)
        hc = hash_key.cast_value
        entries = [((hc, r.cast_value), copy_key(r)) for r in (part or {})]
        entries.sort(key=first)
        if entries:
            self.parts[copy_key(hash_key)] = entries
        return entries

    def update(self, table, hash_key, range_key, item):
        entries = self.parts.get(hash_key) if range_key is not None else None
        if entries is not None:
            k = (hash_key.cast_value, range_key.cast_value)
            i = bisect.bisect_left(entries, k, key=first)
            present = i < len(entries) and entries[i][0] == k
            if item is None and present:
                del entries[i]
                if not entries:
                    del self.parts[hash_key]
            elif item is not None and not present:
                entries.insert(i, (k, copy_key(range_key)))
        for gsi in self.gsis.values():
            gsi.update((hash_key, range_key), item)


class GsiIndex:
    """One GSI with a single hash attribute and at most one range attribute: its items
    grouped by hash value, each group sorted as moto sorts a GSI query."""

    def __init__(self, signature, hash_attr, range_attr, sort_attrs):
        self.signature = signature
        self.hash_attr = hash_attr
        self.range_attr = range_attr
        self.sort_attrs = sort_attrs
        self.buckets = {}  # hash value -> [(sort key, (hash, range))], sorted
        self.where = {}  # (hash, range) -> (hash value, sort key)

    def member(self, item):
        attrs = item.attrs
        if self.hash_attr not in attrs:
            return False
        if self.range_attr is not None and self.range_attr not in attrs:
            return False
        return all(a in attrs for a in self.sort_attrs)

    def sort_key(self, item):
        return tuple(item.attrs[a].cast_value for a in self.sort_attrs)

    def build(self, table):
        for part in table.items.values():
            for item in part.values() if isinstance(part, dict) else (part,):
                if self.member(item):
                    pk = (copy_key(item.hash_key), copy_key(item.range_key))
                    bucket = copy_key(item.attrs[self.hash_attr])
                    k = self.sort_key(item)
                    self.buckets.setdefault(bucket, []).append((k, pk))
                    self.where[pk] = (bucket, k)
        for entries in self.buckets.values():
            entries.sort(key=first)

    def update(self, pk, item):
        old = self.where.pop(pk, None)
        if old is not None:
            bucket, k = old
            entries = self.buckets[bucket]
            i = bisect.bisect_left(entries, k, key=first)
            if i < len(entries) and entries[i][0] == k:
                del entries[i]
            if not entries:
                del self.buckets[bucket]
        if item is not None and self.member(item):
            bucket = copy_key(item.attrs[self.hash_attr])
            k = self.sort_key(item)
            entries = self.buckets.setdefault(bucket, [])
            i = bisect.bisect_left(entries, k, key=first)
            entries.insert(i, (k, (copy_key(pk[0]), copy_key(pk[1]))))
            self.where[pk] = (bucket, k)


def copy_key(dt):
    """A private copy of a key value: moto mutates item attributes in place on update, and
    a dict key must not change under us."""
    if dt is None:
        return None
    from moto.dynamodb.models.dynamo_type import DynamoType

    return DynamoType(dt)


def table_index(table):
    idx = table.__dict__.get("chainguard_index")
    if idx is None or idx.items_ref is not table.items:
        idx = TableIndex(table)
        table.chainguard_index = idx
    return idx


def reindex(table, hash_key, range_key):
    """Brings the table's sorted views up to date for one key, after any write to it."""
    idx = table.__dict__.get("chainguard_index")
    if idx is None or hash_key is None:
        return
    if idx.items_ref is not table.items:
        table.chainguard_index = None
        return
    try:
        idx.update(table, hash_key, range_key, peek(table, hash_key, range_key))
    except Exception as e:  # noqa: BLE001 - an index must never fail a write
        # Unorderable keys (mixed types in one index) or anything unforeseen: forget the
        # views; the next query rebuilds them or falls back to moto's scan.
        log("index dropped for table %s: %r" % (table.name, e))
        table.chainguard_index = None


def gsi_shape(table, index):
    """hash_attrs, range_attrs, index hash keys, index range keys, exactly as moto 5.2's
    Table.query computes them for an index query."""
    from moto.dynamodb.models.table import GlobalSecondaryIndex

    index_hash_keys = [k for k in index.schema if k["KeyType"] == "HASH"]
    index_range_keys = [k for k in index.schema if k["KeyType"] == "RANGE"]
    if not index_range_keys:
        if isinstance(index, GlobalSecondaryIndex) and table.range_key_attr:
            index_range_key = {"AttributeName": table.range_key_attr}
        else:
            index_range_key = {"AttributeName": table.hash_key_attr}
    else:
        index_range_key = index_range_keys[0]
    hash_attrs = [k["AttributeName"] for k in index_hash_keys] + [table.hash_key_attr]
    if index_range_keys:
        range_attrs = [k["AttributeName"] for k in index_range_keys] + [table.range_key_attr]
    else:
        range_attrs = [index_range_key["AttributeName"], table.range_key_attr]
    return hash_attrs, range_attrs, index_hash_keys, index_range_keys


def key_bounds(entries, pos, comparison, values):
    """[lo, hi) of the entries whose key component pos satisfies the key condition. The
    entries are sorted on that component, and every key condition DynamoDB allows selects
    a contiguous run of them."""
    key = lambda e: e[0][pos]  # noqa: E731
    n = len(entries)
    op = comparison.upper()
    if op in ("=", "EQ"):
        return bisect.bisect_left(entries, values[0], key=key), bisect.bisect_right(entries, values[0], key=key)
    if op in ("<", "LT"):
        return 0, bisect.bisect_left(entries, values[0], key=key)
    if op in ("<=", "LE"):
        return 0, bisect.bisect_right(entries, values[0], key=key)
    if op in (">", "GT"):
        return bisect.bisect_right(entries, values[0], key=key), n
    if op in (">=", "GE"):
        return bisect.bisect_left(entries, values[0], key=key), n
    if op == "BETWEEN":
        lo = bisect.bisect_left(entries, values[0], key=key)
        return lo, max(lo, bisect.bisect_right(entries, values[1], key=key))
    if op == "BEGINS_WITH":
        prefix = values[0]
        if not isinstance(prefix, (str, bytes)):
            raise Unsupported
        lo = bisect.bisect_left(entries, prefix, key=key)
        # Values with the prefix come first among those >= prefix: find where they end.
        a, b = lo, n
        while a < b:
            mid = (a + b) // 2
            if key(entries[mid]).startswith(prefix):
                a = mid + 1
            else:
                b = mid
        return lo, a
    raise Unsupported


def fast_query(
    table,
    hash_key,
    range_comparison,
    range_objs,
    limit,
    exclusive_start_key,
    scan_index_forward,
    projection_expressions,
    index_name,
    consistent_read,
    filter_expression,
    hash_key_conditions,
    range_key_conditions,
    filter_kwargs,
):
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import RESULT_SIZE_LIMIT, GlobalSecondaryIndex

    if filter_kwargs or scan_index_forward not in (True, False):
        raise Unsupported
    if limit is not None and (type(limit) is not int or limit < 1):
        raise Unsupported
    range_conditions = range_key_conditions or []
    if len(range_conditions) > 1:
        raise Unsupported
    idx = table_index(table)

    if index_name:
        index = {i.name: i for i in table.all_indexes()}.get(index_name)
        if not isinstance(index, GlobalSecondaryIndex) or consistent_read:
            raise Unsupported  # moto raises the proper validation error
        hash_attrs, range_attrs, hash_keys, range_keys = gsi_shape(table, index)
        if len(hash_keys) != 1 or len(range_keys) > 1:
            raise Unsupported
        if range_comparison and not range_keys:
            raise Unsupported
        hash_attr = hash_keys[0]["AttributeName"]
        range_attr = range_keys[0]["AttributeName"] if range_keys else None
        conditions = hash_key_conditions or []
        if len(conditions) != 1 or conditions[0][0] != hash_attr:
            raise Unsupported
        if range_conditions and range_conditions[0][0] != range_attr:
            raise Unsupported
        sort_attrs = table._generate_attr_to_sort_by(hash_attrs, range_attrs)
        signature = (tuple((k["AttributeName"], k["KeyType"]) for k in index.schema), tuple(sort_attrs))
        gsi = idx.gsis.get(index_name)
        if gsi is None or gsi.signature != signature:
            gsi = GsiIndex(signature, hash_attr, range_attr, sort_attrs)
            gsi.build(table)
            idx.gsis[index_name] = gsi
        entries = gsi.buckets.get(conditions[0][1], [])
        range_pos = sort_attrs.index(range_attr) if range_comparison else None
        items = table.items

        def fetch(entry):
            h, r = entry[1]
            return items[h][r] if r is not None else items[h]

    else:
        if table.range_key_attr is None or hash_key is None:
            raise Unsupported
        if range_conditions and range_conditions[0][0] != table.range_key_attr:
            raise Unsupported
        sort_attrs = table._generate_attr_to_sort_by([table.hash_key_attr], [table.range_key_attr])
        entries = idx.partition(table, hash_key)
        range_pos = 1
        part = table.items.get(hash_key)

        def fetch(entry):
            return part[entry[1]]

    n = len(entries)
    lo, hi = 0, n
    if range_comparison:
        lo, hi = key_bounds(entries, range_pos, range_comparison, [o.cast_value for o in range_objs])

    forward = scan_index_forward is not False
    if exclusive_start_key is not None:
        if any(a not in exclusive_start_key for a in sort_attrs):
            raise Unsupported  # moto fails on it its own way
        start = tuple(DynamoType(exclusive_start_key[a]).cast_value for a in sort_attrs)
        if forward:
            first_pos = bisect.bisect_right(entries, start, key=first)
        else:
            first_pos = bisect.bisect_left(entries, start, key=first) - 1
    else:
        first_pos = 0 if forward else n - 1

    if forward:
        page_positions = range(max(lo, first_pos), hi)
        rest_positions = range(max(hi, first_pos), n)
    else:
        page_positions = range(min(hi - 1, first_pos), lo - 1, -1)
        rest_positions = range(min(lo - 1, first_pos), -1, -1)

    results = []
    result_size = 0
    last_evaluated_key = None
    stopped = False
    for pos in page_positions:
        item = fetch(entries[pos])
        size = item.size()
        if len(results) == limit or result_size + size > RESULT_SIZE_LIMIT:
            last_evaluated_key = table._get_last_evaluated_key(results[-1], index_name)
            stopped = True
            break
        results.append(item)
        result_size += size
    if not stopped and results:
        # moto visits the items after the matching ones too, and stops with a
        # LastEvaluatedKey at the first that finds the page full (by count or size).
        for pos in rest_positions:
            if len(results) == limit:
                last_evaluated_key = table._get_last_evaluated_key(results[-1], index_name)
                break
            if result_size + MAX_ITEM_SIZE <= RESULT_SIZE_LIMIT:
                break  # no item can fill the page any more
            if result_size + fetch(entries[pos]).size() > RESULT_SIZE_LIMIT:
                last_evaluated_key = table._get_last_evaluated_key(results[-1], index_name)
                break

    scanned_count = len(results)
    results = copy.deepcopy(results)
    if index_name:
        index = table.get_index(index_name)
        results = [index.project(r) for r in results]
    if filter_expression is not None:
        results = [item for item in results if filter_expression.expr(item)]
    if projection_expressions:
        results = [r.project(projection_expressions) for r in results]
    return results, scanned_count, last_evaluated_key


def partition_candidates(table, hash_key, index_name, hash_key_conditions):
    """The items a query can match when its partition is known without an index: the base
    table's (and an LSI's) partition. None when only a full walk can tell."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    if index_name:
        index = {i.name: i for i in table.all_indexes()}.get(index_name)
        if index is None or index in table.global_indexes:
            return None
        conditions = hash_key_conditions or []
        if len(conditions) != 1 or conditions[0][0] != table.hash_key_attr:
            return None
        hash_key = DynamoType(conditions[0][1])
    if hash_key is None:
        return None
    part = table.items.get(hash_key)
    if part is None:
        return []
    return list(part.values()) if isinstance(part, dict) else [part]


def patch_query():
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    require(Table, "query", "put_item", "all_items", "_generate_attr_to_sort_by", "_get_last_evaluated_key")
    require(DynamoDBBackend, "update_item")
    orig_query = Table.query
    orig_put = Table.put_item
    orig_update = DynamoDBBackend.update_item

    def query(
        self,
        hash_key,
        range_comparison,
        range_objs,
        limit,
        exclusive_start_key,
        scan_index_forward,
        projection_expressions,
        index_name=None,
        consistent_read=False,
        filter_expression=None,
        hash_key_conditions=None,
        range_key_conditions=None,
        **filter_kwargs,
    ):
        args = (hash_key, range_comparison, range_objs, limit, exclusive_start_key, scan_index_forward, projection_expressions)
        kwargs = dict(
            index_name=index_name,
            consistent_read=consistent_read,
            filter_expression=filter_expression,
            hash_key_conditions=hash_key_conditions,
            range_key_conditions=range_key_conditions,
            **filter_kwargs,
        )
        try:
            return fast_query(self, *args, index_name, consistent_read, filter_expression, hash_key_conditions, range_key_conditions, filter_kwargs)
        except (Unsupported, TypeError):
            pass  # moto's own code decides, and fails the way it always did
        except KeyError as e:
            # An entry without its item: a write path the views missed. Forget them and
            # answer from moto's walk; the log says which table, to be investigated.
            log("index of table %s out of step (%r): rebuilt on next query" % (self.name, e))
            self.chainguard_index = None
        candidates = partition_candidates(self, hash_key, index_name, hash_key_conditions)
        if candidates is None:
            return orig_query(self, *args, **kwargs)
        # moto's query walks self.all_items(): show it only the partition. Safe because
        # the lock (patch A) keeps every other request out meanwhile.
        self.all_items = lambda: candidates
        try:
            return orig_query(self, *args, **kwargs)
        finally:
            del self.all_items

    def put_item(self, *args, **kwargs):
        item = orig_put(self, *args, **kwargs)
        reindex(self, item.hash_key, item.range_key)
        return item

    def update_item(self, table_name, key, *args, **kwargs):
        try:
            return orig_update(self, table_name, key, *args, **kwargs)
        finally:
            # Updates change the stored item in place, GSI keys included, and may create it.
            table = self.tables.get(table_name)
            if table is not None and isinstance(key, dict) and table.hash_key_attr in key:
                range_key = None
                if table.range_key_attr is not None and table.range_key_attr in key:
                    range_key = DynamoType(key[table.range_key_attr])
                reindex(table, DynamoType(key[table.hash_key_attr]), range_key)

    Table.query = query
    Table.put_item = put_item
    DynamoDBBackend.update_item = update_item


# ---------------------------------------------------------------------------------------
# Patch B (transactions): moto 5.2.x DynamoDBBackend.transact_write_items deep-copies every
# table it touches before starting, to restore on failure. Its cost and memory grow with
# the table (20.7 GB after ~1,300 screenings), the copy iterates dicts that concurrent
# requests change (RuntimeError: dictionary changed size during iteration, HTTP 500), and
# restoring the copy erases every write acknowledged since it was taken.
#
# Instead: an undo log. Before each item is written we keep its previous value (or its
# absence); if the transaction is cancelled we restore exactly those items, in reverse
# order, and drop the stream records it appended. moto's semantics are otherwise kept:
# 100-item limit, one operation per item (ValidationException), conditions evaluated in
# order, cancellation reasons with a code per item, ReturnValuesOnConditionCheckFailure=
# ALL_OLD items. ClientRequestToken is honoured for 10 minutes, as on AWS (moto ignores it).
# ---------------------------------------------------------------------------------------


class UndoLog:
    def __init__(self):
        self.entries = []  # (table, hash, range, previous item or None)
        self.stream_marks = {}  # id(table) -> (shard, next sequence number at start)

    def remember(self, table, hash_key, range_key, in_place):
        shard = table.stream_shard
        if shard is not None and id(table) not in self.stream_marks:
            self.stream_marks[id(table)] = (shard, shard_next_seq(shard))
        previous = peek(table, hash_key, range_key)
        if in_place and previous is not None:
            # An update changes the stored Item object itself; puts and deletes replace or
            # remove it, so for them the object is the previous value as it is.
            previous = copy.deepcopy(previous)
        self.entries.append((table, hash_key, range_key, previous))

    def rollback(self):
        for table, hash_key, range_key, previous in reversed(self.entries):
            if previous is None:
                if range_key is not None:
                    part = table.items.get(hash_key)
                    if isinstance(part, dict):
                        part.pop(range_key, None)
                    drop_if_empty(table, hash_key)
                else:
                    table.items.pop(hash_key, None)
            elif range_key is not None:
                table.items[hash_key][range_key] = previous
            else:
                table.items[hash_key] = previous
            reindex(table, hash_key, range_key)
        for shard, mark in self.stream_marks.values():
            truncate_stream(shard, mark)
        self.entries = []


def patch_transactions():
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ERROR_TYPE_PREFIX,
        ConditionalCheckFailed,
        DynamodbException,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )
    from moto.core.responses import ActionResult
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler

    require(DynamoDBBackend, "transact_write_items", "get_keys_value", "get_table", "put_item", "delete_item", "update_item")
    require(DynamoHandler, "transact_write_items")

    def transact_write_items(self, transact_items):
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        undo = UndoLog()
        target_items = set()

        def check_unicity(table_name, key):
            item = (str(table_name), str(dict(sorted(key.items()))))
            if item in target_items:
                raise MultipleTransactionsException()
            target_items.add(item)

        errors = []  # [(Code, Message, Item)] or (None, None, None), one per item
        for item in transact_items:
            original_item = None
            if len(list(item.keys())) > 1:
                undo.rollback()
                raise TransactWriteSingleOpException
            try:
                op_type, op = next(iter(item.items()))
                if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                    raise ValueError("Unsupported transaction operation")

                table_name = op["TableName"]
                condition_expression = op.get("ConditionExpression")
                expression_attribute_names = op.get("ExpressionAttributeNames")
                expression_attribute_values = op.get("ExpressionAttributeValues")
                return_values_on_condition_check_failure = op.get("ReturnValuesOnConditionCheckFailure")

                if op_type == "Put":
                    attrs = op["Item"]
                    table = self.get_table(table_name)
                    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = attrs[table.range_key_attr]
                else:
                    key = op["Key"]

                check_unicity(table_name, key)

                current = self.get_item(table_name, key)
                if condition_expression is not None:
                    condition_op = get_filter_expression(
                        condition_expression,
                        expression_attribute_names,
                        expression_attribute_values,
                    )
                    if not condition_op.expr(current):
                        if return_values_on_condition_check_failure == "ALL_OLD" and current:
                            original_item = current.to_json()["Attributes"]
                        raise ConditionalCheckFailed(item=original_item)

                if op_type != "ConditionCheck":
                    table = self.get_table(table_name)
                    hash_key, range_key = self.get_keys_value(table, key)
                    undo.remember(table, hash_key, range_key, in_place=(op_type == "Update"))

                if op_type == "Put":
                    self.put_item(
                        table_name,
                        op["Item"],
                        condition_expression=condition_expression,
                        expression_attribute_names=expression_attribute_names,
                        expression_attribute_values=expression_attribute_values,
                    )
                elif op_type == "Delete":
                    self.delete_item(
                        table_name,
                        key,
                        condition_expression=condition_expression,
                        expression_attribute_names=expression_attribute_names,
                        expression_attribute_values=expression_attribute_values,
                    )
                elif op_type == "Update":
                    self.update_item(
                        table_name,
                        key,
                        update_expression=op["UpdateExpression"],
                        condition_expression=condition_expression,
                        expression_attribute_names=expression_attribute_names,
                        expression_attribute_values=expression_attribute_values,
                    )
                errors.append((None, None, None))
            except (MultipleTransactionsException, MockValidationException):
                undo.rollback()
                raise
            except ConditionalCheckFailed as e:
                errors.append(("ConditionalCheckFailed", str(e.message), original_item))
            except Exception as e:  # noqa: BLE001 - moto reports any failure as a reason
                errors.append((type(e).__name__, str(e), original_item))

        if any(code is not None for code, _, _ in errors):
            undo.rollback()
            raise TransactionCanceledException(errors)

    # ClientRequestToken: (account, region, token) -> (digest of the request, time).
    tokens = {}

    class IdempotentParameterMismatch(DynamodbException):
        def __init__(self):
            super().__init__(
                ERROR_TYPE_PREFIX + "IdempotentParameterMismatchException",
                "The request uses the same client token as a previous, but non-identical request.",
            )

    orig_handler = DynamoHandler.transact_write_items

    def handler_transact_write_items(self):
        token = self.body.get("ClientRequestToken")
        if not token:
            return orig_handler(self)
        now = time.monotonic()
        while tokens:
            oldest = next(iter(tokens))
            if now - tokens[oldest][1] < TOKEN_TTL_SECONDS:
                break
            del tokens[oldest]
        digest = hashlib.sha256(
            json.dumps(self.body.get("TransactItems"), sort_keys=True, default=repr).encode()
        ).hexdigest()
        scope = (self.current_account, self.region, token)
        seen = tokens.get(scope)
        if seen is not None:
            if seen[0] != digest:
                raise IdempotentParameterMismatch()
            return ActionResult({"ConsumedCapacity": [], "ItemCollectionMetrics": {}})
        result = orig_handler(self)
        # Only a transaction that succeeded is remembered: a cancelled one may be retried.
        tokens[scope] = (digest, now)
        return result

    DynamoDBBackend.transact_write_items = transact_write_items
    DynamoHandler.transact_write_items = handler_transact_write_items


# ---------------------------------------------------------------------------------------
# Patch D (streams): moto 5.2.x StreamShard keeps every record forever, numbering them
# `starting_sequence_number + len(items)`, and DynamoDBStreamsBackend keeps every shard
# iterator it ever issued (GetRecords issues a new one per call): memory grows with every
# write and every poll. Records are kept forever where AWS keeps them 24 hours.
#
# Instead a shard keeps the last CHAINGUARD_MOTO_STREAM_RECORDS records (default 100,000;
# trimmed in chunks of a tenth, so at most 10% more are held) and none older than 24 hours.
# Sequence numbers stay absolute (the count of trimmed records is kept), so iterators
# issued before a trim still work: an iterator behind the oldest record kept starts at it.
# GetRecords consumes its iterator (it returns the next one); an unknown, used or
# 15-minute-old iterator answers ExpiredIteratorException (400) instead of a 500.
# ---------------------------------------------------------------------------------------


def shard_base(shard):
    """Sequence number of the oldest record a shard still holds."""
    return shard.starting_sequence_number + shard.__dict__.get("chainguard_trimmed", 0)


def shard_next_seq(shard):
    return shard_base(shard) + len(shard.items)


def truncate_stream(shard, next_seq):
    """Drops the records numbered next_seq and after (a cancelled transaction's)."""
    keep = max(0, next_seq - shard_base(shard))
    del shard.items[keep:]


def trim_stream(shard, limit, now):
    """Drops the oldest records beyond the count limit (in chunks, so that the list is not
    shifted on every write) and those older than the retention."""
    items = shard.items
    drop = len(items) - limit if len(items) > limit + limit // 10 else 0
    horizon = now - STREAM_RETENTION
    while drop < len(items):
        created = items[drop].record["dynamodb"].get("ApproximateCreationDateTime")
        if created is None or created >= horizon:
            break
        drop += 1
    if drop:
        del items[:drop]
        shard.chainguard_trimmed = shard.__dict__.get("chainguard_trimmed", 0) + drop


def patch_streams():
    from moto.core.exceptions import JsonRESTError
    from moto.core.utils import utcnow
    from moto.dynamodb.models.table import StreamRecord, StreamShard
    from moto.dynamodbstreams.models import DynamoDBStreamsBackend, ShardIterator

    require(StreamShard, "add", "get")
    require(DynamoDBStreamsBackend, "get_records", "get_shard_iterator")
    limit = stream_records_max()

    def add(self, old, new):
        t = self.table.stream_specification["StreamViewType"]
        if old is None:
            event_name = "INSERT"
        elif new is None:
            event_name = "REMOVE"
        else:
            event_name = "MODIFY"
        seq = shard_next_seq(self)
        self.items.append(StreamRecord(self.table, t, event_name, old, new, seq))
        result = None
        from moto.awslambda.utils import get_backend

        for arn, esm in self.table.lambda_event_source_mappings.items():
            region = arn.split(":")[3]
            result = get_backend(self.account_id, region).send_dynamodb_items(arn, self.items, esm.event_source_arn)
        if result:
            # moto empties the shard once a Lambda took the records: count them as trimmed
            # so that sequence numbers keep increasing.
            self.chainguard_trimmed = self.__dict__.get("chainguard_trimmed", 0) + len(self.items)
            self.items = []
        trim_stream(self, limit, utcnow())

    def get(self, start, quantity):
        first_index = max(0, start - shard_base(self))
        return [i.to_json() for i in self.items[first_index : first_index + quantity]]

    orig_iterator_init = ShardIterator.__init__

    def iterator_init(self, streams_backend, stream_shard, shard_iterator_type, sequence_number=None):
        orig_iterator_init(self, streams_backend, stream_shard, shard_iterator_type, sequence_number)
        if shard_iterator_type == "TRIM_HORIZON":
            self.sequence_number = shard_base(stream_shard)
        elif shard_iterator_type == "LATEST":
            self.sequence_number = shard_next_seq(stream_shard)
        self.chainguard_issued = time.monotonic()

    def forget_expired(backend):
        now = time.monotonic()
        iterators = backend.shard_iterators
        while iterators:
            oldest = next(iter(iterators))
            if now - iterators[oldest].__dict__.get("chainguard_issued", now) < ITERATOR_TTL_SECONDS:
                break
            del iterators[oldest]

    orig_get_shard_iterator = DynamoDBStreamsBackend.get_shard_iterator

    def get_shard_iterator(self, *args, **kwargs):
        forget_expired(self)
        return orig_get_shard_iterator(self, *args, **kwargs)

    def get_records(self, iterator_arn, limit):
        forget_expired(self)
        iterator = self.shard_iterators.pop(iterator_arn, None)
        if iterator is None:
            raise JsonRESTError(
                "ExpiredIteratorException",
                "Iterator expired or already used: GetRecords returns the next iterator to use.",
            )
        return iterator.get(limit)

    StreamShard.add = add
    StreamShard.get = get
    ShardIterator.__init__ = iterator_init
    DynamoDBStreamsBackend.get_shard_iterator = get_shard_iterator
    DynamoDBStreamsBackend.get_records = get_records


# ---------------------------------------------------------------------------------------
# Patch F (answers): moto 5.2.x serialises every answer by walking botocore's output shape
# member by member (moto/core/serialize.py): about 5 ms per item on a quiet machine, so a
# 50-item Query page costs a quarter of a second, whatever the table size. The answers
# of the item reads (Query, Scan, GetItem, BatchGetItem) are already in wire form once
# moto's DynamoResult has converted them (attribute values as {type: value}, binaries as
# bytes), so we write them with json.dumps, binaries in base64, as the serializer does.
# Anything else (errors, other operations, a value json cannot write) goes through moto's
# serializer as before. launcher_test.py compares both on every attribute type.
# ---------------------------------------------------------------------------------------

FAST_ANSWERS = frozenset({"Query", "Scan", "GetItem", "BatchGetItem"})


class NotWire(Exception):
    """A value the fast path does not write; moto's serializer does."""


def wire(value):
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("utf-8")
    raise NotWire


def patch_answers():
    from moto import settings
    from moto.dynamodb.responses import DynamoHandler

    require(DynamoHandler, "serialized", "_get_action")
    orig_serialized = DynamoHandler.serialized

    def serialized(self, action_result):
        result = action_result.result
        if isinstance(result, dict) and not settings.PRETTIFY_RESPONSES and self._get_action() in FAST_ANSWERS:
            try:
                body = json.dumps(result, default=wire)
            except (NotWire, TypeError, ValueError):
                pass
            else:
                headers = {"Content-Type": "application/x-amz-json-1.0"}
                headers.update(self.response_headers)
                return 200, headers, body
        return orig_serialized(self, action_result)

    DynamoHandler.serialized = serialized


# ---------------------------------------------------------------------------------------
# Patch G (tracking): moto 5.2.x's BaseModel.__new__ appends every model instance ever
# created to its class's `instances_tracked` list, for the /moto-api/data.json dashboard.
# Nothing removes them. For DynamoDB that is every Item ever written, every copy of one
# (each Query page, each update's previous value), every stream record and every shard
# iterator, and every table ever deleted with all its items; for SQS, every message ever
# sent. Memory grows with every request (stock moto reached 2 GB after 255 transactions on
# a 1,000-item table, its table copies all kept). We stop tracking those classes; the
# dashboard no longer lists them, and nothing else reads the lists.
# ---------------------------------------------------------------------------------------


def untracked_new(cls, *args, **kwargs):
    return object.__new__(cls)


def patch_tracking():
    import moto.dynamodb.models  # noqa: F401 - registers the models
    import moto.dynamodbstreams.models  # noqa: F401
    from moto.core.common_models import BaseModel
    from moto.core.model_instances import model_data
    from moto.sqs.models import Message

    require(BaseModel, "__new__")
    classes = [Message]
    for service in ("dynamodb", "dynamodbstreams"):
        classes.extend(model_data.get(service, {}).values())
    for cls in classes:
        if not hasattr(cls, "instances_tracked"):
            raise RuntimeError("moto %s: %s no longer tracks instances; update patch_tracking" % (moto_version(), cls.__name__))
        cls.__new__ = staticmethod(untracked_new)
        cls.instances_tracked = []


# ---------------------------------------------------------------------------------------
# Patch A (lock): moto 5.2.x serves requests on one thread each (werkzeug threaded=True)
# and its DynamoDB backend has no locking at all. Reads iterate dicts that writers change
# (RuntimeError: dictionary changed size during iteration, HTTP 500), a conditional write
# reads then writes with other requests in between (lost updates: conditions are not
# atomic), and a transaction interleaves with other writes.
#
# We hold one lock around every DynamoDB and DynamoDB Streams action (the handler method
# that reads the request, calls the backend and builds the answer), and around every
# public backend method and table write (other services and moto's import thread call
# them directly). It is re-entrant, so nested calls are free. Serialising the answer
# happens after the lock is released: by then the answer is detached from the tables
# (moto's DynamoResult converts it to new dicts; errors are dumped to strings when
# raised; stream records are never changed once written).
# ---------------------------------------------------------------------------------------


def patch_lock():
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler
    from moto.dynamodbstreams.models import DynamoDBStreamsBackend
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    require(DynamoHandler, "query", "transact_write_items", "get_item")
    require(DynamoDBStreamsHandler, "get_records")
    not_actions = {"call_action", "get_endpoint_name", "serialized", "setup_class", "dispatch"}
    for cls in (DynamoHandler, DynamoDBStreamsHandler):
        for name, value in list(vars(cls).items()):
            if name.startswith("_") or name in not_actions or not inspect.isfunction(value):
                continue
            setattr(cls, name, locked(value))
    for cls in (DynamoDBBackend, DynamoDBStreamsBackend):
        for name, value in list(vars(cls).items()):
            # Not reset: moto's reset holds its own backend lock, and requests take that
            # one inside ours; taking ours inside it would deadlock.
            if name.startswith("_") or name == "reset" or not inspect.isfunction(value):
                continue
            setattr(cls, name, locked(value))
    for name in ("put_item", "delete_item", "get_item", "query", "scan", "all_items"):
        setattr(Table, name, locked(getattr(Table, name)))


# ---------------------------------------------------------------------------------------
# Patch H (event targets): moto 5.2.x fills every rule target's input (EventTemplateParser)
# through jsonpath_ng and parses each JSONPath expression again for every event and every
# target, and jsonpath_ng builds its grammar tables on every parse (about 50 ms). One
# PutEvents whose event matched a rule with an SQS target took about 0.2 s, and publishing
# 300 events about 100 s. A parsed expression is immutable: we cache them by their text,
# so the answers are the same and the cost is paid once per expression.
# ---------------------------------------------------------------------------------------


def patch_event_templates():
    import functools

    import jsonpath_ng.ext
    from moto.events.utils import EventTemplateParser

    require(EventTemplateParser, "parse")
    require(jsonpath_ng.ext, "parse")
    # EventTemplateParser.parse imports jsonpath_ng.ext.parse at each call, so replacing
    # the module's attribute is enough.
    jsonpath_ng.ext.parse = functools.lru_cache(maxsize=512)(jsonpath_ng.ext.parse)


PATCHES = (
    ("partitions", patch_partitions),
    ("query", patch_query),
    ("transactions", patch_transactions),
    ("streams", patch_streams),
    ("answers", patch_answers),
    ("tracking", patch_tracking),
    ("event-templates", patch_event_templates),
    ("lock", patch_lock),  # last: it wraps what the others installed
)


def apply_patches():
    version = moto_version()
    if not version.startswith(TARGET_VERSIONS):
        log(
            "warning: moto %s is installed; these patches were written for moto %s. "
            "They check what they replace, but run the tests before trusting them."
            % (version, ", ".join(v + "x" for v in TARGET_VERSIONS))
        )
    for _, patch in PATCHES:
        patch()
    return version


def main(argv):
    try:
        import moto  # noqa: F401
        from moto.server import main as server_main
    except ImportError as e:
        sys.stderr.write(
            PREFIX + "moto is not importable by %s: %s. Install it for this interpreter: "
            "pip install 'moto[server]'\n" % (sys.executable, e)
        )
        return 3
    patch_only = "--patch-only" in argv
    argv = [a for a in argv if a != "--patch-only"]
    try:
        version = apply_patches()
    except RuntimeError as e:
        sys.stderr.write(PREFIX + str(e) + "\n")
        return 4
    log("moto %s with patches: %s" % (version, ", ".join(name for name, _ in PATCHES)))
    if patch_only:
        return 0
    server_main(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
