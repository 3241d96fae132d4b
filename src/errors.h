/* errors: the DynamoDB error catalogue.
 *
 * One place knows every error `__type`, its HTTP status and the text of
 * every message the service sends.  Handlers never spell a message: they
 * call one of the constructors below, which formats it into the request
 * arena.  An error is a value (ddb_error_t *); NULL means success.
 *
 * Wire form: {"__type":"<namespace>#<Name>","message":"<text>"}; the
 * coral-level errors of serialization, unknown operations and access rights
 * use "Message", as the service does (its authentication errors do not).
 */
#ifndef DDBD_ERRORS_H
#define DDBD_ERRORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "number.h"

typedef enum {
    ERR_VALIDATION,
    ERR_SERIALIZATION,
    ERR_UNKNOWN_OPERATION,
    ERR_MISSING_AUTH,
    ERR_INCOMPLETE_SIGNATURE,
    ERR_INVALID_SIGNATURE,
    ERR_UNRECOGNIZED_CLIENT,
    ERR_ACCESS_DENIED,
    ERR_RESOURCE_NOT_FOUND,
    ERR_RESOURCE_IN_USE,
    ERR_CONDITIONAL_CHECK_FAILED,
    ERR_LIMIT_EXCEEDED,
    ERR_ITEM_COLLECTION_SIZE_LIMIT,
    ERR_TRANSACTION_CANCELED,
    ERR_IDEMPOTENT_MISMATCH,
    ERR_EXPIRED_ITERATOR,
    ERR_TRIMMED_DATA_ACCESS,
    ERR_POLICY_NOT_FOUND,
    ERR_DUPLICATE_ITEM,
    ERR_TABLE_NOT_FOUND,
    ERR_TABLE_ALREADY_EXISTS,
    ERR_TABLE_IN_USE,
    ERR_BACKUP_NOT_FOUND,
    ERR_BACKUP_IN_USE,
    ERR_CONTINUOUS_BACKUPS_UNAVAILABLE,
    ERR_PITR_UNAVAILABLE,
    ERR_INVALID_RESTORE_TIME,
    ERR_INVALID_EXPORT_TIME,
    ERR_EXPORT_CONFLICT,
    ERR_EXPORT_NOT_FOUND,
    ERR_IMPORT_CONFLICT,
    ERR_IMPORT_NOT_FOUND,
    ERR_PROVISIONED_THROUGHPUT_EXCEEDED,
    ERR_THROTTLING,
    ERR_GLOBAL_TABLE_NOT_FOUND,
    ERR_INTERNAL,
    ERR_KIND_COUNT
} ddb_error_kind_t;

typedef struct {
    ddb_error_kind_t kind;
    const char *message; /* NULL: no message member */
    /* More members of the error body, already rendered ("\"Item\":{...}"),
     * or NULL: e.g. the item of a failed condition. */
    const char *extra_json;
} ddb_error_t;

