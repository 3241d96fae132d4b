/* fuzz_request: the whole request path under libFuzzer.
 *
 * Input: the operation name, a newline, then the JSON body (ApplyRecords:
 * its body of bytes); without a newline the input is the name and the body
 * is empty.  The name is sent after its API's target prefix
 * ("DynamoDBStreams_20120810." for the Streams operations,
 * REPLICATION_TARGET_PREFIX for ApplyChanges, ApplyRecords, SetGroup and
 * Settings, "DynamoDB_20120810." for the others); a name with a
 * dot is the whole X-Amz-Target.  Each input is dispatched in-process as
 * the server would (api_dispatch, waiting for the writer's completion of a
 * pending write) against an in-memory environment holding fixture tables
 * of every key shape, one with a stream, so that validation, execution and
 * rendering all run against real tables and streams.
 *
 * Stream identifiers are not known when inputs are written: in the body,
 * @STREAM_ARN@, @SHARD_ID@, @SHARD_ITERATOR@ and @SEQUENCE@ stand for the
 * latest stream of fz_s, one of its shards, a TRIM_HORIZON iterator of
 * that shard and a record's sequence number in it (the shard's starting
 * one when it has none), looked up through the api just before dispatch;
 * @NOW@ stands for the current time in epoch seconds, so that items can
 * carry a TTL value that expires; @BACKUP_ARN@ for a backup of fz_idx and
 * @EXPORT_ARN@ for a finished export of fz_s, both made (again) by the
 * target when missing.
 * The mutator sees the placeholders, so it damages them as any text.
 *
 * Whatever the request, the answer must be the service's: status 200 or
 * 400, a body that parses as a JSON object, and for an error a known
 * `__type` (never InternalServerError; for the TTL and Streams operations
 * one their model declares, or a validation or serialization error) with a
 * message wherever the service gives one.  Anything else aborts; a hang trips libFuzzer's -timeout
 * and a leak its leak checker.  With FUZZ_REQUEST_VERBOSE set, each answer is printed.
 *
 * Long values are spelled compactly so that inputs stay small: in a body
 * that parses, a string "\u0001<n>*<s>" stands for <s> repeated n times; an
 * array whose first element is "\u0001<n>*" for its other elements
 * repeated up to n elements ("\u0001<n>#": strings among them numbered,
 * "a0", "a1"..., so that they differ); an object member whose key is
 * "\u0001<n>*<k>" for n members <k>0, <k>1, ... with its value.
 *
 * Backups, point-in-time recovery and exports run for real: the items
 * stay in memory, but the backup store and the exports' records are in a
 * temporary directory made for the run, exports write to the bucket
 * below, fz_s and fz_idx have PITR on (turned on again when an input
 * turns it off), and a backup of fz_idx and an export of fz_s exist, so
 * that restores (to new names, from a backup or to a point in time) and
 * exports copy real tables.  Whatever an input started in the background
 * (a backup copy, an export, an import, a restore or a backfill on the
 * writer) has finished before the next input runs.
 *
 * ImportTable reads from a bucket made for the run: "fz-bucket" under a
 * temporary export root, holding small sources of every format and
 * compression, each with a bad line (fz/in/: CSV, gzip and plain; fz/json/:
 * DynamoDB JSON; fz/ion/: ION; fz/zstd/: zstd, one frame cut short), so
 * that an import creates its table, fills it and fails or completes.
 *
 * Three peer regions are configured (eu-west-1, -2, -3) at an address
 * that refuses connections: replicas can be added and removed, and the
 * writes to a global table are recorded for shipping.
 *
 * A request must also be answered in time: one call taking longer than
 * FUZZ_REQUEST_SLOW_MS (default 8000) aborts, so that work growing faster
 * than the request (pairwise comparisons of names) shows up.
 *
 * The custom mutator works on the JSON tree: it drops, nulls, retypes,
 * duplicates, inflates, nests or renames a node at any depth, then writes
 * the tree back; now and then it mutates the raw bytes instead.
 */
#include <ftw.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "api.h"
#include "background.h"
#include "backup.h"
#include "catalog.h"
#include "export.h"
#include "json.h"
#include "regions.h"
#include "replication.h"
#include "storage.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1, const uint8_t *data2,
                                 size_t size2, uint8_t *out, size_t max_out_size,
                                 unsigned int seed);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

#define TARGET_PREFIX "DynamoDB_20120810."
#define STREAMS_PREFIX "DynamoDBStreams_20120810."
/* Fixtures are re-created from scratch this often, bounding the data. */
#define RESET_EVERY 2000
/* Expansion of the compact spellings, per input. */
/* Enough for a few values over the 400 KB item limit; more only slows the
 * fuzzer down (a megabyte body costs tens of milliseconds instrumented). */
#define EXPAND_MAX_BYTES (1200u << 10)
#define EXPAND_MAX_COUNT 20000u

/* Error types, as indexes into error_types[]. */
enum {
    E_VALIDATION,
    E_SERIALIZATION,
    E_UNKNOWN_OPERATION,
    E_NOT_FOUND,
    E_IN_USE,
    E_CONDITION,
    E_LIMIT,
    E_COLLECTION,
    E_CANCELED,
    E_IDEMPOTENT,
    E_EXPIRED,
    E_TRIMMED,
    E_ACCESS_DENIED,
    E_POLICY_NOT_FOUND,
    E_TABLE_NOT_FOUND,
    E_TABLE_EXISTS,
    E_TABLE_IN_USE,
    E_BACKUP_NOT_FOUND,
    E_BACKUP_IN_USE,
    E_BACKUPS_UNAVAILABLE,
    E_DUPLICATE_ITEM,
    E_PITR_UNAVAILABLE,
    E_INVALID_RESTORE_TIME,
    E_INVALID_EXPORT_TIME,
    E_EXPORT_CONFLICT,
    E_EXPORT_NOT_FOUND,
    E_IMPORT_CONFLICT,
    E_IMPORT_NOT_FOUND,
    E_GLOBAL_TABLE_NOT_FOUND,
};
#define BIT(e) (1u << (e))
/* What a DynamoDB operation may answer beyond a validation or a
 * serialization error (not told apart per operation). */
#define TABLE_ERRORS                                                                               \
    (BIT(E_NOT_FOUND) | BIT(E_IN_USE) | BIT(E_CONDITION) | BIT(E_LIMIT) | BIT(E_COLLECTION) |      \
     BIT(E_CANCELED) | BIT(E_IDEMPOTENT))

