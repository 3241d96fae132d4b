/* test_auth: the credentials file (src/auth.c): what is read, every fault
 * that stops start-up with its line; and access rights: which operations
 * a read-only or table-limited key may make, on which tables, with the
 * service's AccessDeniedException text naming action and resource. */
#include <stdio.h>
#include <stdlib.h>

#include "auth.h"
#include "sigv4_vectors.h"
#include "unit.h"

static arena_t *arena;
static char err[700];

static auth_keyring_t *ring_of(const char *text)
{
    err[0] = 0;
    return auth_keyring_parse(text, strlen(text), "us-east-1", err, sizeof err);
}

/* The error a file gives ("" when it is accepted). */
static const char *fault_of(const char *text)
{
    auth_keyring_t *r = ring_of(text);
    if (r) {
        auth_keyring_free(r);
        return "";
    }
    return err;
}

static const auth_identity_t *find(const auth_keyring_t *r, const char *id)
{
    return auth_keyring_find(r, id, strlen(id));
}

static void test_file_read(void)
{
    auth_keyring_t *r = ring_of("# keys\r\n"
                                "; another comment\r\n"
                                "[default]\r\n"
                                "aws_access_key_id = AKIDDEFAULT\r\n"
                                "AWS_Secret_Access_Key=  s3cr3t/with+chars=  \r\n"
                                "region = eu-west-1\r\n"
                                "s3 =\r\n"
                                "    max_concurrent_requests = 20\r\n"
                                "\r\n"
                                "[profile reader]\n"
                                "aws_access_key_id: AKIDREADER\n"
                                "aws_secret_access_key: r\n"
                                "aws_session_token = tok#not-a-comment\n"
                                "ddbd_access = read-only\n"
                                "ddbd_tables = orders ,logs_* , x.y-z_1\n"
                                "[  everything  ]\n"
                                "aws_access_key_id=AKIDALL\n"
                                "aws_secret_access_key=a\n"
                                "ddbd_tables = a1b, *\n"
                                "[only-settings]\n"
                                "region = us-west-2\n");
    CHECK(r != NULL);
    if (!r) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    CHECK(auth_keyring_count(r) == 3);
    const auth_identity_t *d = find(r, "AKIDDEFAULT");
    CHECK(d && strcmp(d->key.secret, "s3cr3t/with+chars=") == 0 && !d->key.session_token);
    CHECK(d && !d->read_only && d->table_count == 0);
    CHECK(d && strcmp(d->name, "default") == 0);
    CHECK(d && strcmp(d->principal_arn, "arn:aws:iam::000000000000:user/default") == 0);
    const auth_identity_t *rd = find(r, "AKIDREADER");
    CHECK(rd && rd->read_only && strcmp(rd->name, "reader") == 0);
    CHECK(rd && strcmp(rd->key.session_token, "tok#not-a-comment") == 0);
    CHECK(rd && rd->table_count == 3 && strcmp(rd->tables[0], "orders") == 0 &&
          strcmp(rd->tables[1], "logs_*") == 0 && strcmp(rd->tables[2], "x.y-z_1") == 0);
    const auth_identity_t *all = find(r, "AKIDALL");
    CHECK(all && all->table_count == 0 && strcmp(all->name, "everything") == 0);
    CHECK(find(r, "AKID") == NULL && find(r, "AKIDDEFAULTX") == NULL && find(r, "") == NULL);
    CHECK(find(r, "akiddefault") == NULL);
    auth_keyring_free(r);
}