/* A new error of `kind` with a printf-formatted message. */
ddb_error_t *ddb_error_new(arena_t *a, ddb_error_kind_t kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* HTTP status of an error kind. */
int ddb_error_status(ddb_error_kind_t kind);
/* The short name of an error kind's __type ("ValidationException"). */
const char *ddb_error_kind_name(ddb_error_kind_t kind);
/* Render {"__type":...,"message":...} into out. */
void ddb_error_render(const ddb_error_t *e, buf_t *out);

/* --- the catalogue ------------------------------------------------------ */
/* Protocol. */
ddb_error_t *err_unknown_operation(arena_t *a);
ddb_error_t *err_missing_auth(arena_t *a);

/* Authentication (SigV4, sigv4.c) and access rights (auth.c).  Times are
 * ISO-8601 basic ("20240101T000000Z"). */
/* Both the query-string form (X-Amz-Algorithm) and an Authorization header. */
ddb_error_t *err_auth_both_forms(arena_t *a);
/* A token of the Authorization header without '=' (header: the whole value). */
ddb_error_t *err_auth_pair_without_equals(arena_t *a, const char *token, const char *header);
/* Header form: the components missing, and the Authorization value. */
ddb_error_t *err_auth_header_incomplete(arena_t *a, bool credential, bool signature,
                                        bool signed_headers, bool date, const char *header);
/* Query-string form: the parameters missing. */
ddb_error_t *err_auth_query_incomplete(arena_t *a, bool algorithm, bool credential,
                                       bool signature, bool signed_headers, bool date);
ddb_error_t *err_auth_date_format(arena_t *a, const char *date);
/* X-Amz-Expires of a presigned request not a number of seconds up to a week. */
ddb_error_t *err_auth_expires_invalid(arena_t *a, const char *expires);
/* The request's date before limit = now - window (window: "15 min", "90 sec"). */
ddb_error_t *err_auth_expired(arena_t *a, const char *date, const char *limit, const char *now,
                              const char *window);
/* The request's date after limit = now + window. */
ddb_error_t *err_auth_not_yet_current(arena_t *a, const char *date, const char *limit,
                                      const char *now, const char *window);
ddb_error_t *err_auth_host_not_signed(arena_t *a);
ddb_error_t *err_auth_algorithm(arena_t *a, const char *algorithm);
ddb_error_t *err_auth_credential_shape(arena_t *a, const char *credential);
/* The credential scope's faults, each NULL when right: the region and
 * service are only flagged; terminator is the wrong one given; scope_date
 * the scope's date when it is not the day of request_date. */
ddb_error_t *err_auth_scope(arena_t *a, bool region, bool service, const char *terminator,
                            const char *scope_date, const char *request_date);
/* An unknown access key, or a wrong or missing session token. */
ddb_error_t *err_auth_unknown_key(arena_t *a);
ddb_error_t *err_auth_signature_mismatch(arena_t *a);
/* action: "PutItem"; resource: an ARN. */
ddb_error_t *err_auth_access_denied(arena_t *a, const char *principal, const char *action,
                                    const char *resource);
/* A Deny statement of the resource's policy (policy_denies) matched. */
ddb_error_t *err_auth_explicit_deny(arena_t *a, const char *principal, const char *action,
                                   const char *resource);
ddb_error_t *err_serialization(arena_t *a, const char *msg); /* msg NULL: no message */
ddb_error_t *err_internal(arena_t *a);
/* A request member this server does not implement yet. */
ddb_error_t *err_unsupported_member(arena_t *a, const char *member);
/* A body whose Content-Encoding is unsupported, or that does not inflate. */
ddb_error_t *err_body_not_decodable(arena_t *a);

/* The "N validation errors detected" texts of member constraints are made
 * by constraint.h. */

/* Generic ValidationException with a fixed text. */
ddb_error_t *err_validation(arena_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "One or more parameter values were invalid: <detail>" */
ddb_error_t *err_invalid_parameter(arena_t *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Tables. */
ddb_error_t *err_table_not_found(arena_t *a, const char *table);    /* DescribeTable & co */
ddb_error_t *err_table_not_found_op(arena_t *a);                    /* item operations */
ddb_error_t *err_table_exists(arena_t *a, const char *table);
ddb_error_t *err_table_in_use(arena_t *a, const char *table, const char *status);
ddb_error_t *err_deletion_protected(arena_t *a);

/* --- table definitions, indexes and UpdateTable (catalog.c, index.c,
 * ops/tables.c) --------------------------------------------------------------- */
/* CreateTable: two AttributeDefinitions of one name. */
ddb_error_t *err_attribute_name_duplicated(arena_t *a, const char *name);
/* A GSI of a PROVISIONED table created without throughput (CreateTable). */
ddb_error_t *err_index_throughput_not_specified(arena_t *a, const char *index);
ddb_error_t *err_non_key_attribute_duplicate(arena_t *a, const char *name);
/* UpdateTable without anything to change (GlobalSecondaryIndexUpdates []
 * and AttributeDefinitions do not count). */
ddb_error_t *err_update_table_nothing(arena_t *a);
ddb_error_t *err_update_table_provisioned_needs_throughput(arena_t *a);
/* Table throughput with BillingMode PAY_PER_REQUEST (CreateTable, UpdateTable). */
ddb_error_t *err_throughput_with_on_demand(arena_t *a);
ddb_error_t *err_table_throughput_unchanged(arena_t *a, long long rcu, long long new_rcu,
                                            long long wcu, long long new_wcu);
/* what: "DeletionProtection", "TableClass", ... */
ddb_error_t *err_update_table_only_operation(arena_t *a, const char *what);
/* A GSI Create or Delete sent with a throughput or stream change. */
ddb_error_t *err_index_change_with_throughput(arena_t *a);
ddb_error_t *err_index_change_with_stream(arena_t *a);
ddb_error_t *err_index_updates_empty(arena_t *a);
ddb_error_t *err_index_update_no_action(arena_t *a);
ddb_error_t *err_index_update_two_actions(arena_t *a);
ddb_error_t *err_index_update_same_index(arena_t *a, const char *index);
ddb_error_t *err_index_online_limit(arena_t *a);
ddb_error_t *err_index_count_limit(arena_t *a, int limit);
ddb_error_t *err_index_exists(arena_t *a);
ddb_error_t *err_index_update_not_found(arena_t *a, const char *index, const char *table);
/* An LSI named in a GSI Delete (deleting) or Update. */
ddb_error_t *err_index_not_global(arena_t *a, bool deleting, const char *index);
ddb_error_t *err_index_attributes_not_specified(arena_t *a, const char *index);
/* existing, replacement: "Schema:[SchemaElement: key{a:S:HASH}]" */
ddb_error_t *err_attribute_redefined(arena_t *a, const char *existing, const char *replacement);
ddb_error_t *err_index_throughput_both(arena_t *a, const char *index);
ddb_error_t *err_index_throughput_on_demand(arena_t *a, const char *index);
ddb_error_t *err_index_update_on_demand(arena_t *a, const char *index);
ddb_error_t *err_index_throughput_required(arena_t *a, const char *index);
ddb_error_t *err_index_throughput_unchanged(arena_t *a, const char *index, long long rcu,
                                            long long new_rcu, long long wcu, long long new_wcu);
/* Item values for index keys. */
/* An attribute name of an item (or a nested map key) over 65535 bytes. */
ddb_error_t *err_attribute_name_too_long(arena_t *a);

/* CreateTable definitions. */
/* keys, defined: "[a, b]" */
ddb_error_t *err_keys_not_defined(arena_t *a, const char *keys, const char *defined);
ddb_error_t *err_key_schema_same_names(arena_t *a);
/* first: the first element is not HASH; else the second is not RANGE */
ddb_error_t *err_key_schema_order(arena_t *a, bool first);
ddb_error_t *err_key_schema_undefined(arena_t *a);
/* GSI key schemas with several attributes per key (multi-attribute keys):
 * more than four of key_type ("HASH" or "RANGE"), a HASH element after a
 * RANGE one, an attribute named twice. */
ddb_error_t *err_key_schema_too_many(arena_t *a, const char *key_type);
ddb_error_t *err_key_schema_hash_after_range(arena_t *a);
ddb_error_t *err_key_schema_repeated_name(arena_t *a);
ddb_error_t *err_projection_type_null(arena_t *a);
/* NonKeyAttributes given (non_key) with type not INCLUDE, or missing with INCLUDE. */
ddb_error_t *err_projection_non_key(arena_t *a, const char *type, bool non_key);
/* billing_mode_given: BillingMode PROVISIONED without ProvisionedThroughput;
 * else neither was given. */
ddb_error_t *err_throughput_required(arena_t *a, bool billing_mode_given);
/* which: "ReadCapacityUnits" or "WriteCapacityUnits" */
ddb_error_t *err_throughput_out_of_bounds(arena_t *a, const char *which, long long value);
/* which: "LocalSecondaryIndexes" or "GlobalSecondaryIndexes" */
ddb_error_t *err_index_list_empty(arena_t *a, const char *which);
ddb_error_t *err_lsi_without_table_range(arena_t *a);
ddb_error_t *err_lsi_without_range(arena_t *a, const char *index);
ddb_error_t *err_lsi_hash_key(arena_t *a, const char *index, const char *index_hash,
                              const char *table_hash);
ddb_error_t *err_lsi_throughput(arena_t *a, const char *index);
/* global: GSIs, else LSIs */
ddb_error_t *err_index_count(arena_t *a, bool global, int limit);
ddb_error_t *err_gsi_throughput_on_demand(arena_t *a, const char *index);
ddb_error_t *err_index_name_duplicate(arena_t *a, const char *index);
ddb_error_t *err_attribute_count_mismatch(arena_t *a);
/* defined, used: "[a, b]" */
ddb_error_t *err_attributes_unused(arena_t *a, const char *defined, const char *used);

/* Items and values. */
/* An AttributeValue with no type (empty) or several; the service says the
 * latter also of a WriteRequest with both PutRequest and DeleteRequest. */
ddb_error_t *err_attribute_value_types(arena_t *a, bool empty);
ddb_error_t *err_null_not_true(arena_t *a);
/* kind: "string", "number", "binary" */
ddb_error_t *err_set_empty(arena_t *a, const char *kind);
/* A null member of an SS (binary false) or BS (binary true). */
ddb_error_t *err_set_null_member(arena_t *a, bool binary);
/* A repeated set member; members_text "[a, b, a]" (NULL for NS, whose text
 * names no members). */
ddb_error_t *err_set_duplicates(arena_t *a, const char *members_text, bool binary);
ddb_error_t *err_base64_length(arena_t *a, size_t len);
ddb_error_t *err_base64_character(arena_t *a);
ddb_error_t *err_key_schema_mismatch(arena_t *a);
ddb_error_t *err_hash_key_too_large(arena_t *a);
ddb_error_t *err_range_key_too_large(arena_t *a);
ddb_error_t *err_item_missing_key(arena_t *a, const char *key);
/* A key attribute of the item (index NULL) or of an index, of another
 * type than declared. */
ddb_error_t *err_key_type_mismatch(arena_t *a, const char *key, const char *expected,
                                   const char *actual, const char *index);
ddb_error_t *err_item_too_large(arena_t *a);
/* Throttling (throttle.h): a provisioned table's capacity, one of its
 * GSIs' (which throttles writes to the table), and an on-demand table's. */
/* Each carries its ThrottlingReasons: one {reason, resource}, e.g.
 * "TableWriteProvisionedThroughputExceeded" and the table's or index's
 * ARN. */
ddb_error_t *err_throughput_exceeded_table(arena_t *a, const char *reason, const char *resource);
ddb_error_t *err_throughput_exceeded_index(arena_t *a, const char *reason, const char *resource);
ddb_error_t *err_throttling(arena_t *a, const char *reason, const char *resource);
/* UpdateTable: a decrease of a table's throughput past the day's free ones
 * within the hour after the last one (times: seconds since the epoch). */
ddb_error_t *err_throughput_decreases_limited(arena_t *a, int today, double last, double next);
/* OnDemandThroughput (CreateTable, UpdateTable): `which` is
 * "MaxReadRequestUnits" or "MaxWriteRequestUnits", index NULL for the
 * table's.  Given on a PROVISIONED table (update: the UpdateTable wording);
 * below 1 (or -1 where it cannot clear); above the per-table maximum
 * (in region). */
ddb_error_t *err_on_demand_max_provisioned(arena_t *a, const char *which, const char *index,
                                           bool update);
ddb_error_t *err_on_demand_max_range(arena_t *a, const char *which, const char *index);
ddb_error_t *err_on_demand_max_above_limit(arena_t *a, const char *which, const char *index,
                                           const char *region);
/* Provisioned throughput above the per-table maximum (DescribeLimits): the
 * table's and its GSIs' together; `which` "ReadCapacityUnits" or
 * "WriteCapacityUnits". */
ddb_error_t *err_throughput_above_table_max(arena_t *a, const char *which, long long requested,
                                            long long max, const char *region);
/* CreateTable / UpdateTable: the provisioned units of every table and GSI
 * of the account (the region's server) past the account maximum: total is
 * the sum with the request's (text inferred from the per-table one). */
ddb_error_t *err_throughput_above_account_max(arena_t *a, const char *which, long long total,
                                              long long max, const char *region);
/* UpdateTable: a switch to PAY_PER_REQUEST past the `limit` a rolling day
 * allows (times: seconds since the epoch). */
ddb_error_t *err_on_demand_switches_limited(arena_t *a, int limit, double last, double next);
/* A GSI's provisioned throughput above the maximum one index may have. */
ddb_error_t *err_throughput_above_index_max(arena_t *a, const char *which, const char *index,
                                            long long requested, long long max,
                                            const char *region);
/* Transactions. */
ddb_error_t *err_transaction_same_item(arena_t *a);
ddb_error_t *err_idempotent_mismatch(arena_t *a);
/* reasons: "None, ConditionalCheckFailed, ..."; reasons_json: the
 * rendered CancellationReasons member. */
ddb_error_t *err_transaction_canceled(arena_t *a, const char *reasons, const char *reasons_json);
/* An item collection (one partition key of a table with LSIs) over 10 GB. */
ddb_error_t *err_item_collection_too_large(arena_t *a);
/* An empty S or B value for a key attribute of an index / of the table. */
ddb_error_t *err_empty_index_key(arena_t *a, bool string, const char *index, const char *key);
ddb_error_t *err_empty_key(arena_t *a, bool string, const char *key);
ddb_error_t *err_return_values_invalid(arena_t *a);
ddb_error_t *err_condition_failed(arena_t *a);
/* "Cannot update attribute <name>. This attribute is part of the key" */
ddb_error_t *err_update_key_attribute(arena_t *a, const char *name);
/* Legacy and expression parameters in one request. */
ddb_error_t *err_mixed_parameters(arena_t *a, const char *legacy, const char *expression);
/* ExpressionAttributeNames/Values given without any expression;
 * null_expressions (or NULL) names the expressions the request could have
 * had, as the service's text does for values. */
ddb_error_t *err_placeholders_without_expression(arena_t *a, const char *member,
                                                 const char *null_expressions);
/* ConditionalOperator without Expected/QueryFilter/ScanFilter, or with
 * fewer than two of their entries to join. */
ddb_error_t *err_conditional_operator_alone(arena_t *a);
ddb_error_t *err_conditional_operator_one_element(arena_t *a);
/* An UpdateItem whose result would be over 400 KB. */
ddb_error_t *err_updated_item_too_large(arena_t *a);

/* Batches and transactions. */
/* op: "BatchGetItem" or "BatchWriteItem" */
ddb_error_t *err_batch_too_many(arena_t *a, const char *op);
ddb_error_t *err_batch_duplicate_keys(arena_t *a);
ddb_error_t *err_transact_item_kinds(arena_t *a);
/* The items of a write transaction over 4 MB together. */
ddb_error_t *err_transaction_too_large(arena_t *a);

/* Query and Scan. */
/* Key conditions. */
ddb_error_t *err_key_condition_two_names(arena_t *a);
/* expression: the text for a KeyConditionExpression ("Invalid
 * KeyConditionExpression: ..."), else the plain one */
ddb_error_t *err_key_condition_unsupported(arena_t *a, bool expression);
ddb_error_t *err_key_condition_operator(arena_t *a, const char *op);
ddb_error_t *err_key_condition_missing(arena_t *a);
ddb_error_t *err_key_condition_twice(arena_t *a);
ddb_error_t *err_key_condition_missed(arena_t *a, const char *key);
ddb_error_t *err_key_condition_type(arena_t *a);
/* A Query on a multi-attribute sort key: sort key attribute `missing`,
 * before `present` in the key schema, has no equality condition while
 * `present` has a condition. */
ddb_error_t *err_key_condition_range_prefix(arena_t *a, const char *missing, const char *present);
ddb_error_t *err_key_condition_between_order(arena_t *a);
/* which: "QueryFilter" or "Filter Expression" */
ddb_error_t *err_filter_on_key(arena_t *a, const char *which, const char *key);
/* ExclusiveStartKey */
ddb_error_t *err_start_key_invalid(arena_t *a);
ddb_error_t *err_start_key_out_of_range(arena_t *a);
ddb_error_t *err_start_key_segment(arena_t *a, long long total, long long segment);
/* Segment without TotalSegments (segment_given) or the reverse. */
ddb_error_t *err_segments_incomplete(arena_t *a, bool segment_given);
ddb_error_t *err_segment_out_of_range(arena_t *a, long long segment, long long total);
ddb_error_t *err_index_not_found(arena_t *a, const char *index);
ddb_error_t *err_index_backfilling(arena_t *a, const char *index);
ddb_error_t *err_gsi_consistent_read(arena_t *a);
ddb_error_t *err_select_all_on_gsi(arena_t *a, const char *index);
ddb_error_t *err_select_projected_on_table(arena_t *a);
ddb_error_t *err_select_specific_without_projection(arena_t *a);
/* member: "AttributesToGet" or "ProjectionExpression"; what: "only the
 * Count" or the Select value. */
ddb_error_t *err_select_with_projection(arena_t *a, const char *member, const char *what);

/* DynamoDB Streams. */
/* StreamSpecification's view type missing (enabled) or given (disabled),
 * on CreateTable (creating) or UpdateTable. */
ddb_error_t *err_stream_view_type(arena_t *a, bool creating, bool enabled);
ddb_error_t *err_stream_already_enabled(arena_t *a, const char *table);
ddb_error_t *err_stream_none_to_disable(arena_t *a, const char *table);
/* UpdateTable changing the stream and the throughput together. */
ddb_error_t *err_stream_change_with_iops(arena_t *a);
/* A StreamArn that is no stream ARN at all. */
ddb_error_t *err_stream_arn_invalid(arena_t *a, const char *arn);
ddb_error_t *err_stream_not_found(arena_t *a, const char *arn);
ddb_error_t *err_shard_not_found(arena_t *a);
/* GetShardIterator's SequenceNumber: missing for AT/AFTER_SEQUENCE_NUMBER,
 * given for TRIM_HORIZON/LATEST, or not one of the shard's. */
ddb_error_t *err_sequence_required(arena_t *a);
ddb_error_t *err_sequence_unexpected(arena_t *a);
ddb_error_t *err_sequence_invalid(arena_t *a, const char *sequence, const char *shard);
ddb_error_t *err_trimmed_data(arena_t *a);
ddb_error_t *err_iterator_invalid(arena_t *a);
ddb_error_t *err_iterator_expired(arena_t *a, int64_t issued_ms, int64_t now_ms,
                                  int64_t lifetime_ms);

/* Time to Live. */
ddb_error_t *err_ttl_other_attribute(arena_t *a, const char *current);
/* enabled: "already enabled", else "already disabled" */
ddb_error_t *err_ttl_already(arena_t *a, bool enabled);
ddb_error_t *err_ttl_cooldown(arena_t *a);
/* Contributor Insights: an index the table lacks (or an LSI); a table or
 * index not ACTIVE; an IndexName of a bad length. */
ddb_error_t *err_insights_index_not_found(arena_t *a, const char *index, const char *table);
ddb_error_t *err_insights_not_active(arena_t *a, bool index);
ddb_error_t *err_insights_index_name_length(arena_t *a);

/* --- expressions (expr_*.c) ----------------------------------------------
 * `expr` is the expression's name as the service prints it, e.g.
 * "ConditionExpression"; every text below then reads "Invalid <expr>: ...". */
ddb_error_t *err_expr_empty(arena_t *a, const char *expr);
/* size 0: the variant without the size (update and projection). */
ddb_error_t *err_expr_too_long(arena_t *a, const char *expr, size_t size);
ddb_error_t *err_expr_syntax(arena_t *a, const char *expr, const char *token, size_t token_len,
                             const char *near, size_t near_len);
ddb_error_t *err_expr_redundant_parens(arena_t *a, const char *expr);
ddb_error_t *err_expr_reserved_word(arena_t *a, const char *expr, const char *word, size_t len);
ddb_error_t *err_expr_list_index(arena_t *a, const char *expr, const char *index, size_t len);
ddb_error_t *err_expr_function_name(arena_t *a, const char *expr, const char *name, size_t len);
/* A function used where its kind of expression does not allow it. */
ddb_error_t *err_expr_function_not_in_condition(arena_t *a, const char *expr, const char *name);
ddb_error_t *err_expr_function_not_in_update(arena_t *a, const char *expr, const char *name);
ddb_error_t *err_expr_function_context(arena_t *a, const char *expr, const char *name);
/* section: "SET", "REMOVE", "ADD", "DELETE" */
ddb_error_t *err_expr_duplicate_section(arena_t *a, const char *expr, const char *section);
ddb_error_t *err_expr_path_too_deep(arena_t *a, const char *expr, size_t levels);
ddb_error_t *err_expr_name_undefined(arena_t *a, const char *expr, const char *name, size_t len);
ddb_error_t *err_expr_value_undefined(arena_t *a, const char *expr, const char *name, size_t len);
ddb_error_t *err_expr_operand_count(arena_t *a, const char *expr, const char *op, size_t count);
ddb_error_t *err_expr_operand_type(arena_t *a, const char *expr, const char *op, const char *type);
/* ADD/DELETE clause value of the wrong type; type is the long name
 * ("STRING"), type_set "ALLOWED_FOR_ADD_OPERAND" or "..._DELETE_...". */
ddb_error_t *err_expr_action_operand_type(arena_t *a, const char *expr, const char *action,
                                          const char *type, const char *type_set);
ddb_error_t *err_expr_requires_path(arena_t *a, const char *expr, const char *op);
ddb_error_t *err_expr_operands_not_distinct(arena_t *a, const char *expr, const char *op,
                                            const char *path);
ddb_error_t *err_expr_type_name(arena_t *a, const char *expr, const char *type, size_t len,
                                const char *valid);
/* lower/upper: "AttributeValue: {N:5}" */
ddb_error_t *err_expr_between_types(arena_t *a, const char *expr, const char *lower,
                                    const char *upper);
ddb_error_t *err_expr_between_order(arena_t *a, const char *expr, const char *lower,
                                    const char *upper);
ddb_error_t *err_expr_in_too_many(arena_t *a, const char *expr, size_t count);
ddb_error_t *err_expr_too_many_operators(arena_t *a, const char *expr, size_t count);
/* one/two: "[a, b, [1]]" */
ddb_error_t *err_expr_paths_overlap(arena_t *a, const char *expr, const char *one, const char *two);
ddb_error_t *err_expr_paths_conflict(arena_t *a, const char *expr, const char *one,
                                     const char *two);
/* ExpressionAttributeNames / ExpressionAttributeValues maps.  member is
 * "ExpressionAttributeNames" or "ExpressionAttributeValues". */
ddb_error_t *err_expr_map_empty(arena_t *a, const char *member);
ddb_error_t *err_expr_map_key_syntax(arena_t *a, const char *member, const char *key, size_t len);
ddb_error_t *err_expr_map_key_empty(arena_t *a, const char *member);
/* size 0: without the size (the values map says no more). */
ddb_error_t *err_expr_map_key_too_long(arena_t *a, const char *member, size_t size);
ddb_error_t *err_expr_name_empty(arena_t *a, const char *key, size_t len);
/* A value that failed validation: its message, then " for key :k". */
ddb_error_t *err_expr_value_invalid(arena_t *a, const char *message, const char *key, size_t len);
/* keys: "#a, #b" */
ddb_error_t *err_expr_unused(arena_t *a, const char *member, const char *keys);
/* Update expressions applied to an item. */
ddb_error_t *err_update_missing_operand(arena_t *a);
ddb_error_t *err_update_operand_type(arena_t *a);
ddb_error_t *err_update_invalid_path(arena_t *a);
/* An arithmetic result the number model cannot hold; status is a
 * number_status_t other than NUMBER_OK. */
/* A number that did not parse or does not fit (text: what was sent, or NULL
 * for a computed result). */
ddb_error_t *err_number(arena_t *a, number_status_t status, const char *text, size_t len);
ddb_error_t *err_item_nesting_too_deep(arena_t *a);
/* Legacy parameters (Expected, AttributeUpdates, AttributesToGet). */
ddb_error_t *err_expected_value_and_list(arena_t *a, const char *attr);
ddb_error_t *err_expected_list_without_operator(arena_t *a, const char *attr);
ddb_error_t *err_expected_exists_and_operator(arena_t *a, const char *attr);
ddb_error_t *err_expected_operator_without_value(arena_t *a, const char *op, const char *attr);
ddb_error_t *err_expected_argument_count(arena_t *a, const char *op);
ddb_error_t *err_expected_operator_type(arena_t *a, const char *op, const char *type);
/* exists: "true" or "null" */
ddb_error_t *err_expected_value_missing(arena_t *a, const char *exists, const char *attr);
ddb_error_t *err_expected_value_with_exists_false(arena_t *a, const char *attr);
ddb_error_t *err_attribute_update_without_value(arena_t *a);
ddb_error_t *err_attribute_update_delete_type(arena_t *a, const char *type);
ddb_error_t *err_attribute_update_add_type(arena_t *a, const char *type);
ddb_error_t *err_attribute_update_type_mismatch(arena_t *a);
ddb_error_t *err_attributes_to_get_duplicate(arena_t *a, const char *name);
/* Conditions (Expected, QueryFilter, ScanFilter, KeyConditions): values of
 * different types in one AttributeValueList; BETWEEN's bounds reversed. */
ddb_error_t *err_condition_values_mixed(arena_t *a);
ddb_error_t *err_condition_between_order(arena_t *a);
/* KeyConditions: not one or two entries; an operator Query cannot seek
 * with (NE, IN, CONTAINS, NOT_CONTAINS, NULL, NOT_NULL) on a key. */
ddb_error_t *err_key_conditions_count(arena_t *a);
ddb_error_t *err_key_condition_not_indexable(arena_t *a);

/* --- request members of the wrong JSON type (wire.c) ----------------------
 * SerializationExceptions, worded as the service's deserialiser words them. */
/* An object or an array where a scalar, or an array where an object, was expected. */
ddb_error_t *err_wire_object_not_expected(arena_t *a);
ddb_error_t *err_wire_list_not_expected(arena_t *a);
/* token: "NUMBER_VALUE", "DECIMAL_VALUE", "STRING_VALUE", "TRUE_VALUE"...;
 * type: "String", "Boolean", "Integer", "Long". */
ddb_error_t *err_wire_cannot_convert(arena_t *a, const char *token, const char *type);
/* A scalar where a structure, a list or a map was expected... */
ddb_error_t *err_wire_unexpected_field(arena_t *a);
/* ...or where an AttributeValue was. */
ddb_error_t *err_wire_unexpected_value(arena_t *a);
/* A number or a boolean where base64 (a binary value) was expected. */
ddb_error_t *err_wire_blob_not_string(arena_t *a);


/* Resource ARNs (arn.h): the text as sent is quoted. */
ddb_error_t *err_arn_no_prefix(arena_t *a, const char *arn);
/* A part of an ARN missing: part 2 (partition) to 5 (account). */
ddb_error_t *err_arn_part_missing(arena_t *a, int part, const char *arn);
ddb_error_t *err_arn_not_dynamodb(arena_t *a, const char *arn);
ddb_error_t *err_arn_not_table_or_stream(arena_t *a, const char *arn);
/* "Access is denied": a resource of another account. */
ddb_error_t *err_access_denied(arena_t *a);

/* Tags (TagResource, UntagResource, ListTagsOfResource, CreateTable). */
/* An ARN the tag APIs cannot name (another region or partition). */
ddb_error_t *err_tag_arn_invalid(arena_t *a, const char *arn);
ddb_error_t *err_tag_resource_not_found(arena_t *a, const char *arn);
/* Tags (keys false) or TagKeys (keys true) empty. */
ddb_error_t *err_tags_empty(arena_t *a, bool keys);
/* key/value NULL: the member was absent. */
ddb_error_t *err_tag_key_invalid(arena_t *a, const char *key);
ddb_error_t *err_tag_value_invalid(arena_t *a, const char *value);
ddb_error_t *err_tag_key_reserved(arena_t *a, const char *key);
ddb_error_t *err_tag_key_duplicate(arena_t *a, const char *key);
ddb_error_t *err_tags_limit(arena_t *a);

/* Resource-based policies. */
/* An ARN of another region or partition. */
ddb_error_t *err_policy_arn_invalid(arena_t *a, const char *arn);
ddb_error_t *err_policy_other_account(arena_t *a);
ddb_error_t *err_stream_not_found_for_table(arena_t *a, const char *label, const char *table);
ddb_error_t *err_policy_not_found(arena_t *a, const char *arn);
/* ExpectedRevisionId names another revision than the current one. */
ddb_error_t *err_policy_revision_mismatch(arena_t *a, const char *expected, const char *table,
                                          const char *current);
/* ExpectedRevisionId NO_POLICY while a policy exists. */
ddb_error_t *err_policy_expected_none(arena_t *a, const char *table, const char *current);
ddb_error_t *err_policy_too_large(arena_t *a, size_t max);
/* "Invalid policy document: <detail>" */
ddb_error_t *err_policy_document(arena_t *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
ddb_error_t *err_policy_unbounded(arena_t *a);
ddb_error_t *err_policy_principal(arena_t *a);

/* --- PartiQL (partiql_parse.c, ops/partiql.c) ---------------------------------------- */
/* "Statement wasn't well formed, can't be processed: <detail>" */
typedef enum {
    PQ_SYNTAX_EMPTY, /* no detail: an unreadable character or literal */
    PQ_SYNTAX_UNEXPECTED_TOKEN,
    PQ_SYNTAX_UNEXPECTED_TERM,
    PQ_SYNTAX_MISSING_RHS,
    PQ_SYNTAX_UNEXPECTED_KEYWORD,
    PQ_SYNTAX_EXPECTED_IDENTIFIER,
    PQ_SYNTAX_EXPECTED_TYPE_NAME,
    PQ_SYNTAX_INVALID_PATH_DOT,
} partiql_syntax_t;
ddb_error_t *err_partiql_syntax(arena_t *a, partiql_syntax_t what);
ddb_error_t *err_partiql_alias(arena_t *a);
ddb_error_t *err_partiql_unsupported_clause(arena_t *a, const char *clause);
ddb_error_t *err_partiql_unsupported_operation(arena_t *a, const char *word, size_t len);
ddb_error_t *err_partiql_single_source(arena_t *a);
ddb_error_t *err_partiql_star_with_others(arena_t *a);
ddb_error_t *err_partiql_duplicate_projection(arena_t *a, const char *name, size_t len);
/* Errors that point into the statement ("at 1:<column>:<length>"). */
ddb_error_t *err_partiql_unexpected_path_component(arena_t *a, const char *text, size_t at,
                                                   size_t len);
ddb_error_t *err_partiql_unrecognized_function(arena_t *a, const char *name, const char *text,
                                               size_t at, size_t len);
ddb_error_t *err_partiql_insert_values(arena_t *a);
ddb_error_t *err_partiql_insert_returning(arena_t *a);
ddb_error_t *err_partiql_insert_where(arena_t *a);
ddb_error_t *err_partiql_only_set_remove(arena_t *a);
ddb_error_t *err_partiql_returning_star(arena_t *a);
ddb_error_t *err_partiql_delete_returning(arena_t *a, const char *which, const char *age);
ddb_error_t *err_partiql_missing_is(arena_t *a);
ddb_error_t *err_partiql_in_operands(arena_t *a);
ddb_error_t *err_partiql_not_boolean(arena_t *a);
ddb_error_t *err_partiql_wildcard_path(arena_t *a);
ddb_error_t *err_partiql_unpivot_path(arena_t *a);
/* A number literal out of range; under: "root", "root.x", "root[1]". */
ddb_error_t *err_partiql_number(arena_t *a, number_status_t status, const char *under);
ddb_error_t *err_partiql_bag_type(arena_t *a);
ddb_error_t *err_partiql_bag_empty(arena_t *a);
ddb_error_t *err_partiql_tuple_key_type(arena_t *a, const char *type, const char *under);
ddb_error_t *err_partiql_tuple_duplicate_key(arena_t *a, const char *key, const char *under);
/* <, <=, >, >=, BETWEEN on an operand of an unordered type. */
ddb_error_t *err_partiql_operand_type(arena_t *a, const char *op, const char *type);
ddb_error_t *err_partiql_param_count(arena_t *a);
ddb_error_t *err_partiql_param_number(arena_t *a, const char *text, size_t len);
ddb_error_t *err_partiql_index_not_found(arena_t *a);
/* A SELECT through a GSI whose key has several HASH or RANGE attributes. */
ddb_error_t *err_partiql_multi_attribute_index(arena_t *a);
ddb_error_t *err_partiql_gsi_consistent(arena_t *a);
ddb_error_t *err_partiql_write_on_index(arena_t *a);
ddb_error_t *err_partiql_where_key(arena_t *a);
ddb_error_t *err_partiql_multiple_key(arena_t *a, const char *key);
ddb_error_t *err_partiql_key_type(arena_t *a, const char *key);
ddb_error_t *err_partiql_key_nested(arena_t *a, const char *key);
ddb_error_t *err_partiql_insert_key(arena_t *a, const char *key);
ddb_error_t *err_partiql_duplicate_item(arena_t *a);
ddb_error_t *err_partiql_order_by_where(arena_t *a);
ddb_error_t *err_partiql_order_by_hash(arena_t *a);
ddb_error_t *err_partiql_order_by_key(arena_t *a, const char *name);
ddb_error_t *err_partiql_order_by_several_partitions(arena_t *a);
ddb_error_t *err_partiql_too_many_partitions(arena_t *a);
ddb_error_t *err_partiql_next_token_invalid(arena_t *a);
ddb_error_t *err_partiql_next_token_other(arena_t *a);
/* "Global secondary index <idx> does not project [a, b]" */
ddb_error_t *err_partiql_not_projected(arena_t *a, const char *index, const char *names);
/* BatchExecuteStatement and ExecuteTransaction. */
ddb_error_t *err_partiql_batch_mixed(arena_t *a);
ddb_error_t *err_partiql_batch_select_key(arena_t *a);
ddb_error_t *err_partiql_exists_outside(arena_t *a);
ddb_error_t *err_partiql_transaction_mixed(arena_t *a);
/* The statement errors of ExecuteTransaction: "Validation failed in
 * TransactStatements[<index>]: <message of e>". */
ddb_error_t *err_partiql_transaction_statement(arena_t *a, size_t index, const ddb_error_t *e);
ddb_error_t *err_partiql_transaction_select_key(arena_t *a);
ddb_error_t *err_partiql_transaction_returning(arena_t *a);
ddb_error_t *err_partiql_exists_condition(arena_t *a);
/* On-demand backups and restores. */
ddb_error_t *err_backup_table_not_found(arena_t *a, const char *table);
/* Backups need a data directory (--in-memory keeps nothing). */
ddb_error_t *err_backups_unavailable(arena_t *a, const char *table);
ddb_error_t *err_backup_arn_invalid(arena_t *a);
ddb_error_t *err_restore_backup_arn_invalid(arena_t *a);
ddb_error_t *err_backup_not_found(arena_t *a, const char *arn);
ddb_error_t *err_backup_in_use(arena_t *a, const char *arn);
/* DeleteBackup of a SYSTEM backup, which goes by itself at expires_ms. */
ddb_error_t *err_backup_system(arena_t *a, const char *arn, int64_t expires_ms);
ddb_error_t *err_backup_time_range(arena_t *a);
ddb_error_t *err_restore_target_exists(arena_t *a, const char *table);
ddb_error_t *err_restore_target_in_use(arena_t *a, const char *table);
ddb_error_t *err_restore_index_unknown(arena_t *a, const char *index);
/* ProvisionedThroughputOverride against BillingModeOverride: with
 * PAY_PER_REQUEST, missing with PROVISIONED, given while the billing mode
 * stays PAY_PER_REQUEST. */
ddb_error_t *err_restore_throughput_on_demand(arena_t *a);
ddb_error_t *err_restore_throughput_required(arena_t *a);
ddb_error_t *err_restore_throughput_not_provisioned(arena_t *a);
/* OnDemandThroughputOverride (its member `member`) on a restore whose
 * table is not on demand. */
ddb_error_t *err_restore_on_demand_not_on_demand(arena_t *a, const char *member);
/* Point-in-time recovery. */
ddb_error_t *err_pitr_period_on_disable(arena_t *a);
ddb_error_t *err_pitr_unavailable(arena_t *a, const char *table);
/* RestoreDateTime outside [earliest, latest] (epoch ms). */
ddb_error_t *err_pitr_restore_time(arena_t *a, int64_t earliest_ms, int64_t latest_ms);
ddb_error_t *err_pitr_restore_time_choice(arena_t *a);
ddb_error_t *err_pitr_source_choice(arena_t *a);
ddb_error_t *err_pitr_table_arn_invalid(arena_t *a);
/* Exports. */
ddb_error_t *err_export_table_not_found(arena_t *a, const char *arn);
ddb_error_t *err_export_time(arena_t *a, int64_t earliest_ms, int64_t latest_ms);
ddb_error_t *err_export_conflict(arena_t *a);
ddb_error_t *err_export_not_found(arena_t *a, const char *arn);
ddb_error_t *err_export_arn_invalid(arena_t *a);
/* IncrementalExportSpecification and ExportType that do not go together. */
ddb_error_t *err_export_spec_needs_incremental(arena_t *a);
ddb_error_t *err_export_spec_with_full(arena_t *a);
ddb_error_t *err_export_incremental_needs_spec(arena_t *a);
ddb_error_t *err_export_from_time_required(arena_t *a);
/* An incremental export's period (times in epoch ms). */
ddb_error_t *err_export_from_before_start(arena_t *a, int64_t earliest_ms);
ddb_error_t *err_export_to_after_now(arena_t *a, int64_t now_ms);
ddb_error_t *err_export_period_short(arena_t *a);
ddb_error_t *err_export_period_long(arena_t *a);
/* Imports. */
ddb_error_t *err_import_conflict(arena_t *a);
ddb_error_t *err_import_not_found(arena_t *a, const char *arn);
ddb_error_t *err_import_arn_invalid(arena_t *a);
/* What an import's failure and its bad lines say (not errors of a request:
 * texts of ImportTableDescription and of the log). */
extern const char *const IMPORT_FAILURE_ITEMS_CODE, *const IMPORT_FAILURE_ITEMS_MESSAGE;
extern const char *const IMPORT_FAILURE_BUCKET_CODE, *const IMPORT_FAILURE_BUCKET_MESSAGE;
extern const char *const IMPORT_FAILURE_STOPPED_CODE, *const IMPORT_FAILURE_STOPPED_MESSAGE;
extern const char *const IMPORT_FAILURE_TABLE_CODE, *const IMPORT_FAILURE_TABLE_MESSAGE;

/* Global tables (replication.h, ops/replicas.c). */
ddb_error_t *err_replica_only_operation(arena_t *a);
ddb_error_t *err_replica_one_action(arena_t *a);
/* regions: "[us-east-1, us-west-2]" */
ddb_error_t *err_replica_region_unsupported(arena_t *a, const char *region, const char *regions);
ddb_error_t *err_replica_local_region(arena_t *a);
ddb_error_t *err_replica_write_capacity(arena_t *a);
ddb_error_t *err_replica_stream_view(arena_t *a);
ddb_error_t *err_replica_recent_source(arena_t *a);
ddb_error_t *err_replica_stream_disable(arena_t *a);
ddb_error_t *err_replica_exists(arena_t *a, const char *table);
/* A replica's Create or Update whose settings are longer than a replica
 * keeps (REPLICATION_OVERRIDES_MAX). */
ddb_error_t *err_replica_settings_too_long(arena_t *a);
/* A first replica of one more table than the server keeps groups of. */
ddb_error_t *err_replica_groups_limit(arena_t *a, int limit);
/* A ReplicaUpdates Delete or Update of a region not in the group. */
ddb_error_t *err_replica_not_found(arena_t *a, const char *region);
/* UpdateTableReplicaAutoScaling that updates nothing (region: nothing for
 * that replica), or names regions (comma-separated) more than once. */
ddb_error_t *err_auto_scaling_nothing(arena_t *a, const char *table, const char *region);
ddb_error_t *err_auto_scaling_regions_repeated(arena_t *a, const char *table,
                                               const char *regions);
/* An Update's ProvisionedThroughputOverride for an on-demand table. */
ddb_error_t *err_replica_throughput_on_demand(arena_t *a);
/* An Update with nothing but its RegionName. */
ddb_error_t *err_replica_update_empty(arena_t *a);
/* One ReplicaUpdates element with two of Create, Update, Delete. */
ddb_error_t *err_replica_action_types(arena_t *a);
/* Multi-region strong consistency (MultiRegionConsistency STRONG, witnesses):
 * witnesses without STRONG; STRONG with fewer than three regions; regions
 * (comma-separated) that cannot be STRONG. */
ddb_error_t *err_witness_needs_strong(arena_t *a);
/* MultiRegionConsistency with an Update or Delete; for a table that has
 * replicas already. */
ddb_error_t *err_replica_consistency_create_only(arena_t *a);
ddb_error_t *err_replica_consistency_existing(arena_t *a);
ddb_error_t *err_strong_replica_count(arena_t *a);
/* A STRONG or witness request that changes other settings too. */
ddb_error_t *err_strong_only_operation(arena_t *a);
ddb_error_t *err_strong_regions(arena_t *a, const char *regions);
ddb_error_t *err_replica_busy(arena_t *a);
ddb_error_t *err_global_tables_legacy(arena_t *a);
ddb_error_t *err_global_table_not_found(arena_t *a, const char *name);
ddb_error_t *err_replica_auto_scaling_not_found(arena_t *a, const char *table);
/* UpdateTableReplicaAutoScaling setting something on on-demand replicas
 * (replicas: 'US-EAST-1', 'US-WEST-2'; parameter: the service's name of
 * the settings update). */
ddb_error_t *err_replica_auto_scaling_on_demand(arena_t *a, const char *table,
                                                const char *replicas, const char *parameter);
ddb_error_t *err_global_table_name_length(arena_t *a);
/* A call between replicas (ApplyChanges, SetGroup) whose member is absent
 * or not what a replica sends: `list` and `index` name the element of a
 * list member (list NULL: a member of the body), `member` the member of
 * that element (NULL: the element itself). */
ddb_error_t *err_replication_member(arena_t *a, const char *list, size_t index, const char *member);

#endif