/* The operations, each with the errors it may answer (its model's). */
static const struct {
    const char *prefix, *name;
    unsigned errors;
} operations[] = {
    {TARGET_PREFIX, "CreateTable", TABLE_ERRORS},
    {TARGET_PREFIX, "DeleteTable", TABLE_ERRORS},
    {TARGET_PREFIX, "DescribeTable", TABLE_ERRORS},
    {TARGET_PREFIX, "ListTables", TABLE_ERRORS},
    {TARGET_PREFIX, "UpdateTable", TABLE_ERRORS},
    {TARGET_PREFIX, "PutItem", TABLE_ERRORS},
    {TARGET_PREFIX, "GetItem", TABLE_ERRORS},
    {TARGET_PREFIX, "DeleteItem", TABLE_ERRORS},
    {TARGET_PREFIX, "UpdateItem", TABLE_ERRORS},
    {TARGET_PREFIX, "BatchGetItem", TABLE_ERRORS},
    {TARGET_PREFIX, "BatchWriteItem", TABLE_ERRORS},
    {TARGET_PREFIX, "TransactWriteItems", TABLE_ERRORS},
    {TARGET_PREFIX, "TransactGetItems", TABLE_ERRORS},
    {TARGET_PREFIX, "Query", TABLE_ERRORS},
    {TARGET_PREFIX, "Scan", TABLE_ERRORS},
    /* PartiQL: an INSERT of an existing key is DuplicateItemException */
    {TARGET_PREFIX, "ExecuteStatement", TABLE_ERRORS | BIT(E_DUPLICATE_ITEM)},
    {TARGET_PREFIX, "BatchExecuteStatement", TABLE_ERRORS},
    {TARGET_PREFIX, "ExecuteTransaction", TABLE_ERRORS},
    {TARGET_PREFIX, "UpdateTimeToLive", BIT(E_NOT_FOUND) | BIT(E_IN_USE) | BIT(E_LIMIT)},
    {TARGET_PREFIX, "DescribeTimeToLive", BIT(E_NOT_FOUND)},
    /* tags: a foreign account's ARN is AccessDeniedException */
    {TARGET_PREFIX, "TagResource", BIT(E_NOT_FOUND) | BIT(E_IN_USE) | BIT(E_LIMIT) |
                                       BIT(E_ACCESS_DENIED)},
    {TARGET_PREFIX, "UntagResource", BIT(E_NOT_FOUND) | BIT(E_IN_USE) | BIT(E_LIMIT) |
                                         BIT(E_ACCESS_DENIED)},
    {TARGET_PREFIX, "ListTagsOfResource", BIT(E_NOT_FOUND) | BIT(E_ACCESS_DENIED)},
    {TARGET_PREFIX, "PutResourcePolicy",
     BIT(E_NOT_FOUND) | BIT(E_IN_USE) | BIT(E_LIMIT) | BIT(E_POLICY_NOT_FOUND)},
    {TARGET_PREFIX, "GetResourcePolicy", BIT(E_NOT_FOUND) | BIT(E_POLICY_NOT_FOUND)},
    {TARGET_PREFIX, "DeleteResourcePolicy",
     BIT(E_NOT_FOUND) | BIT(E_IN_USE) | BIT(E_LIMIT) | BIT(E_POLICY_NOT_FOUND)},
    /* backups, point-in-time recovery and exports: their stores are in a
     * directory made for the run (PITR off on an input's table:
     * PointInTimeRecoveryUnavailableException) */
    {TARGET_PREFIX, "CreateBackup",
     BIT(E_TABLE_NOT_FOUND) | BIT(E_TABLE_IN_USE) | BIT(E_BACKUP_IN_USE) | BIT(E_LIMIT)},
    {TARGET_PREFIX, "DescribeBackup", BIT(E_BACKUP_NOT_FOUND)},
    {TARGET_PREFIX, "DeleteBackup", BIT(E_BACKUP_NOT_FOUND) | BIT(E_BACKUP_IN_USE) | BIT(E_LIMIT)},
    {TARGET_PREFIX, "ListBackups", 0},
    {TARGET_PREFIX, "RestoreTableFromBackup",
     BIT(E_TABLE_EXISTS) | BIT(E_TABLE_IN_USE) | BIT(E_BACKUP_NOT_FOUND) | BIT(E_BACKUP_IN_USE) |
         BIT(E_LIMIT)},
    {TARGET_PREFIX, "UpdateContinuousBackups", BIT(E_TABLE_NOT_FOUND)},
    {TARGET_PREFIX, "DescribeContinuousBackups", BIT(E_TABLE_NOT_FOUND)},
    {TARGET_PREFIX, "RestoreTableToPointInTime",
     BIT(E_TABLE_EXISTS) | BIT(E_TABLE_NOT_FOUND) | BIT(E_TABLE_IN_USE) | BIT(E_LIMIT) |
         BIT(E_PITR_UNAVAILABLE) | BIT(E_INVALID_RESTORE_TIME)},
    {TARGET_PREFIX, "ExportTableToPointInTime",
     BIT(E_TABLE_NOT_FOUND) | BIT(E_PITR_UNAVAILABLE) | BIT(E_LIMIT) | BIT(E_INVALID_EXPORT_TIME) |
         BIT(E_EXPORT_CONFLICT)},
    {TARGET_PREFIX, "DescribeExport", BIT(E_EXPORT_NOT_FOUND) | BIT(E_LIMIT)},
    {TARGET_PREFIX, "ListExports", BIT(E_LIMIT)},
    {TARGET_PREFIX, "ImportTable", BIT(E_IN_USE) | BIT(E_LIMIT) | BIT(E_IMPORT_CONFLICT)},
    {TARGET_PREFIX, "DescribeImport", BIT(E_IMPORT_NOT_FOUND) | BIT(E_LIMIT)},
    {TARGET_PREFIX, "ListImports", BIT(E_LIMIT)},
    {TARGET_PREFIX, "UpdateContributorInsights", BIT(E_NOT_FOUND)},
    {TARGET_PREFIX, "DescribeContributorInsights", BIT(E_NOT_FOUND)},
    {TARGET_PREFIX, "ListContributorInsights", BIT(E_NOT_FOUND)},
    {TARGET_PREFIX, "DescribeEndpoints", 0},
    {TARGET_PREFIX, "DescribeLimits", 0},
    /* global tables: the legacy version is refused, or its names unknown */
    {TARGET_PREFIX, "CreateGlobalTable", 0},
    {TARGET_PREFIX, "UpdateGlobalTable", BIT(E_GLOBAL_TABLE_NOT_FOUND)},
    {TARGET_PREFIX, "DescribeGlobalTable", BIT(E_GLOBAL_TABLE_NOT_FOUND)},
    {TARGET_PREFIX, "ListGlobalTables", 0},
    {TARGET_PREFIX, "DescribeGlobalTableSettings", BIT(E_GLOBAL_TABLE_NOT_FOUND)},
    {TARGET_PREFIX, "UpdateGlobalTableSettings", BIT(E_GLOBAL_TABLE_NOT_FOUND)},
    {TARGET_PREFIX, "DescribeTableReplicaAutoScaling", BIT(E_NOT_FOUND)},
    {TARGET_PREFIX, "UpdateTableReplicaAutoScaling", BIT(E_NOT_FOUND)},
    /* what replicas in other regions call on each other */
    {REPLICATION_TARGET_PREFIX, "ApplyChanges", BIT(E_NOT_FOUND)},
    {REPLICATION_TARGET_PREFIX, "ApplyRecords", BIT(E_NOT_FOUND)},
    /* a first replica of one table more than the server keeps groups of */
    {REPLICATION_TARGET_PREFIX, "SetGroup", BIT(E_NOT_FOUND) | BIT(E_LIMIT)},
    {REPLICATION_TARGET_PREFIX, "Settings", BIT(E_NOT_FOUND)},
    {STREAMS_PREFIX, "ListStreams", BIT(E_NOT_FOUND)},
    {STREAMS_PREFIX, "DescribeStream", BIT(E_NOT_FOUND)},
    {STREAMS_PREFIX, "GetShardIterator", BIT(E_NOT_FOUND) | BIT(E_TRIMMED)},
    {STREAMS_PREFIX, "GetRecords",
     BIT(E_NOT_FOUND) | BIT(E_LIMIT) | BIT(E_EXPIRED) | BIT(E_TRIMMED)},
};
#define N_OPERATIONS (sizeof operations / sizeof operations[0])

/* Every key shape: hash-only S (on demand, with a stream of both images,
 * TTL on "exp" and point-in-time recovery), hash N + range B (provisioned, with a GSI), hash S +
 * range N with an LSI and GSIs (on demand, point-in-time recovery), hash-only B (provisioned). */
static const struct {
    const char *name;
    const char *create;
    const char *ttl; /* UpdateTimeToLive after the creation, or NULL */
    bool pitr;       /* point-in-time recovery kept on */
} fixtures[] = {
    {"fz_s",
     "{\"TableName\":\"fz_s\",\"BillingMode\":\"PAY_PER_REQUEST\","
     "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
     "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
     "\"StreamSpecification\":{\"StreamEnabled\":true,"
     "\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}}",
     "{\"TableName\":\"fz_s\",\"TimeToLiveSpecification\":{\"Enabled\":true,"
     "\"AttributeName\":\"exp\"}}",
     true},
    {"fz_nb",
     "{\"TableName\":\"fz_nb\","
     "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":5,\"WriteCapacityUnits\":5},"
     "\"AttributeDefinitions\":[{\"AttributeName\":\"h\",\"AttributeType\":\"N\"},"
     "{\"AttributeName\":\"r\",\"AttributeType\":\"B\"},"
     "{\"AttributeName\":\"g\",\"AttributeType\":\"S\"}],"
     "\"KeySchema\":[{\"AttributeName\":\"h\",\"KeyType\":\"HASH\"},"
     "{\"AttributeName\":\"r\",\"KeyType\":\"RANGE\"}],"
     "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"gnb\",\"KeySchema\":["
     "{\"AttributeName\":\"g\",\"KeyType\":\"HASH\"}],"
     "\"Projection\":{\"ProjectionType\":\"ALL\"},"
     "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":5,\"WriteCapacityUnits\":5}}]}",
     NULL},
    {"fz_idx",
     "{\"TableName\":\"fz_idx\",\"BillingMode\":\"PAY_PER_REQUEST\","
     "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},"
     "{\"AttributeName\":\"sk\",\"AttributeType\":\"N\"},"
     "{\"AttributeName\":\"ls\",\"AttributeType\":\"S\"},"
     "{\"AttributeName\":\"gh\",\"AttributeType\":\"S\"},"
     "{\"AttributeName\":\"gr\",\"AttributeType\":\"N\"},"
     "{\"AttributeName\":\"gb\",\"AttributeType\":\"B\"}],"
     "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},"
     "{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],"
     "\"LocalSecondaryIndexes\":[{\"IndexName\":\"lsi\",\"KeySchema\":["
     "{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"ls\",\"KeyType\":"
     "\"RANGE\"}],\"Projection\":{\"ProjectionType\":\"ALL\"}}],"
     "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"gsi\",\"KeySchema\":["
     "{\"AttributeName\":\"gh\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"gr\",\"KeyType\":"
     "\"RANGE\"}],\"Projection\":{\"ProjectionType\":\"INCLUDE\",\"NonKeyAttributes\":[\"a\"]}},"
     "{\"IndexName\":\"gsik\",\"KeySchema\":[{\"AttributeName\":\"gb\",\"KeyType\":\"HASH\"}],"
     "\"Projection\":{\"ProjectionType\":\"KEYS_ONLY\"}},"
     "{\"IndexName\":\"gmk\",\"KeySchema\":[{\"AttributeName\":\"gh\",\"KeyType\":\"HASH\"},"
     "{\"AttributeName\":\"gb\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"gr\",\"KeyType\":"
     "\"RANGE\"},{\"AttributeName\":\"ls\",\"KeyType\":\"RANGE\"}],"
     "\"Projection\":{\"ProjectionType\":\"KEYS_ONLY\"}}]}",
     NULL, true},
    {"fz_b",
     "{\"TableName\":\"fz_b\","
     "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":1,\"WriteCapacityUnits\":1},"
     "\"AttributeDefinitions\":[{\"AttributeName\":\"b\",\"AttributeType\":\"B\"}],"
     "\"KeySchema\":[{\"AttributeName\":\"b\",\"KeyType\":\"HASH\"}]}",
     NULL},
};
#define N_FIXTURES (sizeof fixtures / sizeof fixtures[0])