static void test_file_faults(void)
{
    CHECK_STR(fault_of(""), "no access key in the file");
    CHECK_STR(fault_of("[a]\nregion = x\n"), "no access key in the file");
    CHECK_STR(fault_of("aws_access_key_id = x\n"), "line 1: key outside of any [section]");
    CHECK_STR(fault_of("[a]\nthis is not a pair\n"),
              "line 2: expected [section], key = value or a comment");
    CHECK_STR(fault_of("[a\n"), "line 1: a section header must end with ]");
    CHECK_STR(fault_of("[ ]\n"), "line 1: a section needs a name");
    CHECK_STR(fault_of("[a b]\n"), "line 1: a section name (a user name) cannot hold ' '");
    CHECK_STR(fault_of("[a]\naws_access_key_id=x\naws_secret_access_key=y\n[a]\n"),
              "line 4: [a] appears twice");
    CHECK_STR(fault_of("[a]\naws_access_key_id=x\naws_access_key_id=y\n"),
              "line 3: aws_access_key_id is given twice in [a]");
    CHECK_STR(fault_of("[a]\naws_access_key_id=\n"), "line 2: aws_access_key_id has no value");
    CHECK_STR(fault_of("[a]\n= x\n"), "line 2: expected a key before '='");
    /* an indented line continues the value before it (the CLI's nested settings) */
    CHECK_STR(fault_of("[a]\naws_access_key_id=k\naws_secret_access_key=y\nregion=x\n = x\n"), "");
    CHECK_STR(fault_of("[a]\naws_access_key_id=x\naws_secret_access_key=y\nddbd_table=t\n"),
              "line 4: unknown key ddbd_table (this server reads ddbd_tables and ddbd_access)");
    CHECK_STR(fault_of("[a]\naws_access_key_id=x\naws_secret_access_key=y\nddbd_access=ro\n"),
              "line 4: ddbd_access must be read-only or read-write, not 'ro'");
    CHECK_STR(fault_of("[a]\naws_access_key_id=x\naws_secret_access_key=y\nddbd_tables=a,,b\n"),
              "line 4: '' in ddbd_tables is not a table name (letters, digits, _ . - and a final "
              "* for a prefix)");
    CHECK_STR(fault_of("[a]\naws_access_key_id=x\naws_secret_access_key=y\nddbd_tables=a*b\n"),
              "line 4: 'a*b' in ddbd_tables is not a table name (letters, digits, _ . - and a "
              "final * for a prefix)");
    CHECK_STR(fault_of("[a]\naws_access_key_id=x\naws_secret_access_key=y\nddbd_tables=a b\n"),
              "line 4: 'a b' in ddbd_tables is not a table name (letters, digits, _ . - and a "
              "final * for a prefix)");
    CHECK_STR(fault_of("[a]\naws_access_key_id=x\n"),
              "line 1: [a] needs both aws_access_key_id and aws_secret_access_key");
    CHECK_STR(fault_of("[a]\naws_secret_access_key=y\n"),
              "line 1: [a] needs both aws_access_key_id and aws_secret_access_key");
    CHECK_STR(fault_of("[a]\nddbd_access=read-only\n"), "line 1: [a] has no aws_access_key_id");
    CHECK_STR(fault_of("[a]\naws_access_key_id=x/y\naws_secret_access_key=y\n"),
              "line 2: an access key id cannot hold blanks, '/', ',' or '='");
    CHECK_STR(fault_of("[a]\naws_access_key_id=k\naws_secret_access_key=y\n"
                       "[b]\naws_access_key_id=k\naws_secret_access_key=z\n"),
              "access key k is the key of both [a] and [b]");
    CHECK_STR(fault_of("[a]\naws_access_key_id=k\n  more\naws_secret_access_key=y\n"),
              "line 3: a value of this server's cannot go on");
    char with_nul[] = "[a]\naws_access_key_id=k\naws_secret_access_key=y\nx\0y\n";
    err[0] = 0;
    CHECK(!auth_keyring_parse(with_nul, sizeof with_nul - 1, "us-east-1", err, sizeof err));
    CHECK_STR(err, "line 4: a NUL byte");
}

static auth_keyring_t *rights_ring;

