/* ops: the operation handlers, one file per family, and what they share.
 *
 * Every handler reads as validate -> execute -> render.  Validation reads
 * only the request; execution reads storage inline (reads) or queues a
 * storage_write_t to the writer (writes), whose done() renders the response
 * and completes the call.
 */
#ifndef DDBD_OPS_H
#define DDBD_OPS_H

#include "api.h"
#include "capacity.h"
#include "catalog.h"
#include "constraint.h"
#include "errors.h"
#include "expr.h"
#include "json.h"
#include "storage.h"
#include "value.h"

typedef api_result_t (*op_handler_t)(api_call_t *call, const json_value_t *req);

/* Render an error as the response; returns API_DONE. */
api_result_t op_reply_error(api_call_t *call, ddb_error_t *e);
/* The response body is in call->out: status 200; returns API_DONE. */
api_result_t op_reply_ok(api_call_t *call);
/* Complete a pending call from the writer thread (after its response or
 * error was rendered with op_reply_*). */
void op_complete(api_call_t *call);

/* The read transaction of the calling I/O thread (with the DBI lock). */
MDB_txn *op_read_begin(api_call_t *call);
void op_read_end(api_call_t *call, MDB_txn *txn);

/* A request member that this server does not implement yet. */
ddb_error_t *op_unsupported(api_call_t *call, const json_value_t *req, const char *const *names);

/* Expressions and their legacy forms, as an operation allows them. */
enum {
    ALLOW_CONDITION = 1,      /* ConditionExpression, Expected */
    ALLOW_UPDATE = 2,         /* UpdateExpression, AttributeUpdates */
    ALLOW_PROJECTION = 4,     /* ProjectionExpression, AttributesToGet */
    ALLOW_FILTER = 8,         /* FilterExpression */
    ALLOW_QUERY_FILTER = 16,  /* QueryFilter */
    ALLOW_SCAN_FILTER = 32,   /* ScanFilter */
    ALLOW_KEY_CONDITION = 64, /* KeyConditionExpression, KeyConditions */
};

typedef struct {
    expr_env_t env;
    expr_t *condition;  /* ConditionExpression or Expected */
    expr_t *update;     /* UpdateExpression or AttributeUpdates */
    expr_t *projection; /* ProjectionExpression or AttributesToGet */
    expr_t *filter;     /* FilterExpression, QueryFilter or ScanFilter */
    expr_t *key_condition;             /* KeyConditionExpression */
    const json_value_t *key_conditions; /* KeyConditions (legacy), read by the caller */
} op_exprs_t;

/* Read the expression members `allow` permits, refuse a request that mixes
 * them with their legacy forms, parse everything, and check that every
 * placeholder was used. */
ddb_error_t *op_read_expressions(api_call_t *call, const json_value_t *req, unsigned allow,
                                 op_exprs_t *x);

/* AttributesToGet's member rules: a list of strings, at least one. */
ddb_error_t *op_check_attributes_to_get(api_call_t *call, const json_value_t *req,
                                        constraint_list_t *cl);

/* insights.c */
api_result_t op_update_contributor_insights(api_call_t *call, const json_value_t *req);
api_result_t op_describe_contributor_insights(api_call_t *call, const json_value_t *req);
api_result_t op_list_contributor_insights(api_call_t *call, const json_value_t *req);

/* replicas.c: UpdateTable's ReplicaUpdates, the 2017.11.29 operations and
 * the calls regions make to each other */
api_result_t op_update_table_replicas(api_call_t *call, const json_value_t *req,
                                      const char *table);
api_result_t op_create_global_table(api_call_t *call, const json_value_t *req);
api_result_t op_update_global_table(api_call_t *call, const json_value_t *req);
api_result_t op_describe_global_table(api_call_t *call, const json_value_t *req);
api_result_t op_list_global_tables(api_call_t *call, const json_value_t *req);
api_result_t op_describe_global_table_settings(api_call_t *call, const json_value_t *req);
api_result_t op_update_global_table_settings(api_call_t *call, const json_value_t *req);
api_result_t op_describe_table_replica_auto_scaling(api_call_t *call, const json_value_t *req);
api_result_t op_update_table_replica_auto_scaling(api_call_t *call, const json_value_t *req);
api_result_t op_replication_apply(api_call_t *call, const json_value_t *req);
api_result_t op_replication_apply_records(api_call_t *call, const json_value_t *req);
api_result_t op_replication_set_group(api_call_t *call, const json_value_t *req);
api_result_t op_replication_settings(api_call_t *call, const json_value_t *req);

/* tables.c */
api_result_t op_create_table(api_call_t *call, const json_value_t *req);
api_result_t op_describe_table(api_call_t *call, const json_value_t *req);
api_result_t op_delete_table(api_call_t *call, const json_value_t *req);
api_result_t op_list_tables(api_call_t *call, const json_value_t *req);
api_result_t op_update_table(api_call_t *call, const json_value_t *req);