static void fail(const char *what, const char *op, size_t op_len, const buf_t *out)
{
    fprintf(stderr, "fuzz_request: %s (operation %.*s)\nresponse: %.*s\n", what,
            (int)(op_len > 200 ? 200 : op_len), op, (int)(out->len > 2000 ? 2000 : out->len),
            out->data ? out->data : "");
    abort();
}

/* --- calling the api ----------------------------------------------------------------- */

static api_thread_t *thread;
static bool verbose;          /* FUZZ_REQUEST_VERBOSE: print each answer */
static double slow_ms = 8000; /* under -timeout=10 of fuzz.sh: a clearer report */
static arena_t *call_arena;
static buf_t response;

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
} completion = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};

/* The writer thread finished a pending call. */
static void call_done(api_call_t *call)
{
    pthread_mutex_lock(&completion.lock);
    completion.done = true;
    pthread_cond_signal(&completion.cond);
    pthread_mutex_unlock(&completion.lock);
}

/* The operation an input's name stands for: its name, or with a dot its
 * whole target; -1 if none. */
static int operation_index(const char *op, size_t len)
{
    bool whole = memchr(op, '.', len) != NULL;
    for (size_t i = 0; i < N_OPERATIONS; i++) {
        size_t plen = whole ? strlen(operations[i].prefix) : 0, nlen = strlen(operations[i].name);
        if (len == plen + nlen && memcmp(op, operations[i].prefix, plen) == 0 &&
            memcmp(op + plen, operations[i].name, nlen) == 0)
            return (int)i;
    }
    return -1;
}

/* The X-Amz-Target of an input's operation name. */
static char *target_of(arena_t *a, const char *op, size_t op_len, size_t *len)
{
    int i = operation_index(op, op_len);
    const char *prefix = memchr(op, '.', op_len) ? ""
                         : i >= 0                ? operations[i].prefix
                                                 : TARGET_PREFIX;
    size_t plen = strlen(prefix);
    char *target = arena_alloc(a, plen + op_len + 1);
    memcpy(target, prefix, plen);
    memcpy(target + plen, op, op_len);
    target[plen + op_len] = '\0';
    *len = plen + op_len;
    return target;
}

/* Dispatch one call as the server does; the response is in `response`.
 * call_arena must stay untouched until the response has been checked. */
static int call(const char *op, size_t op_len, const char *body, size_t body_len)
{
    size_t target_len;
    char *target = target_of(call_arena, op, op_len, &target_len);
    /* ApplyRecords takes a body of bytes, under its own Content-Type */
    static const char records[] = REPLICATION_TARGET_PREFIX "ApplyRecords";
    bool bytes = target_len == sizeof records - 1 && !memcmp(target, records, target_len);
    const char *content_type = bytes ? REPLICATION_RECORDS_TYPE : "application/x-amz-json-1.0";
    response.len = 0;
    api_call_t c = {
        .arena = call_arena,
        .thread = thread,
        .target = target,
        .target_len = target_len,
        .content_type = content_type,
        .content_type_len = strlen(content_type),
        .has_authorization = true,
        .body = body,
        .body_len = body_len,
        .http_status = 200,
        .out = &response,
        .on_complete = call_done,
    };
    completion.done = false;
    if (api_dispatch(&c) == API_PENDING) {
        pthread_mutex_lock(&completion.lock);
        while (!completion.done)
            pthread_cond_wait(&completion.cond, &completion.lock);
        pthread_mutex_unlock(&completion.lock);
    }
    return c.http_status;
}

static int call_str(const char *op, const char *body)
{
    return call(op, strlen(op), body, strlen(body));
}

/* --- fixtures ------------------------------------------------------------------------- */

static void create_fixture(size_t i)
{
    arena_reset(call_arena);
    if (call_str("CreateTable", fixtures[i].create) != 200)
        fail("cannot create a fixture table", "CreateTable", 11, &response);
    arena_reset(call_arena);
    if (fixtures[i].ttl && call_str("UpdateTimeToLive", fixtures[i].ttl) != 200)
        fail("cannot enable TTL on a fixture table", "UpdateTimeToLive", 16, &response);
}

static void ensure_saved_fixtures(void);
static void wait_background(void);

/* Point-in-time recovery back on a fixture that should have it (an input
 * may have turned it off; a table busy with an input's change refuses: the
 * next input tries again). */
static void enable_pitr(size_t i)
{
    char body[160];
    snprintf(body, sizeof body,
             "{\"TableName\":\"%s\",\"PointInTimeRecoverySpecification\":"
             "{\"PointInTimeRecoveryEnabled\":true}}",
             fixtures[i].name);
    arena_reset(call_arena);
    call_str("UpdateContinuousBackups", body);
    wait_background(); /* its first base snapshot */
}

/* Re-create the fixtures a previous input deleted or changed. */
static void ensure_fixtures(void)
{
    for (size_t i = 0; i < N_FIXTURES; i++) {
        table_t *t = catalog_acquire(fixtures[i].name, strlen(fixtures[i].name));
        bool pitr = t && t->pitr_enabled;
        if (t)
            catalog_release(t);
        else
            create_fixture(i);
        if (fixtures[i].pitr && !pitr) enable_pitr(i);
    }
    ensure_saved_fixtures();
}

static void delete_backups(void);

/* Drop every table (fixtures and whatever the inputs created) and every
 * backup that can be deleted, then create the fixtures afresh. */
static void reset_tables(void)
{
    arena_t *a = arena_new(0);
    const char **names;
    bool more;
    size_t n = catalog_list(a, NULL, SIZE_MAX, &names, &more);
    for (size_t i = 0; i < n; i++) {
        buf_t body;
        buf_init(&body);
        buf_append_str(&body, "{\"TableName\":");
        json_write_string(&body, names[i], strlen(names[i]));
        buf_append_str(&body, ",\"DeletionProtectionEnabled\":false}");
        arena_reset(call_arena);
        call("UpdateTable", 11, body.data, body.len); /* protection off, if it was on */
        /* a table an import is filling is in use until the import ends
         * (its sources are a few lines: milliseconds) */
        int status = 0;
        for (int tries = 0; tries < 500; tries++) {
            arena_reset(call_arena);
            status = call("DeleteTable", 11, body.data, body.len);
            if (status == 200 || !memmem(response.data, response.len, "ResourceInUse", 13)) break;
            usleep(10000);
        }
        if (status != 200 && !memmem(response.data, response.len, "acted as a source region", 24))
            fail("cannot delete a table", "DeleteTable", 11, &response);
        buf_free(&body);
    }
    arena_free(a);
    delete_backups();
    ensure_fixtures();
}

/* --- live stream identifiers --------------------------------------------------------- */

enum {
    LIVE_ARN,
    LIVE_SHARD,
    LIVE_ITERATOR,
    LIVE_SEQUENCE,
    LIVE_NOW,
    LIVE_BACKUP,
    LIVE_EXPORT,
    N_LIVE
};
static const char *const placeholders[N_LIVE] = {"@STREAM_ARN@", "@SHARD_ID@", "@SHARD_ITERATOR@",
                                                 "@SEQUENCE@",   "@NOW@",      "@BACKUP_ARN@",
                                                 "@EXPORT_ARN@"};
/* What each identifier is looked up from (-1: nothing). */
static const int live_needs[N_LIVE] = {-1, LIVE_ARN, LIVE_SHARD, LIVE_ITERATOR, -1, -1, -1};

/* The fixture backup (of fz_idx) and the fixture export (of fz_s, finished),
 * made by ensure_saved_fixtures; NULL while they cannot be. */
static char *fixture_backup_arn, *fixture_export_arn;

typedef struct {
    const char *value[N_LIVE];
    bool tried[N_LIVE];
    const char *shard_start; /* StartingSequenceNumber of the shard */
    size_t pick;             /* which shard: the input's, so that it is stable */
} live_t;

/* The answer to a helper call as a tree (strings copied out of the
 * response buffer, which the next call reuses), or NULL unless 200. */
static json_value_t *call_json(const char *op, const buf_t *body)
{
    json_value_t *doc;
    if (call(op, strlen(op), body->data, body->len) != 200 ||
        json_parse(call_arena, response.data, response.len, &doc, NULL) != JSON_OK)
        return NULL;
    return doc;
}

static const char *string_of(const json_value_t *v)
{
    return v && v->type == JSON_STRING ? arena_strndup(call_arena, v->u.str.ptr, v->u.str.len)
                                       : NULL;
}

static const json_value_t *member(const json_value_t *v, const char *name)
{
    return v && v->type == JSON_OBJECT ? json_object_get(v, name) : NULL;
}

static const json_value_t *element(const json_value_t *v, size_t i)
{
    return v && v->type == JSON_ARRAY && i < v->u.array.count ? v->u.array.items[i] : NULL;
}

/* {"<name>":"<value>",...} from pairs of names and values. */
static void body_of(buf_t *b, const char *const *pairs, size_t n)
{
    b->len = 0;
    buf_append_str(b, "{");
    for (size_t i = 0; i + 1 < n; i += 2) {
        if (i) buf_append_str(b, ",");
        json_write_string(b, pairs[i], strlen(pairs[i]));
        buf_append_str(b, ":");
        json_write_string(b, pairs[i + 1], strlen(pairs[i + 1]));
    }
    buf_append_str(b, "}");
}