static const char *rights_file =
    "[admin]\naws_access_key_id=ADMIN\naws_secret_access_key=a\n"
    "[viewer]\naws_access_key_id=VIEWER\naws_secret_access_key=v\nddbd_access=read-only\n"
    "[shop]\naws_access_key_id=SHOP\naws_secret_access_key=s\nddbd_tables=orders, logs_*\n"
    "[auditor]\naws_access_key_id=AUDITOR\naws_secret_access_key=x\nddbd_access=read-only\n"
    "ddbd_tables=orders\n";

/* "" when key may call op with body, else the AccessDeniedException text. */
static const char *decide(const char *key, const char *op, const char *body)
{
    arena_reset(arena);
    json_value_t *req;
    if (json_parse(arena, body, strlen(body), &req, NULL) != JSON_OK) {
        fprintf(stderr, "bad test JSON: %s\n", body);
        abort();
    }
    const auth_identity_t *who = find(rights_ring, key);
    if (!who) abort();
    ddb_error_t *e = auth_authorize(arena, who, op, strlen(op), req);
    if (!e) return "";
    CHECK(e->kind == ERR_ACCESS_DENIED);
    return e->message;
}

#define DENIED(user, action, resource)                                                             \
    "User: arn:aws:iam::000000000000:user/" user " is not authorized to perform: dynamodb:" action \
    " on resource: " resource " because no identity-based policy allows the dynamodb:" action      \
    " action"
#define TABLE(t) "arn:aws:dynamodb:us-east-1:000000000000:table/" t

static void test_rights_single_table(void)
{
    const char *put = "{\"TableName\":\"orders\",\"Item\":{}}";
    CHECK_STR(decide("ADMIN", "PutItem", put), "");
    CHECK_STR(decide("VIEWER", "PutItem", put), DENIED("viewer", "PutItem", TABLE("orders")));
    CHECK_STR(decide("VIEWER", "GetItem", "{\"TableName\":\"orders\"}"), "");
    CHECK_STR(decide("SHOP", "PutItem", put), "");
    CHECK_STR(decide("SHOP", "PutItem", "{\"TableName\":\"logs_2024\"}"), "");
    CHECK_STR(decide("SHOP", "PutItem", "{\"TableName\":\"logs_\"}"), "");
    CHECK_STR(decide("SHOP", "PutItem", "{\"TableName\":\"logs\"}"),
              DENIED("shop", "PutItem", TABLE("logs")));
    CHECK_STR(decide("SHOP", "GetItem", "{\"TableName\":\"orders2\"}"),
              DENIED("shop", "GetItem", TABLE("orders2")));
    CHECK_STR(decide("SHOP", "GetItem", "{\"TableName\":\"Orders\"}"),
              DENIED("shop", "GetItem", TABLE("Orders")));
    CHECK_STR(decide("AUDITOR", "Query", "{\"TableName\":\"orders\"}"), "");
    CHECK_STR(decide("AUDITOR", "DeleteItem", "{\"TableName\":\"orders\"}"),
              DENIED("auditor", "DeleteItem", TABLE("orders")));
    CHECK_STR(decide("AUDITOR", "Scan", "{\"TableName\":\"users\",\"IndexName\":\"byAge\"}"),
              DENIED("auditor", "Scan", TABLE("users") "/index/byAge"));
    CHECK_STR(decide("AUDITOR", "UpdateTable", "{\"TableName\":\"orders\"}"),
              DENIED("auditor", "UpdateTable", TABLE("orders")));
    CHECK_STR(decide("SHOP", "CreateTable", "{\"TableName\":\"other\"}"),
              DENIED("shop", "CreateTable", TABLE("other")));
    CHECK_STR(decide("SHOP", "DeleteTable", "{\"TableName\":\"logs_old\"}"), "");
    CHECK_STR(decide("VIEWER", "UpdateTimeToLive", "{\"TableName\":\"orders\"}"),
              DENIED("viewer", "UpdateTimeToLive", TABLE("orders")));
    CHECK_STR(decide("VIEWER", "DescribeTimeToLive", "{\"TableName\":\"orders\"}"), "");
    /* Contributor Insights: an update writes the table or its index */
    CHECK_STR(decide("VIEWER", "UpdateContributorInsights",
                     "{\"TableName\":\"users\",\"IndexName\":\"byAge\"}"),
              DENIED("viewer", "UpdateContributorInsights", TABLE("users") "/index/byAge"));
    CHECK_STR(decide("VIEWER", "DescribeContributorInsights", "{\"TableName\":\"orders\"}"), "");
    CHECK_STR(decide("AUDITOR", "DescribeContributorInsights",
                     "{\"TableName\":\"users\",\"IndexName\":\"byAge\"}"),
              DENIED("auditor", "DescribeContributorInsights", TABLE("users") "/index/byAge"));
    /* no table named: nothing to guard, the operation's validation answers */
    CHECK_STR(decide("VIEWER", "PutItem", "{}"), "");
}