/* items.c */
api_result_t op_put_item(api_call_t *call, const json_value_t *req);
api_result_t op_get_item(api_call_t *call, const json_value_t *req);
api_result_t op_delete_item(api_call_t *call, const json_value_t *req);
api_result_t op_update_item(api_call_t *call, const json_value_t *req);

/* The single-item write machinery of items.c, shared by batch.c and
 * transactions.c: prepare (validate a request object with TableName and
 * Item or Key and the expression members; the table is referenced), apply
 * (writer thread, inside the given transaction, which also changes the
 * table's counts), then release. */
/* WRITE_BATCH_PUT: a PutRequest of BatchWriteItem, whose key problems the
 * service reports as "The provided key element does not match the schema". */
/* WRITE_TRANSACT_PUT: a Put of TransactWriteItems, whose key of the wrong
 * type cancels the transaction (a ValidationError reason) instead of
 * rejecting the request. */
typedef enum {
    WRITE_PUT,
    WRITE_DELETE,
    WRITE_UPDATE,
    WRITE_CHECK,
    WRITE_BATCH_PUT,
    WRITE_TRANSACT_PUT,
} write_kind_t;
typedef struct item_write item_write_t;
ddb_error_t *item_write_prepare(api_call_t *call, const json_value_t *req, write_kind_t kind,
                                item_write_t **out);
int item_write_apply(item_write_t *iw, MDB_txn *txn);
/* Throttling (throttle.h, when on): whether the write may go to the writer
 * (NULL: yes).  Its units are charged by item_write_add_capacity. */
ddb_error_t *item_write_admit(item_write_t *iw);
/* After apply: the request's own outcome (a failed condition, an update
 * error), or NULL; *gone when the table was deleted meanwhile. */
ddb_error_t *item_write_result(const item_write_t *iw, bool *gone);
const value_t *item_write_old_item(const item_write_t *iw);
/* After apply: the attributes the request's ReturnValues asks for, or NULL. */
const value_t *item_write_returned(item_write_t *iw);
void item_write_release(item_write_t *iw);
/* A change that came from another region (replication.h): key's item in t
 * (found: its stored form as the transaction holds it now, NULL: none)
 * becomes new_item (NULL: deleted), carrying the version (ts, origin), with
 * its indexes, counts, expiry entry and stream record, as a local write
 * would leave them (writer thread). */
int item_write_replicated(MDB_txn *txn, arena_t *a, table_t *t, const MDB_val *key,
                          const MDB_val *found, const value_t *new_item, uint64_t ts,
                          const char *origin);
/* Whether the write deletes (or only checks) an item: it frees space. */
bool item_write_frees(const item_write_t *iw);
bool item_write_same_item(const item_write_t *a, const item_write_t *b);
size_t item_write_size(const item_write_t *iw);

/* A single-item read (GetItem; each key of BatchGetItem, TransactGetItems):
 * prepare validates a request object (TableName, Key, projection members,
 * ConsistentRead); run looks the item up in t and, when found, appends its
 * (projected) attribute map to out. */
typedef struct item_read item_read_t;
ddb_error_t *item_read_prepare(api_call_t *call, const json_value_t *req, item_read_t **out);
const char *item_read_table_name(const item_read_t *r);
ddb_error_t *item_read_run(api_call_t *call, MDB_txn *txn, const table_t *t, item_read_t *r,
                           buf_t *out);
bool item_read_found(const item_read_t *r);
/* Throttling (throttle.h, when on): whether the read may run (NULL: yes),
 * and the charge of its units to its partition afterwards. */
ddb_error_t *item_read_admit(api_call_t *call, const table_t *t, item_read_t *r);
void item_read_charge(const table_t *t, const item_read_t *r, double units);
/* The read units of a run (transactional: as a TransactGetItems read). */
double item_read_units(const item_read_t *r, bool transactional);

/* batch.c */
api_result_t op_batch_get_item(api_call_t *call, const json_value_t *req);
api_result_t op_batch_write_item(api_call_t *call, const json_value_t *req);

/* transactions.c */
api_result_t op_transact_write_items(api_call_t *call, const json_value_t *req);
api_result_t op_transact_get_items(api_call_t *call, const json_value_t *req);
/* Run prepared writes as one transaction (req: the request, for its
 * ClientRequestToken; inserts[i]: action i is a PartiQL INSERT, whose failed
 * condition is the reason DuplicateItem; NULL: none).  The actions are
 * released.  Two actions on one item are refused. */
api_result_t transact_write_submit(api_call_t *call, const json_value_t *req,
                                   item_write_t **actions, size_t count, const bool *inserts,
                                   const char *token, capacity_mode_t capacity);
/* Read every item from one snapshot and render {"Responses":[{"Item":...}
 * or {}, ...]} with ConsumedCapacity; gets[i] is the request object of
 * reads[i] (TableName, Key), for refusing one item read twice. */
api_result_t transact_get_run(api_call_t *call, const json_value_t *const *gets,
                              item_read_t **reads, size_t n, capacity_mode_t capacity);

/* Add the write units of each write (times factor) to its table's entry of
 * a capacity list. */
void item_write_add_capacity(item_write_t *const *writes, size_t count, double factor,
                             capacity_t *list, size_t *n);