/* Look up identifier k (and those it needs); NULL when the stream is gone. */
static const char *live_get(live_t *l, int k)
{
    if (l->tried[k]) return l->value[k];
    l->tried[k] = true;
    if (live_needs[k] >= 0 && !live_get(l, live_needs[k])) return NULL;
    buf_t b;
    buf_init(&b);
    const json_value_t *doc;
    switch (k) {
    case LIVE_ARN:
        body_of(&b, (const char *[]){"TableName", "fz_s"}, 2);
        doc = call_json("DescribeTable", &b);
        l->value[k] = string_of(member(member(doc, "Table"), "LatestStreamArn"));
        break;
    case LIVE_SHARD: {
        body_of(&b, (const char *[]){"StreamArn", l->value[LIVE_ARN]}, 2);
        doc = call_json("DescribeStream", &b);
        const json_value_t *shards = member(member(doc, "StreamDescription"), "Shards");
        size_t n = shards && shards->type == JSON_ARRAY ? shards->u.array.count : 0;
        const json_value_t *shard = element(shards, n ? l->pick % n : 0);
        l->value[k] = string_of(member(shard, "ShardId"));
        l->shard_start =
            string_of(member(member(shard, "SequenceNumberRange"), "StartingSequenceNumber"));
        break;
    }
    case LIVE_ITERATOR:
        body_of(&b,
                (const char *[]){"StreamArn", l->value[LIVE_ARN], "ShardId", l->value[LIVE_SHARD],
                                 "ShardIteratorType", "TRIM_HORIZON"},
                6);
        l->value[k] = string_of(member(call_json("GetShardIterator", &b), "ShardIterator"));
        break;
    case LIVE_NOW: l->value[k] = arena_sprintf(call_arena, "%lld", (long long)time(NULL)); break;
    case LIVE_BACKUP: l->value[k] = fixture_backup_arn; break;
    case LIVE_EXPORT: l->value[k] = fixture_export_arn; break;
    default: {
        body_of(&b, (const char *[]){"ShardIterator", l->value[LIVE_ITERATOR]}, 2);
        const json_value_t *first = element(member(call_json("GetRecords", &b), "Records"), 0);
        l->value[k] = string_of(member(member(first, "dynamodb"), "SequenceNumber"));
        if (!l->value[k]) l->value[k] = l->shard_start;
        break;
    }
    }
    buf_free(&b);
    return l->value[k];
}

/* The body with its placeholders replaced by live identifiers (those that
 * cannot be found stay as they are); the body itself when it has none. */
static const char *live_replace(const char *body, size_t len, size_t *out_len)
{
    bool any = false;
    for (int k = 0; k < N_LIVE && !any; k++)
        any = memmem(body, len, placeholders[k], strlen(placeholders[k])) != NULL;
    *out_len = len;
    if (!any) return body;
    live_t l = {.pick = len};
    buf_t b;
    buf_init(&b);
    for (size_t i = 0; i < len;) {
        const char *at = memchr(body + i, '@', len - i);
        size_t n = at ? (size_t)(at - body) - i : len - i;
        buf_append(&b, body + i, n);
        if (!at) break;
        i += n;
        int k = 0;
        size_t plen = 0;
        while (k < N_LIVE && !(len - i >= (plen = strlen(placeholders[k])) &&
                               memcmp(body + i, placeholders[k], plen) == 0))
            k++;
        const char *v = k < N_LIVE ? live_get(&l, k) : NULL;
        if (v) { /* identifiers need no escapes: letters, digits, :/-._|+= */
            buf_append(&b, v, strlen(v));
            i += plen;
        } else {
            buf_append(&b, "@", 1);
            i++;
        }
    }
    arena_reset(call_arena); /* the lookups' answers are done with */
    char *out = arena_strndup(call_arena, b.data, b.len);
    *out_len = b.len;
    buf_free(&b);
    return out;
}

/* --- backups and exports ----------------------------------------------------------- */

/* The backup copies, exports, imports and writer jobs (restores, index
 * backfills) an input started are all finished before the next input, so
 * that an input's answer does not depend on how far earlier ones got. */
static void wait_background(void)
{
    for (;;) {
        bool copies = background_wait_idle();
        bool jobs = storage_wait_jobs();
        if (!copies && !jobs) break;
    }
}

/* The string at member name of the object at member outer of a helper
 * call's answer, copied for the run; NULL unless the call succeeded. */
static char *saved_string(const char *op, const buf_t *body, const char *outer, const char *name)
{
    arena_reset(call_arena);
    const char *v = string_of(member(member(call_json(op, body), outer), name));
    wait_background(); /* the copy, or the export */
    return v ? strdup(v) : NULL;
}

/* The fixture backup again when an input deleted it (or it could not be
 * taken yet), and the fixture export once: backups outlive their table,
 * an export is never deleted. */
static void ensure_saved_fixtures(void)
{
    backup_t *b = fixture_backup_arn ? backup_acquire(fixture_backup_arn) : NULL;
    if (b) {
        backup_release(b);
    } else {
        buf_t body;
        buf_init(&body);
        body_of(&body, (const char *[]){"TableName", "fz_idx", "BackupName", "fz-fixture"}, 4);
        free(fixture_backup_arn);
        fixture_backup_arn = saved_string("CreateBackup", &body, "BackupDetails", "BackupArn");
        buf_free(&body);
    }
    if (!fixture_export_arn) {
        buf_t body;
        buf_init(&body);
        body_of(&body,
                (const char *[]){"TableArn",
                                 "arn:aws:dynamodb:us-east-1:" CATALOG_ACCOUNT ":table/fz_s",
                                 "S3Bucket", "fz-bucket", "S3Prefix", "fz/export"},
                6);
        fixture_export_arn =
            saved_string("ExportTableToPointInTime", &body, "ExportDescription", "ExportArn");
        buf_free(&body);
    }
}

/* Delete the backups an input can delete (the system ones of deleted
 * tables stay until they expire), a page at a time. */
static void delete_backups(void)
{
    buf_t body;
    buf_init(&body);
    body_of(&body, (const char *[]){"BackupType", "USER"}, 2);
    for (int pages = 0; pages < 1000; pages++) {
        arena_reset(call_arena);
        const json_value_t *list = member(call_json("ListBackups", &body), "BackupSummaries");
        size_t n = list && list->type == JSON_ARRAY ? list->u.array.count : 0, deleted = 0;
        const char **arns = arena_alloc(call_arena, (n + 1) * sizeof *arns);
        for (size_t i = 0; i < n; i++)
            arns[i] = string_of(member(element(list, i), "BackupArn"));
        for (size_t i = 0; i < n; i++) {
            if (!arns[i]) continue;
            buf_t del;
            buf_init(&del);
            body_of(&del, (const char *[]){"BackupArn", arns[i]}, 2);
            if (call("DeleteBackup", 12, del.data, del.len) == 200) deleted++;
            buf_free(&del);
        }
        wait_background();
        if (!deleted) break;
    }
    buf_free(&body);
}

/* --- checking the answer -------------------------------------------------------------- */

static const char *const error_types[] = {
    /* in the order of E_* */
    "com.amazon.coral.validate#ValidationException",
    "com.amazon.coral.service#SerializationException",
    "com.amazon.coral.service#UnknownOperationException",
    "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
    "com.amazonaws.dynamodb.v20120810#ResourceInUseException",
    "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
    "com.amazonaws.dynamodb.v20120810#LimitExceededException",
    "com.amazonaws.dynamodb.v20120810#ItemCollectionSizeLimitExceededException",
    "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
    "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
    "com.amazonaws.dynamodb.v20120810#ExpiredIteratorException",
    "com.amazonaws.dynamodb.v20120810#TrimmedDataAccessException",
    "com.amazon.coral.service#AccessDeniedException",
    "com.amazonaws.dynamodb.v20120810#PolicyNotFoundException",
    "com.amazonaws.dynamodb.v20120810#TableNotFoundException",
    "com.amazonaws.dynamodb.v20120810#TableAlreadyExistsException",
    "com.amazonaws.dynamodb.v20120810#TableInUseException",
    "com.amazonaws.dynamodb.v20120810#BackupNotFoundException",
    "com.amazonaws.dynamodb.v20120810#BackupInUseException",
    "com.amazonaws.dynamodb.v20120810#ContinuousBackupsUnavailableException",
    "com.amazonaws.dynamodb.v20120810#DuplicateItemException",
    "com.amazonaws.dynamodb.v20120810#PointInTimeRecoveryUnavailableException",
    "com.amazonaws.dynamodb.v20120810#InvalidRestoreTimeException",
    "com.amazonaws.dynamodb.v20120810#InvalidExportTimeException",
    "com.amazonaws.dynamodb.v20120810#ExportConflictException",
    "com.amazonaws.dynamodb.v20120810#ExportNotFoundException",
    "com.amazonaws.dynamodb.v20120810#ImportConflictException",
    "com.amazonaws.dynamodb.v20120810#ImportNotFoundException",
    "com.amazonaws.dynamodb.v20120810#GlobalTableNotFoundException",
};

static bool string_is(const json_value_t *v, const char *s)
{
    return v && v->type == JSON_STRING && v->u.str.len == strlen(s) &&
           memcmp(v->u.str.ptr, s, v->u.str.len) == 0;
}