static void test_rights_account(void)
{
    CHECK_STR(decide("VIEWER", "ListTables", "{}"), "");
    CHECK_STR(decide("SHOP", "ListTables", "{}"),
              DENIED("shop", "ListTables", "arn:aws:dynamodb:us-east-1:000000000000:table/*"));
    CHECK_STR(decide("SHOP", "ListStreams", "{\"TableName\":\"orders\"}"), "");
    CHECK_STR(
        decide("SHOP", "ListStreams", "{}"),
        DENIED("shop", "ListStreams", "arn:aws:dynamodb:us-east-1:000000000000:table/*/stream/*"));
    CHECK_STR(decide("SHOP", "ListStreams", "{\"TableName\":\"users\"}"),
              DENIED("shop", "ListStreams", TABLE("users")));
    CHECK_STR(decide("SHOP", "DescribeEndpoints", "{}"), "");
    CHECK_STR(decide("AUDITOR", "DescribeLimits", "{}"), DENIED("auditor", "DescribeLimits", "*"));
    CHECK_STR(decide("VIEWER", "DescribeLimits", "{}"), "");
    CHECK_STR(decide("VIEWER", "ListContributorInsights", "{}"), "");
    CHECK_STR(decide("SHOP", "ListContributorInsights", "{}"),
              DENIED("shop", "ListContributorInsights", "*"));
    CHECK_STR(decide("SHOP", "ListContributorInsights", "{\"TableName\":\"orders\"}"), "");
    /* an operation not known: an account-wide write */
    CHECK_STR(decide("VIEWER", "UpdateGlobalTable", "{\"GlobalTableName\":\"x\"}"),
              DENIED("viewer", "UpdateGlobalTable", "*"));
    CHECK_STR(decide("ADMIN", "UpdateGlobalTable", "{}"), "");
    /* an import writes the table it creates; describing it reads that table */
    CHECK_STR(decide("VIEWER", "ImportTable", "{\"TableCreationParameters\":{\"TableName\":\"x\"}}"),
              DENIED("viewer", "ImportTable", TABLE("x")));
    CHECK_STR(decide("VIEWER", "DescribeImport",
                     "{\"ImportArn\":\"" TABLE("x") "/import/01700000000000-0123abcd\"}"),
              "");
    /* a restore writes its target table */
    CHECK_STR(decide("VIEWER", "RestoreTableFromBackup", "{\"TargetTableName\":\"x\"}"),
              DENIED("viewer", "RestoreTableFromBackup", TABLE("x")));
    CHECK_STR(decide("ADMIN", "RestoreTableFromBackup", "{}"), "");
    /* so does a point-in-time restore; an export writes from its table */
    CHECK_STR(decide("VIEWER", "RestoreTableToPointInTime",
                     "{\"TargetTableName\":\"x\",\"SourceTableName\":\"users\"}"),
              DENIED("viewer", "RestoreTableToPointInTime", TABLE("x")));
    CHECK_STR(decide("VIEWER", "ExportTableToPointInTime", "{\"TableArn\":\"" TABLE("x") "\"}"),
              DENIED("viewer", "ExportTableToPointInTime", TABLE("x")));
    CHECK_STR(decide("VIEWER", "DescribeContinuousBackups", "{\"TableName\":\"x\"}"), "");
}