/* streams.c: the DynamoDB Streams operations */
api_result_t op_list_streams(api_call_t *call, const json_value_t *req);
api_result_t op_describe_stream(api_call_t *call, const json_value_t *req);
api_result_t op_get_shard_iterator(api_call_t *call, const json_value_t *req);
api_result_t op_get_records(api_call_t *call, const json_value_t *req);

/* ttl.c */
api_result_t op_update_time_to_live(api_call_t *call, const json_value_t *req);
api_result_t op_describe_time_to_live(api_call_t *call, const json_value_t *req);
/* The minimum time between two changes of a table's TTL setting, and the
 * deleter's period (its first pass comes one period after this call). */
void ttl_configure(double cooldown_s, double delay_s);
/* Fill the expiry index of t from its items (TTL enabled, not yet filled). */
void ttl_fill_start(table_t *t);
/* The janitor's task: once per deleter period, delete due items (at most
 * one deleter write in flight, more at once while there is a backlog). */
void ttl_expire_tick(void);

/* The TTL deleter's delete, in items.c: the item at key of t if it is still
 * expired at now_ms under the expiry index entry `expiry_ms`, with its
 * index entries, collection size and a REMOVE record made by the service;
 * *deleted_size is its size (0: nothing was deleted).  A stale entry is
 * removed. */
int item_expire(MDB_txn *txn, arena_t *a, table_t *t, const uint8_t *key, size_t key_len,
                int64_t expiry_ms, int64_t now_ms, size_t *deleted_size);

/* tags.c */
api_result_t op_tag_resource(api_call_t *call, const json_value_t *req);
api_result_t op_untag_resource(api_call_t *call, const json_value_t *req);
api_result_t op_list_tags_of_resource(api_call_t *call, const json_value_t *req);

/* policies.c: resource-based policies */
api_result_t op_put_resource_policy(api_call_t *call, const json_value_t *req);
api_result_t op_get_resource_policy(api_call_t *call, const json_value_t *req);
api_result_t op_delete_resource_policy(api_call_t *call, const json_value_t *req);

/* backups.c: on-demand backups */
api_result_t op_create_backup(api_call_t *call, const json_value_t *req);
api_result_t op_describe_backup(api_call_t *call, const json_value_t *req);
api_result_t op_delete_backup(api_call_t *call, const json_value_t *req);
api_result_t op_list_backups(api_call_t *call, const json_value_t *req);
api_result_t op_restore_table_from_backup(api_call_t *call, const json_value_t *req);
api_result_t op_update_continuous_backups(api_call_t *call, const json_value_t *req);
api_result_t op_describe_continuous_backups(api_call_t *call, const json_value_t *req);
api_result_t op_restore_table_to_point_in_time(api_call_t *call, const json_value_t *req);
api_result_t op_export_table_to_point_in_time(api_call_t *call, const json_value_t *req);
api_result_t op_describe_export(api_call_t *call, const json_value_t *req);
api_result_t op_list_exports(api_call_t *call, const json_value_t *req);
api_result_t op_import_table(api_call_t *call, const json_value_t *req);
api_result_t op_describe_import(api_call_t *call, const json_value_t *req);
api_result_t op_list_imports(api_call_t *call, const json_value_t *req);

/* endpoints.c */
api_result_t op_describe_endpoints(api_call_t *call, const json_value_t *req);
api_result_t op_describe_limits(api_call_t *call, const json_value_t *req);
/* The address DescribeEndpoints answers when the request's Host header is
 * not known ("host:port"). */
void endpoints_configure(const char *address);

/* query.c */
api_result_t op_query(api_call_t *call, const json_value_t *req);
api_result_t op_scan(api_call_t *call, const json_value_t *req);
/* A SELECT of ExecuteStatement run as the Query (is_query) or Scan request
 * req: renders {"Items":[...] and ConsumedCapacity into call->out without
 * the closing brace, Count or LastEvaluatedKey; when the page stopped
 * early, last_key receives ,"LastEvaluatedKey":{...}. */
ddb_error_t *query_run_statement(api_call_t *call, const json_value_t *req, bool is_query,
                                 buf_t *last_key);
/* One of the several Queries of a SELECT whose partition key is IN a list
 * (or an OR of equalities): appends the matching items to the open Items
 * array of call->out (a comma first when part->written items are already
 * there), adds to part->written, sets part->scanned (items evaluated) and
 * part->units (read units), and last_key as above when the page stopped. */
typedef struct {
    size_t written;
    int64_t scanned;
    double units;
} query_part_t;
ddb_error_t *query_run_statement_part(api_call_t *call, const json_value_t *req, query_part_t *part,
                                      buf_t *last_key);

/* partiql.c: ExecuteStatement, BatchExecuteStatement, ExecuteTransaction */
api_result_t op_execute_statement(api_call_t *call, const json_value_t *req);
api_result_t op_batch_execute_statement(api_call_t *call, const json_value_t *req);
api_result_t op_execute_transaction(api_call_t *call, const json_value_t *req);

#endif