static void check_response(const char *op, size_t op_len, bool body_is_object, int status)
{
    json_value_t *doc;
    if (status != 200 && status != 400) fail("status neither 200 nor 400", op, op_len, &response);
    if (json_parse(call_arena, response.data ? response.data : "", response.len, &doc, NULL) !=
        JSON_OK)
        fail("response body is not JSON", op, op_len, &response);
    if (doc->type != JSON_OBJECT) fail("response body is not an object", op, op_len, &response);
    const json_value_t *type = json_object_get(doc, "__type");
    if (status == 200) {
        if (type) fail("a 200 response with a __type", op, op_len, &response);
        return;
    }
    size_t k = 0;
    while (k < sizeof error_types / sizeof error_types[0] && !string_is(type, error_types[k]))
        k++;
    if (k == sizeof error_types / sizeof error_types[0])
        fail("error without a known __type", op, op_len, &response);
    bool unknown_op = k == E_UNKNOWN_OPERATION, serialization = k == E_SERIALIZATION;
    int i = operation_index(op, op_len);
    if (unknown_op && i >= 0)
        fail("a known operation answered UnknownOperationException", op, op_len, &response);
    if (i >= 0 && k > E_UNKNOWN_OPERATION && !(operations[i].errors & BIT(k)))
        fail("an error type the operation does not answer", op, op_len, &response);
    const json_value_t *m = json_object_get(doc, "message");
    if (!m) m = json_object_get(doc, "Message");
    if (m && (m->type != JSON_STRING || m->u.str.len == 0))
        fail("error message not a non-empty string", op, op_len, &response);
    /* Only an unknown operation, and a body that is not a JSON object, are
     * answered without a message. */
    if (!m && !unknown_op && !(serialization && !body_is_object))
        fail("error without a message", op, op_len, &response);
}

/* --- compact spellings ---------------------------------------------------------------- */

typedef struct {
    arena_t *a;
    size_t bytes, count; /* expansion spent so far */
    bool expanded;
} expand_t;

/* "\x01<n>*" or "\x01<n>#" at the start of s: the count n, where the
 * rest starts, and whether copies are numbered ('#'). */
static bool directive(const char *s, size_t len, size_t *n, size_t *rest, bool *numbered)
{
    if (len < 3 || s[0] != '\x01') return false;
    size_t i = 1, v = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9' && v < 100000000)
        v = v * 10 + (size_t)(s[i++] - '0');
    if (i == 1 || i >= len || (s[i] != '*' && s[i] != '#')) return false;
    *n = v;
    *rest = i + 1;
    *numbered = s[i] == '#';
    return true;
}

static json_value_t *expand(expand_t *x, json_value_t *v);

static json_value_t *expand_string(expand_t *x, json_value_t *v)
{
    size_t n, rest;
    bool numbered;
    if (!directive(v->u.str.ptr, v->u.str.len, &n, &rest, &numbered)) return v;
    size_t unit = v->u.str.len - rest;
    if (unit && n > (EXPAND_MAX_BYTES - x->bytes) / unit) n = (EXPAND_MAX_BYTES - x->bytes) / unit;
    x->bytes += n * unit;
    x->expanded = true;
    char *s = arena_alloc(x->a, n * unit + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * unit, v->u.str.ptr + rest, unit);
    s[n * unit] = '\0';
    json_value_t *w = arena_alloc(x->a, sizeof *w);
    w->type = JSON_STRING;
    w->u.str.ptr = s;
    w->u.str.len = n * unit;
    return w;
}

static json_value_t *expand_array(expand_t *x, json_value_t *v)
{
    size_t n = 0, rest, count = v->u.array.count;
    bool numbered = false;
    const json_value_t *first = count ? v->u.array.items[0] : NULL;
    if (!first || first->type != JSON_STRING ||
        !directive(first->u.str.ptr, first->u.str.len, &n, &rest, &numbered) ||
        rest != first->u.str.len) {
        for (size_t i = 0; i < count; i++)
            v->u.array.items[i] = expand(x, v->u.array.items[i]);
        return v;
    }
    x->expanded = true;
    size_t pattern = count - 1;
    if (!pattern) n = 0;
    if (n > EXPAND_MAX_COUNT - x->count) n = EXPAND_MAX_COUNT - x->count;
    x->count += n;
    json_value_t *w = arena_alloc(x->a, sizeof *w);
    w->type = JSON_ARRAY;
    w->u.array.items = arena_alloc(x->a, (n ? n : 1) * sizeof(json_value_t *));
    w->u.array.count = n;
    for (size_t i = 1; i < count; i++)
        v->u.array.items[i] = expand(x, v->u.array.items[i]);
    for (size_t i = 0; i < n; i++) {
        json_value_t *item = v->u.array.items[1 + i % pattern];
        if (numbered && item->type == JSON_STRING && /* distinct names: "a0", "a1"... */
            x->bytes + item->u.str.len + 24 <= EXPAND_MAX_BYTES) {
            json_value_t *s = arena_alloc(x->a, sizeof *s);
            s->type = JSON_STRING;
            s->u.str.ptr = arena_sprintf(x->a, "%.*s%zu", (int)item->u.str.len, item->u.str.ptr, i);
            s->u.str.len = strlen(s->u.str.ptr);
            x->bytes += s->u.str.len;
            item = s;
        }
        w->u.array.items[i] = item;
    }
    return w;
}

static json_value_t *expand_object(expand_t *x, json_value_t *v)
{
    size_t total = 0, count = v->u.object.count;
    for (size_t i = 0; i < count; i++) {
        json_member_t *m = &v->u.object.members[i];
        size_t n, rest;
        bool numbered;
        m->value = expand(x, m->value);
        if (!directive(m->key, m->key_len, &n, &rest, &numbered))
            total++;
        else
            total += n < EXPAND_MAX_COUNT ? n : EXPAND_MAX_COUNT;
    }
    if (total == count) return v; /* no directive (one with n == 1 changes nothing) */
    x->expanded = true;
    json_member_t *members = arena_alloc(x->a, (total ? total : 1) * sizeof *members);
    size_t k = 0;
    for (size_t i = 0; i < count; i++) {
        json_member_t *m = &v->u.object.members[i];
        size_t n, rest;
        bool numbered;
        if (!directive(m->key, m->key_len, &n, &rest, &numbered)) {
            members[k++] = *m;
            continue;
        }
        if (n > EXPAND_MAX_COUNT - x->count) n = EXPAND_MAX_COUNT - x->count;
        x->count += n;
        for (size_t j = 0; j < n && k < total; j++) {
            char *key = arena_sprintf(x->a, "%.*s%zu", (int)(m->key_len - rest), m->key + rest, j);
            members[k++] = (json_member_t){key, strlen(key), m->value};
        }
    }
    v->u.object.members = members;
    v->u.object.count = k;
    return v;
}

static json_value_t *expand(expand_t *x, json_value_t *v)
{
    switch (v->type) {
    case JSON_STRING: return expand_string(x, v);
    case JSON_ARRAY: return expand_array(x, v);
    case JSON_OBJECT: return expand_object(x, v);
    default: return v;
    }
}

/* About the size of v written out, or more than limit: expanded nodes are
 * shared, so nested spellings multiply. */
static size_t written_size(const json_value_t *v, size_t limit)
{
    size_t n = 2;
    switch (v->type) {
    case JSON_STRING:
    case JSON_NUMBER: return n + v->u.str.len;
    case JSON_ARRAY:
        for (size_t i = 0; i < v->u.array.count && n <= limit; i++)
            n += 1 + written_size(v->u.array.items[i], limit);
        return n;
    case JSON_OBJECT:
        for (size_t i = 0; i < v->u.object.count && n <= limit; i++)
            n += 4 + v->u.object.members[i].key_len +
                 written_size(v->u.object.members[i].value, limit);
        return n;
    default: return 5;
    }
}

/* --- the target ----------------------------------------------------------------------- */

/* Peer regions nobody answers for (port 1 refuses at once), so that
 * replicas can be created and removed, and writes to a global table take
 * the replication path; building or removing a replica keeps failing in
 * the background.  A table that made a replica cannot be deleted for a
 * day: a reset leaves it. */
static const char *const peers[] = {"eu-west-1=http://127.0.0.1:1", "eu-west-2=http://127.0.0.1:1",
                                    "eu-west-3=http://127.0.0.1:1"};

/* --- the import sources -------------------------------------------------------------- */

static char import_root[] = "/tmp/fuzz_request.XXXXXX";

static void put_file(const char *rel, const void *data, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", import_root, rel);
    for (char *p = path + strlen(import_root) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(path, 0700);
        *p = '/';
    }
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) abort();
}

static void put_gzip(const char *rel, const char *text)
{
    char path[256];
    put_file(rel, "", 0); /* its directories */
    snprintf(path, sizeof path, "%s/%s", import_root, rel);
    gzFile gz = gzopen(path, "wb");
    if (!gz || gzwrite(gz, text, (unsigned)strlen(text)) != (int)strlen(text) || gzclose(gz) != Z_OK)
        abort();
}