static void test_rights_batches(void)
{
    const char *two = "{\"RequestItems\":{\"orders\":{},\"users\":{},\"logs_a\":{}}}";
    CHECK_STR(decide("SHOP", "BatchGetItem", two), DENIED("shop", "BatchGetItem", TABLE("users")));
    CHECK_STR(decide("SHOP", "BatchGetItem", "{\"RequestItems\":{\"orders\":{},\"logs_b\":{}}}"),
              "");
    CHECK_STR(decide("VIEWER", "BatchGetItem", two), "");
    CHECK_STR(decide("VIEWER", "BatchWriteItem", two),
              DENIED("viewer", "BatchWriteItem", TABLE("orders")));
    CHECK_STR(decide("SHOP", "BatchWriteItem", "{\"RequestItems\":{\"logs_b\":[],\"x\":[]}}"),
              DENIED("shop", "BatchWriteItem", TABLE("x")));

    const char *tx = "{\"TransactItems\":[{\"ConditionCheck\":{\"TableName\":\"orders\"}},"
                     "{\"Put\":{\"TableName\":\"orders\"}},"
                     "{\"Update\":{\"TableName\":\"users\"}},"
                     "{\"Delete\":{\"TableName\":\"logs_x\"}}]}";
    CHECK_STR(decide("ADMIN", "TransactWriteItems", tx), "");
    CHECK_STR(decide("AUDITOR", "TransactWriteItems", tx),
              DENIED("auditor", "PutItem", TABLE("orders")));
    CHECK_STR(decide("SHOP", "TransactWriteItems", tx),
              DENIED("shop", "UpdateItem", TABLE("users")));
    CHECK_STR(decide("AUDITOR", "TransactWriteItems",
                     "{\"TransactItems\":[{\"ConditionCheck\":{\"TableName\":\"orders\"}}]}"),
              "");
    CHECK_STR(decide("AUDITOR", "TransactWriteItems",
                     "{\"TransactItems\":[{\"ConditionCheck\":{\"TableName\":\"users\"}}]}"),
              DENIED("auditor", "ConditionCheckItem", TABLE("users")));
    CHECK_STR(decide("SHOP", "TransactGetItems",
                     "{\"TransactItems\":[{\"Get\":{\"TableName\":\"logs_1\"}},"
                     "{\"Get\":{\"TableName\":\"secrets\"}}]}"),
              DENIED("shop", "GetItem", TABLE("secrets")));
    CHECK_STR(decide("VIEWER", "TransactGetItems",
                     "{\"TransactItems\":[{\"Get\":{\"TableName\":\"secrets\"}}]}"),
              "");
}

static void test_rights_streams_and_arns(void)
{
    const char *arn_orders = TABLE("orders") "/stream/2024-01-01T00:00:00.000";
    const char *arn_users = TABLE("users") "/stream/2024-01-01T00:00:00.000";
    char body[512];
    snprintf(body, sizeof body, "{\"StreamArn\":\"%s\"}", arn_orders);
    CHECK_STR(decide("SHOP", "DescribeStream", body), "");
    CHECK_STR(decide("AUDITOR", "GetShardIterator", body), "");
    snprintf(body, sizeof body, "{\"StreamArn\":\"%s\"}", arn_users);
    CHECK_STR(decide("SHOP", "DescribeStream", body),
              DENIED("shop", "DescribeStream", TABLE("users") "/stream/2024-01-01T00:00:00.000"));
    snprintf(body, sizeof body, "{\"ShardIterator\":\"%s|1|AAAA\"}", arn_orders);
    CHECK_STR(decide("SHOP", "GetRecords", body), "");
    snprintf(body, sizeof body, "{\"ShardIterator\":\"%s|1|AAAA\"}", arn_users);
    CHECK_STR(decide("SHOP", "GetRecords", body),
              DENIED("shop", "GetRecords", TABLE("users") "/stream/2024-01-01T00:00:00.000"));
    /* a table called "stream" is a table like any other */
    CHECK_STR(decide("SHOP", "DescribeStream",
                     "{\"StreamArn\":\"" TABLE("stream") "/stream/2024-01-01T00:00:00.000\"}"),
              DENIED("shop", "DescribeStream", TABLE("stream") "/stream/2024-01-01T00:00:00.000"));
    /* an iterator or ARN naming no table: the operation refuses it itself */
    CHECK_STR(decide("SHOP", "GetRecords", "{\"ShardIterator\":\"garbage\"}"), "");
    CHECK_STR(decide("SHOP", "TagResource", "{\"ResourceArn\":\"arn:aws:kms:x\"}"), "");
    CHECK_STR(decide("SHOP", "TagResource", "{\"ResourceArn\":\"" TABLE("logs_1") "\"}"), "");
    CHECK_STR(decide("VIEWER", "TagResource", "{\"ResourceArn\":\"" TABLE("logs_1") "\"}"),
              DENIED("viewer", "TagResource", TABLE("logs_1")));
    CHECK_STR(decide("VIEWER", "ListTagsOfResource", "{\"ResourceArn\":\"" TABLE("logs_1") "\"}"),
              "");
    CHECK_STR(decide("SHOP", "ListTagsOfResource", "{\"ResourceArn\":\"" TABLE("users") "\"}"),
              DENIED("shop", "ListTagsOfResource", TABLE("users")));
}

static void test_authenticate_identity(void)
{
    char file[256];
    snprintf(file, sizeof file,
             "[vectors]\naws_access_key_id=%s\naws_secret_access_key=%s\nddbd_access=read-only\n",
             VECTOR_KEY_ID, VECTOR_SECRET);
    auth_keyring_t *r = ring_of(file);
    CHECK(r != NULL);
    if (!r) return;
    const char *raw = sigv4_vectors[0].request;
    size_t len = strlen(raw);
    char *copy = malloc(len + 1);
    memcpy(copy, raw, len + 1);
    http_request_t req;
    http_limits_t lim = {.max_head = 65536, .max_body = 65536};
    size_t used;
    CHECK(http_parse_request(copy, len, &lim, NULL, &req, &used) == HTTP_COMPLETE);
    arena_reset(arena);
    const auth_identity_t *who = NULL;
    CHECK(auth_keyring_verify(arena, r, &req, VECTOR_NOW, &who) == NULL);
    CHECK(who && who->read_only && strcmp(who->name, "vectors") == 0 &&
          strcmp(who->key.id, VECTOR_KEY_ID) == 0);
    ddb_error_t *e = auth_keyring_verify(arena, r, &req, VECTOR_NOW + 3600, &who);
    CHECK(e && e->kind == ERR_INVALID_SIGNATURE && who == NULL);
    free(copy);
    auth_keyring_free(r);
}

int main(void)
{
    arena = arena_new(0);
    RUN(test_file_read);
    RUN(test_file_faults);
    rights_ring = ring_of(rights_file);
    if (!rights_ring) {
        fprintf(stderr, "rights file: %s\n", err);
        return 1;
    }
    RUN(test_rights_single_table);
    RUN(test_rights_account);
    RUN(test_rights_batches);
    RUN(test_rights_streams_and_arns);
    RUN(test_authenticate_identity);
    auth_keyring_free(rights_ring);
    arena_free(arena);
    return unit_report("test_auth");
}