/* The frame of text, whole or without its last cut bytes. */
static void put_zstd(const char *rel, const char *text, size_t cut)
{
    size_t cap = ZSTD_compressBound(strlen(text));
    char *z = malloc(cap);
    size_t n = z ? ZSTD_compress(z, cap, text, strlen(text), 1) : 0;
    if (!z || ZSTD_isError(n) || n <= cut) abort();
    put_file(rel, z, n - cut);
    free(z);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void remove_import_root(void)
{
    nftw(import_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Where the backups (PITR's base snapshots among them) and the records of
 * the exports are kept, apart from the bucket an export may name. */
static char data_root[] = "/tmp/fuzz_request_data.XXXXXX";

static void remove_data_root(void)
{
    nftw(data_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void make_import_sources(void)
{
    if (!mkdtemp(import_root)) abort();
    atexit(remove_import_root);
    /* CSV for HeaderList pk;g;v (g: N), the third line's g no number */
    put_gzip("fz-bucket/fz/in/part-0.csv.gz", "k1;1;x\nk2;2;y\nk3;z;w\n");
    put_file("fz-bucket/fz/in/part-1.csv", "k4;4;v4\nk5;5\n", 13);
    static const char json[] =
        "{\"Item\":{\"pk\":{\"S\":\"j1\"},\"n\":{\"N\":\"1\"},\"l\":{\"L\":[{\"S\":\"x\"}]}}}\n"
        "{\"Item\":{\"pk\":{\"S\":\"j2\"},\"m\":{\"M\":{\"b\":{\"B\":\"AQI=\"}}}}}\n"
        "{\"Item\":{\"pk\":{\"N\":\"3\"}}}\n"
        "not json\n";
    put_file("fz-bucket/fz/json/data.json", json, sizeof json - 1);
    static const char ion[] = "$ion_1_0 {Item:{pk:\"i1\",n:12.,b:{{AAE=}},ss:$dynamodb_SS::[\"y\"]}}\n"
                              "$ion_1_0 {Item:{pk:\"i2\",t:true,z:null,f:1.5d3}}\n"
                              "$ion_1_0 {Item:{nokey:1}}\n";
    put_file("fz-bucket/fz/ion/data.ion", ion, sizeof ion - 1);
    put_zstd("fz-bucket/fz/zstd/a.json.zst", json, 0);
    put_zstd("fz-bucket/fz/zstd/b.json.zst", json, 5);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    /* Streams roll their shards over and trim their records within a
     * run, and TTL deletes expired items, so that those states are met;
     * no TTL cooldown, so that UpdateTimeToLive keeps changing. */
    /* A restore may take any time up to now (no lag), and PITR takes a base
     * snapshot of a table only when it is enabled (the interval outlasts a
     * run), so that what a restore reads depends on the inputs alone. */
    api_config_t cfg = {.data_dir = NULL,
                        .in_memory = true,
                        .region = "us-east-1",
                        .stream_retention_s = 30,
                        .stream_shard_lifetime_s = 5,
                        .stream_iterator_lifetime_s = 60,
                        .ttl_delay_s = 0.5,
                        .ttl_cooldown_s = 0,
                        .pitr_snapshot_interval_s = 86400,
                        .pitr_day_s = 86400,
                        .pitr_lag_s = 0,
                        .export_root = import_root};
    make_import_sources();
    if (!mkdtemp(data_root)) abort();
    atexit(remove_data_root);
    /* as the server's start-up does: replication compares regions with it */
    if (regions_set_local(cfg.region)) abort();
    for (size_t i = 0; i < sizeof peers / sizeof peers[0]; i++)
        if (regions_add(peers[i])) abort();
    if (api_open(&cfg) != 0) abort();
    /* The items stay in memory; the backups and the exports' records go
     * to the run's directory, as the server keeps them in its data
     * directory (api_open opens neither store in memory). */
    if (backup_store_open(data_root, false) != 0 || export_store_open(data_root, import_root) != 0)
        abort();
    thread = api_thread_new();
    call_arena = arena_new(0);
    buf_init(&response);
    verbose = getenv("FUZZ_REQUEST_VERBOSE") != NULL;
    const char *slow = getenv("FUZZ_REQUEST_SLOW_MS");
    if (slow && atof(slow) > 0) slow_ms = atof(slow);
    ensure_fixtures();
    return 0;
}

static void split(const uint8_t *data, size_t size, const char **op, size_t *op_len,
                  const char **body, size_t *body_len)
{
    const char *p = (const char *)data;
    const char *nl = memchr(p, '\n', size);
    *op = p;
    *op_len = nl ? (size_t)(nl - p) : size;
    *body = nl ? nl + 1 : p + size;
    *body_len = nl ? size - *op_len - 1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned long runs;
    if (++runs % RESET_EVERY == 0)
        reset_tables();
    else
        ensure_fixtures();
    arena_reset(call_arena);

    const char *op, *body;
    size_t op_len, body_len;
    split(data, size, &op, &op_len, &body, &body_len);
    body = live_replace(body, body_len, &body_len);

    /* The api may keep pointers into the body until the call completes:
     * give it a copy of its own. */
    json_value_t *tree;
    bool parsed = json_parse(call_arena, body, body_len, &tree, NULL) == JSON_OK;
    bool is_object = parsed && tree->type == JSON_OBJECT;
    char *sent = arena_strndup(call_arena, body, body_len);
    size_t sent_len = body_len;
    expand_t x = {.a = call_arena};
    if (parsed) tree = expand(&x, tree);
    if (x.expanded && written_size(tree, EXPAND_MAX_BYTES) <= EXPAND_MAX_BYTES) {
        buf_t b;
        buf_init(&b);
        json_write_value(&b, tree);
        sent = arena_strndup(call_arena, b.data, b.len);
        sent_len = b.len;
        buf_free(&b);
        /* expanded member names may collide with others (then the body
         * does not parse); not worth parsing megabytes again to know */
        is_object = false;
    }
    if (!body_len) is_object = true; /* an empty body reads as {} */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int status = call(op, op_len, sent, sent_len);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    if (ms > slow_ms) fail("slow request", op, op_len, &response);
    if (verbose)
        fprintf(stderr, "%.*s -> %d %.*s\n", (int)op_len, op, status,
                (int)(response.len > 300 ? 300 : response.len), response.data ? response.data : "");
    check_response(op, op_len, is_object, status);
    wait_background();
    return 0;
}

/* --- the mutator ---------------------------------------------------------------------- */

typedef struct {
    uint64_t s;
} rng_t;

static uint64_t rnd(rng_t *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s;
}

static size_t below(rng_t *r, size_t n) { return n ? (size_t)(rnd(r) % n) : 0; }

/* Words of the API: member names, type tags, enum values, fixture names,
 * expression pieces and values that sit on limits. */
static const char *const words[] = {
    "TableName",
    "Key",
    "Item",
    "Expected",
    "Value",
    "Exists",
    "ComparisonOperator",
    "AttributeValueList",
    "ReturnValues",
    "ReturnConsumedCapacity",
    "ReturnItemCollectionMetrics",
    "ReturnValuesOnConditionCheckFailure",
    "ConditionalOperator",
    "ConditionExpression",
    "ExpressionAttributeNames",
    "ExpressionAttributeValues",
    "UpdateExpression",
    "AttributeUpdates",
    "Action",
    "AttributesToGet",
    "ConsistentRead",
    "ProjectionExpression",
    "RequestItems",
    "Keys",
    "PutRequest",
    "DeleteRequest",
    "TransactItems",
    "ConditionCheck",
    "Put",
    "Delete",
    "Update",
    "Get",
    "ClientRequestToken",
    "IndexName",
    "Select",
    "Limit",
    "KeyConditions",
    "QueryFilter",
    "ScanFilter",
    "ScanIndexForward",
    "ExclusiveStartKey",
    "FilterExpression",
    "KeyConditionExpression",
    "TotalSegments",
    "Segment",
    "AttributeDefinitions",
    "AttributeName",
    "AttributeType",
    "KeySchema",
    "KeyType",
    "LocalSecondaryIndexes",
    "GlobalSecondaryIndexes",
    "Projection",
    "ProjectionType",
    "NonKeyAttributes",
    "ProvisionedThroughput",
    "ReadCapacityUnits",
    "WriteCapacityUnits",
    "BillingMode",
    "StreamSpecification",
    "StreamEnabled",
    "StreamViewType",
    "SSESpecification",
    "Enabled",
    "SSEType",
    "KMSMasterKeyId",
    "Tags",
    "TableClass",
    "DeletionProtectionEnabled",
    "GlobalSecondaryIndexUpdates",
    "Create",
    "ReplicaUpdates",
    "RegionName",
    "ExclusiveStartTableName",
    "TimeToLiveSpecification",
    "StreamArn",
    "ShardId",
    "ShardIteratorType",
    "SequenceNumber",
    "ShardIterator",
    "ExclusiveStartStreamArn",
    "ExclusiveStartShardId",
    "ShardFilter",
    "Type",
    "CHILD_SHARDS",
    "TRIM_HORIZON",
    "LATEST",
    "AT_SEQUENCE_NUMBER",
    "AFTER_SEQUENCE_NUMBER",
    "@STREAM_ARN@",
    "@SHARD_ID@",
    "@SHARD_ITERATOR@",
    "@SEQUENCE@",
    "@NOW@",
    "@BACKUP_ARN@",
    "@EXPORT_ARN@",
    "fz-bucket",
    "100000000000000000001", /* the form of a sequence number */
    "S",
    "N",
    "B",
    "BOOL",
    "NULL",
    "M",
    "L",
    "SS",
    "NS",
    "BS",
    "HASH",
    "RANGE",
    "ALL",
    "KEYS_ONLY",
    "INCLUDE",
    "PROVISIONED",
    "PAY_PER_REQUEST",
    "NONE",
    "TOTAL",
    "INDEXES",
    "SIZE",
    "ALL_OLD",
    "ALL_NEW",
    "UPDATED_OLD",
    "UPDATED_NEW",
    "AND",
    "OR",
    "EQ",
    "NE",
    "IN",
    "LE",
    "LT",
    "GE",
    "GT",
    "BETWEEN",
    "NOT_NULL",
    "CONTAINS",
    "NOT_CONTAINS",
    "BEGINS_WITH",
    "ADD",
    "PUT",
    "DELETE",
    "ALL_ATTRIBUTES",
    "ALL_PROJECTED_ATTRIBUTES",
    "SPECIFIC_ATTRIBUTES",
    "COUNT",
    "NEW_IMAGE",
    "OLD_IMAGE",
    "NEW_AND_OLD_IMAGES",
    "STANDARD",
    "STANDARD_INFREQUENT_ACCESS",
    "AES256",
    "KMS",
    "fz_s",
    "fz_nb",
    "fz_idx",
    "fz_b",
    "fz_new",
    "lsi",
    "gsi",
    "gsik",
    "gmk",
    "gnb",
    "g",
    "pk",
    "sk",
    "h",
    "r",
    "b",
    "ls",
    "gh",
    "gr",
    "gb",
    "a",
    "#n",
    ":v",
    ":a",
    ":b",
    "",
    "x",
    "ab",
    "AQID",
    "AA==",
    "====",
    "A",
    "-0",
    "0",
    "1e2",
    "1E+126",
    "1e-130",
    "NaN",
    "1.5",
    " 1",
    "99999999999999999999999999999999999999",
    "999999999999999999999999999999999999999",
    "a = :v",
    "#n = :v",
    "pk = :v",
    "h = :v",
    "pk = :v AND sk BETWEEN :a AND :b",
    "begins_with(r, :v)",
    "attribute_exists(a)",
    "attribute_not_exists(#n)",
    "attribute_type(a, :v)",
    "size(a) > :v",
    "contains(a, :v)",
    "a IN (:a, :b)",
    "NOT (a <> :v) OR b < :v",
    "SET a = :v",
    "SET a = a + :v, b = :v",
    "SET a = list_append(a, :v)",
    "SET a = if_not_exists(a, :v)",
    "REMOVE a, b[1]",
    "ADD a :v",
    "DELETE a :v",
    "a, b.c[0], #n",
    "a.b.c.d",
    "a[0][1]",
    "(a = :v)",
    "a =",
};
#define N_WORDS (sizeof words / sizeof words[0])

static const char *const numbers[] = {
    "0",
    "1",
    "-1",
    "5",
    "25",
    "26",
    "100",
    "101",
    "255",
    "256",
    "1000000",
    "-0",
    "0.5",
    "1e2",
    "1.5e300",
    "1e400",
    "-1e400",
    "2147483648",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "123456789012345678901234567890",
    "1E-7",
};
#define N_NUMBERS (sizeof numbers / sizeof numbers[0])

typedef struct {
    json_value_t **ref;   /* where the node hangs */
    json_value_t *parent; /* NULL for the root */
    size_t index;         /* in the parent */
} slot_t;

typedef struct {
    arena_t *a;
    rng_t *r;
    slot_t *slots;
    size_t count, cap;
} tree_t;

static void collect(tree_t *t, json_value_t **ref, json_value_t *parent, size_t index)
{
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        t->slots = arena_realloc(t->a, t->slots, t->cap * sizeof *t->slots, cap * sizeof *t->slots);
        t->cap = cap;
    }
    t->slots[t->count++] = (slot_t){ref, parent, index};
    json_value_t *v = *ref;
    if (v->type == JSON_ARRAY)
        for (size_t i = 0; i < v->u.array.count; i++)
            collect(t, &v->u.array.items[i], v, i);
    else if (v->type == JSON_OBJECT)
        for (size_t i = 0; i < v->u.object.count; i++)
            collect(t, &v->u.object.members[i].value, v, i);
}

static json_value_t *node(arena_t *a, json_type_t type)
{
    json_value_t *v = arena_calloc(a, sizeof *v);
    v->type = type;
    return v;
}

static json_value_t *text_node(arena_t *a, json_type_t type, const char *s, size_t len)
{
    json_value_t *v = node(a, type);
    v->u.str.ptr = arena_strndup(a, s, len);
    v->u.str.len = len;
    return v;
}

static json_value_t *array_of(arena_t *a, json_value_t *item)
{
    json_value_t *v = node(a, JSON_ARRAY);
    v->u.array.items = arena_alloc(a, sizeof(json_value_t *));
    v->u.array.items[0] = item;
    v->u.array.count = 1;
    return v;
}

static json_value_t *object_of(arena_t *a, const char *key, json_value_t *value)
{
    json_value_t *v = node(a, JSON_OBJECT);
    v->u.object.members = arena_alloc(a, sizeof(json_member_t));
    v->u.object.members[0] =
        (json_member_t){arena_strndup(a, key, strlen(key)), strlen(key), value};
    v->u.object.count = 1;
    return v;
}

static json_value_t *copy(arena_t *a, const json_value_t *v)
{
    json_value_t *w = node(a, v->type);
    *w = *v;
    if (v->type == JSON_ARRAY) {
        w->u.array.items = arena_alloc(a, (v->u.array.count + 1) * sizeof(json_value_t *));
        for (size_t i = 0; i < v->u.array.count; i++)
            w->u.array.items[i] = copy(a, v->u.array.items[i]);
    } else if (v->type == JSON_OBJECT) {
        w->u.object.members = arena_alloc(a, (v->u.object.count + 1) * sizeof(json_member_t));
        for (size_t i = 0; i < v->u.object.count; i++) {
            w->u.object.members[i] = v->u.object.members[i];
            w->u.object.members[i].value = copy(a, v->u.object.members[i].value);
        }
    }
    return w;
}

static json_value_t *random_word(tree_t *t)
{
    const char *w = words[below(t->r, N_WORDS)];
    return text_node(t->a, JSON_STRING, w, strlen(w));
}

static json_value_t *random_number(tree_t *t)
{
    const char *n = numbers[below(t->r, N_NUMBERS)];
    return text_node(t->a, JSON_NUMBER, n, strlen(n));
}

/* A value of any JSON type, empty containers and typed values included. */
static json_value_t *random_value(tree_t *t, const json_value_t *old)
{
    arena_t *a = t->a;
    switch (below(t->r, 12)) {
    case 0: return node(a, JSON_NULL);
    case 1: return node(a, JSON_TRUE);
    case 2: return node(a, JSON_FALSE);
    case 3: return random_number(t);
    case 4: return text_node(a, JSON_STRING, "", 0);
    case 5: return random_word(t);
    case 6: return node(a, JSON_ARRAY);
    case 7: return node(a, JSON_OBJECT);
    case 8: return array_of(a, old ? copy(a, old) : random_word(t));
    case 9: {
        static const char *const tags[] = {"S", "N", "B",  "BOOL", "NULL",
                                           "M", "L", "SS", "NS",   "BS"};
        return object_of(a, tags[below(t->r, 10)], old ? copy(a, old) : random_word(t));
    }
    case 10: return object_of(a, words[below(t->r, N_WORDS)], random_word(t));
    default: return array_of(a, random_number(t));
    }
}

static void remove_slot(const slot_t *s)
{
    json_value_t *p = s->parent;
    if (p->type == JSON_ARRAY) {
        memmove(&p->u.array.items[s->index], &p->u.array.items[s->index + 1],
                (p->u.array.count - s->index - 1) * sizeof(json_value_t *));
        p->u.array.count--;
    } else {
        memmove(&p->u.object.members[s->index], &p->u.object.members[s->index + 1],
                (p->u.object.count - s->index - 1) * sizeof(json_member_t));
        p->u.object.count--;
    }
}

static void array_insert(arena_t *a, json_value_t *arr, size_t at, json_value_t *item)
{
    json_value_t **items = arena_alloc(a, (arr->u.array.count + 1) * sizeof *items);
    for (size_t i = 0; i < at; i++)
        items[i] = arr->u.array.items[i];
    items[at] = item;
    for (size_t i = at; i < arr->u.array.count; i++)
        items[i + 1] = arr->u.array.items[i];
    arr->u.array.items = items;
    arr->u.array.count++;
}

/* Set obj[key] = value, replacing a member of that name (no duplicates:
 * they would only ever reach the JSON reader's duplicate check). */
static void object_put(arena_t *a, json_value_t *obj, const char *key, size_t key_len,
                       json_value_t *value)
{
    for (size_t i = 0; i < obj->u.object.count; i++)
        if (obj->u.object.members[i].key_len == key_len &&
            memcmp(obj->u.object.members[i].key, key, key_len) == 0) {
            obj->u.object.members[i].value = value;
            return;
        }
    json_member_t *m = arena_alloc(a, (obj->u.object.count + 1) * sizeof *m);
    for (size_t i = 0; i < obj->u.object.count; i++)
        m[i] = obj->u.object.members[i];
    m[obj->u.object.count++] = (json_member_t){key, key_len, value};
    obj->u.object.members = m;
}

static json_value_t *directive_string(tree_t *t, size_t n, char mode, const char *s, size_t len)
{
    char *d = arena_sprintf(t->a, "\x01%zu%c%.*s", n, mode, (int)len, s);
    return text_node(t->a, JSON_STRING, d, strlen(d));
}

/* Make v large: long strings (around the key and item limits), many
 * elements or members, odd numbers. */
static void inflate_node(tree_t *t, const slot_t *s)
{
    static const size_t lengths[] = {2, 3, 36, 37, 255, 256, 1024, 1025, 2048, 2049, 65535, 65536};
    static const size_t huge[] = {204800, 409600, 409601}; /* item size limits: rarely */
    static const size_t counts[] = {2,  3,   10,  11,  25,   26,   32,
                                    33, 100, 101, 256, 1000, 5000, EXPAND_MAX_COUNT};
    json_value_t *v = *s->ref;
    switch (v->type) {
    case JSON_STRING: {
        size_t unit = v->u.str.len ? v->u.str.len : 1;
        size_t n = below(t->r, 8) ? lengths[below(t->r, sizeof lengths / sizeof lengths[0])] / unit
                                  : huge[below(t->r, sizeof huge / sizeof huge[0])] / unit;
        *s->ref = directive_string(t, n ? n : 1, '*', v->u.str.len ? v->u.str.ptr : "x", unit);
        break;
    }
    case JSON_ARRAY: {
        size_t n = counts[below(t->r, sizeof counts / sizeof counts[0])];
        if (!v->u.array.count) array_insert(t->a, v, 0, random_value(t, NULL));
        array_insert(t->a, v, 0, directive_string(t, n, below(t->r, 2) ? '#' : '*', "", 0));
        break;
    }
    case JSON_OBJECT: {
        if (!v->u.object.count) {
            object_put(t->a, v, "a", 1, random_value(t, NULL));
        }
        json_member_t *m = &v->u.object.members[below(t->r, v->u.object.count)];
        size_t n = counts[below(t->r, sizeof counts / sizeof counts[0])];
        char *key = arena_sprintf(t->a, "\x01%zu*%.*s", n, (int)m->key_len, m->key);
        m->key = key;
        m->key_len = strlen(key);
        break;
    }
    default: *s->ref = random_number(t); break;
    }
}

/* Wrap v in containers, sometimes past the JSON and the attribute nesting
 * limits. */
static void nest(tree_t *t, const slot_t *s)
{
    static const size_t depths[] = {1, 2, 31, 32, 33, 127, 255, 256, 300};
    size_t depth = depths[below(t->r, sizeof depths / sizeof depths[0])];
    int shape = (int)below(t->r, 4);
    json_value_t *v = *s->ref;
    for (size_t i = 0; i < depth; i++) {
        switch (shape) {
        case 0: v = array_of(t->a, v); break;
        case 1: v = object_of(t->a, "M", object_of(t->a, "a", v)); break;
        case 2: v = object_of(t->a, "L", array_of(t->a, v)); break;
        default: v = object_of(t->a, "a", v); break;
        }
    }
    *s->ref = v;
}

static void rename_member(tree_t *t, const slot_t *s)
{
    json_member_t *m = &s->parent->u.object.members[s->index];
    const char *w = words[below(t->r, N_WORDS)];
    size_t len = strlen(w);
    for (size_t i = 0; i < s->parent->u.object.count; i++)
        if (s->parent->u.object.members[i].key_len == len &&
            memcmp(s->parent->u.object.members[i].key, w, len) == 0)
            return;                          /* would duplicate a key */
    if (below(t->r, 4) == 0 && m->key_len) { /* a near miss: the case of one letter */
        char *k = arena_strndup(t->a, m->key, m->key_len);
        k[0] ^= 0x20;
        w = k;
        len = m->key_len;
    }
    m->key = arena_strndup(t->a, w, len);
    m->key_len = len;
}

static void mutate_tree(tree_t *t, json_value_t **root)
{
    t->count = 0;
    collect(t, root, NULL, 0);
    const slot_t *s = &t->slots[below(t->r, t->count)];
    json_value_t *v = *s->ref;
    switch (below(t->r, 10)) {
    case 0: /* drop */
        if (s->parent)
            remove_slot(s);
        else
            *root = node(t->a, JSON_OBJECT);
        break;
    case 1: *s->ref = node(t->a, JSON_NULL); break;
    case 2: *s->ref = random_value(t, v); break;
    case 3: /* duplicate: within an array, or as a member of another object */
        if (s->parent && s->parent->type == JSON_ARRAY) {
            array_insert(t->a, s->parent, below(t->r, s->parent->u.array.count + 1), copy(t->a, v));
        } else if (s->parent) {
            const json_member_t *m = &s->parent->u.object.members[s->index];
            const slot_t *to = &t->slots[below(t->r, t->count)];
            if ((*to->ref)->type == JSON_OBJECT)
                object_put(t->a, *to->ref, m->key, m->key_len, copy(t->a, v));
        }
        break;
    case 4: inflate_node(t, s); break;
    case 5: nest(t, s); break;
    case 6:
        if (s->parent && s->parent->type == JSON_OBJECT)
            rename_member(t, s);
        else
            *s->ref = random_word(t);
        break;
    case 7: *s->ref = random_word(t); break;
    case 8: /* graft a copy of another node of the same tree here */
        *s->ref = copy(t->a, *t->slots[below(t->r, t->count)].ref);
        break;
    default: /* add a member or an element */
        if (v->type == JSON_OBJECT) {
            const char *w = words[below(t->r, N_WORDS)];
            object_put(t->a, v, w, strlen(w), random_value(t, NULL));
        } else if (v->type == JSON_ARRAY) {
            array_insert(t->a, v, below(t->r, v->u.array.count + 1), random_value(t, NULL));
        } else {
            *s->ref = random_value(t, v);
        }
        break;
    }
}

/* op \n body into out (at most max bytes); 0 if it does not fit. */
static size_t emit(uint8_t *out, size_t max, const char *op, size_t op_len, const buf_t *body)
{
    if (op_len + 1 + body->len > max) return 0;
    memcpy(out, op, op_len);
    out[op_len] = '\n';
    memcpy(out + op_len + 1, body->data, body->len);
    return op_len + 1 + body->len;
}

static arena_t *mutator_arena(void)
{
    static arena_t *a;
    if (!a) a = arena_new(0);
    arena_reset(a);
    return a;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    rng_t r = {seed * 2654435761u + 1};
    unsigned choice = (unsigned)below(&r, 16);
    if (choice == 0) return LLVMFuzzerMutate(data, size, max_size);

    const char *op, *body;
    size_t op_len, body_len;
    split(data, size, &op, &op_len, &body, &body_len);
    arena_t *a = mutator_arena();
    char *op_copy = arena_strndup(a, op, op_len);
    if (choice == 1 || !op_len) { /* the same body sent to another operation */
        const char *o = operations[below(&r, N_OPERATIONS)].name;
        op_copy = arena_strndup(a, o, strlen(o));
        op_len = strlen(o);
    }
    json_value_t *root;
    if (json_parse(a, body, body_len, &root, NULL) != JSON_OK) {
        if (body_len || choice != 1) return LLVMFuzzerMutate(data, size, max_size);
        root = node(a, JSON_OBJECT);
    }
    tree_t t = {.a = a, .r = &r};
    size_t rounds = choice == 1 ? 0 : 1 + below(&r, 3);
    for (size_t i = 0; i < rounds; i++)
        mutate_tree(&t, &root);
    buf_t out;
    buf_init(&out);
    json_write_value(&out, root);
    size_t n = emit(data, max_size, op_copy, op_len, &out);
    buf_free(&out);
    return n ? n : LLVMFuzzerMutate(data, size, max_size);
}

/* A subtree of the second input grafted somewhere into the first. */
size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1, const uint8_t *data2,
                                 size_t size2, uint8_t *out, size_t max_out_size, unsigned int seed)
{
    rng_t r = {seed * 2654435761u + 7};
    arena_t *a = mutator_arena();
    const char *op1, *body1, *op2, *body2;
    size_t op1_len, body1_len, op2_len, body2_len;
    split(data1, size1, &op1, &op1_len, &body1, &body1_len);
    split(data2, size2, &op2, &op2_len, &body2, &body2_len);
    json_value_t *one, *two;
    if (json_parse(a, body1, body1_len, &one, NULL) != JSON_OK ||
        json_parse(a, body2, body2_len, &two, NULL) != JSON_OK)
        return 0;
    tree_t t1 = {.a = a, .r = &r}, t2 = {.a = a, .r = &r};
    collect(&t1, &one, NULL, 0);
    collect(&t2, &two, NULL, 0);
    const slot_t *to = &t1.slots[below(&r, t1.count)];
    const slot_t *from = &t2.slots[below(&r, t2.count)];
    if (to->parent && to->parent->type == JSON_OBJECT && from->parent &&
        from->parent->type == JSON_OBJECT && below(&r, 2)) {
        /* the member with its name, into the object of the first */
        const json_member_t *m = &from->parent->u.object.members[from->index];
        object_put(a, to->parent, m->key, m->key_len, *from->ref);
    } else {
        *to->ref = *from->ref;
    }
    buf_t b;
    buf_init(&b);
    json_write_value(&b, one);
    size_t n = emit(out, max_out_size, op1, op1_len, &b);
    buf_free(&b);
    return n;
}
