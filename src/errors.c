/* errors: every DynamoDB error type and message text; see errors.h. */
#include "errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "json.h"

static const struct {
    const char *type;
    int status;
    bool capital_message; /* coral-level errors say "Message" */
} error_kinds[ERR_KIND_COUNT] = {
    [ERR_VALIDATION] = {"com.amazon.coral.validate#ValidationException", 400, false},
    [ERR_SERIALIZATION] = {"com.amazon.coral.service#SerializationException", 400, true},
    [ERR_UNKNOWN_OPERATION] = {"com.amazon.coral.service#UnknownOperationException", 400, true},
    [ERR_MISSING_AUTH] = {"com.amazon.coral.service#MissingAuthenticationTokenException", 400,
                          false},
    [ERR_INCOMPLETE_SIGNATURE] = {"com.amazon.coral.service#IncompleteSignatureException", 400,
                                  false},
    [ERR_INVALID_SIGNATURE] = {"com.amazon.coral.service#InvalidSignatureException", 400, false},
    [ERR_UNRECOGNIZED_CLIENT] = {"com.amazon.coral.service#UnrecognizedClientException", 400,
                                 false},
    [ERR_ACCESS_DENIED] = {"com.amazon.coral.service#AccessDeniedException", 400, true},
    [ERR_RESOURCE_NOT_FOUND] = {"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
                                400, false},
    [ERR_RESOURCE_IN_USE] = {"com.amazonaws.dynamodb.v20120810#ResourceInUseException", 400,
                             false},
    [ERR_CONDITIONAL_CHECK_FAILED] =
        {"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", 400, false},
    [ERR_ITEM_COLLECTION_SIZE_LIMIT] =
        {"com.amazonaws.dynamodb.v20120810#ItemCollectionSizeLimitExceededException", 400, false},
    [ERR_TRANSACTION_CANCELED] =
        {"com.amazonaws.dynamodb.v20120810#TransactionCanceledException", 400, true},
    [ERR_IDEMPOTENT_MISMATCH] =
        {"com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException", 400, true},
    [ERR_LIMIT_EXCEEDED] = {"com.amazonaws.dynamodb.v20120810#LimitExceededException", 400,
                            false},
    [ERR_EXPIRED_ITERATOR] = {"com.amazonaws.dynamodb.v20120810#ExpiredIteratorException", 400,
                              false},
    [ERR_TRIMMED_DATA_ACCESS] = {"com.amazonaws.dynamodb.v20120810#TrimmedDataAccessException",
                                 400, false},
    [ERR_POLICY_NOT_FOUND] = {"com.amazonaws.dynamodb.v20120810#PolicyNotFoundException", 400,
                              false},
    [ERR_DUPLICATE_ITEM] = {"com.amazonaws.dynamodb.v20120810#DuplicateItemException", 400,
                            false},
    [ERR_TABLE_NOT_FOUND] = {"com.amazonaws.dynamodb.v20120810#TableNotFoundException", 400,
                             false},
    [ERR_TABLE_ALREADY_EXISTS] =
        {"com.amazonaws.dynamodb.v20120810#TableAlreadyExistsException", 400, false},
    [ERR_TABLE_IN_USE] = {"com.amazonaws.dynamodb.v20120810#TableInUseException", 400, false},
    [ERR_BACKUP_NOT_FOUND] = {"com.amazonaws.dynamodb.v20120810#BackupNotFoundException", 400,
                              false},
    [ERR_BACKUP_IN_USE] = {"com.amazonaws.dynamodb.v20120810#BackupInUseException", 400, false},
    [ERR_CONTINUOUS_BACKUPS_UNAVAILABLE] =
        {"com.amazonaws.dynamodb.v20120810#ContinuousBackupsUnavailableException", 400, false},
    [ERR_PITR_UNAVAILABLE] =
        {"com.amazonaws.dynamodb.v20120810#PointInTimeRecoveryUnavailableException", 400, false},
    [ERR_INVALID_RESTORE_TIME] =
        {"com.amazonaws.dynamodb.v20120810#InvalidRestoreTimeException", 400, false},
    [ERR_INVALID_EXPORT_TIME] =
        {"com.amazonaws.dynamodb.v20120810#InvalidExportTimeException", 400, false},
    [ERR_EXPORT_CONFLICT] = {"com.amazonaws.dynamodb.v20120810#ExportConflictException", 400,
                             false},
    [ERR_EXPORT_NOT_FOUND] = {"com.amazonaws.dynamodb.v20120810#ExportNotFoundException", 400,
                              false},
    [ERR_IMPORT_CONFLICT] = {"com.amazonaws.dynamodb.v20120810#ImportConflictException", 400,
                             false},
    [ERR_IMPORT_NOT_FOUND] = {"com.amazonaws.dynamodb.v20120810#ImportNotFoundException", 400,
                              false},
    [ERR_PROVISIONED_THROUGHPUT_EXCEEDED] =
        {"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException", 400, false},
    [ERR_THROTTLING] = {"com.amazon.coral.service#ThrottlingException", 400, false},
    [ERR_GLOBAL_TABLE_NOT_FOUND] =
        {"com.amazonaws.dynamodb.v20120810#GlobalTableNotFoundException", 400, false},
    [ERR_INTERNAL] = {"com.amazonaws.dynamodb.v20120810#InternalServerError", 500, false},
};

static ddb_error_t *error_vnew(arena_t *a, ddb_error_kind_t kind, const char *fmt, va_list ap)
{
    ddb_error_t *e = arena_alloc(a, sizeof *e);
    e->kind = kind;
    e->message = NULL;
    e->extra_json = NULL;
    if (fmt) {
        va_list ap2;
        va_copy(ap2, ap);
        int n = vsnprintf(NULL, 0, fmt, ap2);
        va_end(ap2);
        char *m = arena_alloc(a, (size_t)n + 1);
        vsnprintf(m, (size_t)n + 1, fmt, ap);
        /* a message may quote what a request held outside its JSON (a header's
         * bytes): it goes out as valid JSON all the same */
        e->message = json_utf8_or_latin1(a, m, (size_t)n);
    }
    return e;
}

ddb_error_t *ddb_error_new(arena_t *a, ddb_error_kind_t kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ddb_error_t *e = error_vnew(a, kind, fmt, ap);
    va_end(ap);
    return e;
}

int ddb_error_status(ddb_error_kind_t kind) { return error_kinds[kind].status; }

const char *ddb_error_kind_name(ddb_error_kind_t kind)
{
    const char *type = error_kinds[kind].type, *hash = strchr(type, '#');
    return hash ? hash + 1 : type;
}

void ddb_error_render(const ddb_error_t *e, buf_t *out)
{
    buf_append_str(out, "{\"__type\":");
    json_write_string(out, error_kinds[e->kind].type, strlen(error_kinds[e->kind].type));
    if (e->message) {
        buf_append_str(out, error_kinds[e->kind].capital_message ? ",\"Message\":" : ",\"message\":");
        json_write_string(out, e->message, strlen(e->message));
    }
    if (e->extra_json) {
        buf_putc(out, ',');
        buf_append_str(out, e->extra_json);
    }
    buf_putc(out, '}');
}

ddb_error_t *err_unknown_operation(arena_t *a)
{
    return ddb_error_new(a, ERR_UNKNOWN_OPERATION, NULL);
}

ddb_error_t *err_missing_auth(arena_t *a)
{
    return ddb_error_new(a, ERR_MISSING_AUTH, "Request is missing Authentication Token");
}

/* The authentication texts are the service's; several end in ". " because
 * the service joins its findings that way. */
ddb_error_t *err_auth_both_forms(arena_t *a)
{
    return ddb_error_new(a, ERR_INVALID_SIGNATURE,
                         "Found both 'X-Amz-Algorithm' as a query-string param and "
                         "'Authorization' as HTTP header.");
}

ddb_error_t *err_auth_pair_without_equals(arena_t *a, const char *token, const char *header)
{
    return ddb_error_new(a, ERR_INCOMPLETE_SIGNATURE,
                         "'%s' not a valid key=value pair (missing equal-sign) in "
                         "Authorization header: '%s'.",
                         token, header);
}

ddb_error_t *err_auth_header_incomplete(arena_t *a, bool credential, bool signature,
                                        bool signed_headers, bool date, const char *header)
{
    return ddb_error_new(
        a, ERR_INCOMPLETE_SIGNATURE, "%s%s%s%sAuthorization=%s",
        credential ? "Authorization header requires 'Credential' parameter. " : "",
        signature ? "Authorization header requires 'Signature' parameter. " : "",
        signed_headers ? "Authorization header requires 'SignedHeaders' parameter. " : "",
        date ? "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
               "header. "
             : "",
        header);
}

ddb_error_t *err_auth_query_incomplete(arena_t *a, bool algorithm, bool credential,
                                       bool signature, bool signed_headers, bool date)
{
#define QUERY_NEEDS(p) "AWS query-string parameters must include '" p "'. "
    return ddb_error_new(a, ERR_INCOMPLETE_SIGNATURE,
                         "%s%s%s%s%sRe-examine the query-string parameters.",
                         algorithm ? QUERY_NEEDS("X-Amz-Algorithm") : "",
                         credential ? QUERY_NEEDS("X-Amz-Credential") : "",
                         signature ? QUERY_NEEDS("X-Amz-Signature") : "",
                         signed_headers ? QUERY_NEEDS("X-Amz-SignedHeaders") : "",
                         date ? QUERY_NEEDS("X-Amz-Date") : "");
#undef QUERY_NEEDS
}

ddb_error_t *err_auth_date_format(arena_t *a, const char *date)
{
    return ddb_error_new(a, ERR_INCOMPLETE_SIGNATURE,
                         "Date must be in ISO-8601 'basic format'. Got '%s'. "
                         "See http://en.wikipedia.org/wiki/ISO_8601",
                         date);
}

ddb_error_t *err_auth_expires_invalid(arena_t *a, const char *expires)
{
    return ddb_error_new(a, ERR_INCOMPLETE_SIGNATURE,
                         "X-Amz-Expires must be a whole number of seconds from 1 to 604800, "
                         "got '%s'. Re-examine the query-string parameters.",
                         expires);
}

ddb_error_t *err_auth_expired(arena_t *a, const char *date, const char *limit, const char *now,
                              const char *window)
{
    return ddb_error_new(a, ERR_INVALID_SIGNATURE,
                         "Signature expired: %s is now earlier than %s (%s - %s.)", date, limit,
                         now, window);
}

ddb_error_t *err_auth_not_yet_current(arena_t *a, const char *date, const char *limit,
                                      const char *now, const char *window)
{
    return ddb_error_new(a, ERR_INVALID_SIGNATURE,
                         "Signature not yet current: %s is still later than %s (%s + %s.)", date,
                         limit, now, window);
}

ddb_error_t *err_auth_host_not_signed(arena_t *a)
{
    return ddb_error_new(a, ERR_INVALID_SIGNATURE,
                         "'Host' or ':authority' must be a 'SignedHeader' in the AWS "
                         "Authorization.");
}

ddb_error_t *err_auth_algorithm(arena_t *a, const char *algorithm)
{
    return ddb_error_new(a, ERR_INCOMPLETE_SIGNATURE,
                         "Unsupported AWS 'algorithm': '%s' (only AWS4-HMAC-SHA256 for now). ",
                         algorithm);
}

ddb_error_t *err_auth_credential_shape(arena_t *a, const char *credential)
{
    return ddb_error_new(a, ERR_INCOMPLETE_SIGNATURE,
                         "Credential must have exactly 5 slash-delimited elements, e.g. "
                         "keyid/date/region/service/term, got '%s'",
                         credential);
}

ddb_error_t *err_auth_scope(arena_t *a, bool region, bool service, const char *terminator,
                            const char *scope_date, const char *request_date)
{
    char *term = terminator ? arena_sprintf(a,
                                            "Credential should be scoped with a valid "
                                            "terminator: 'aws4_request', not '%s'. ",
                                            terminator)
                            : "";
    char *day = scope_date ? arena_sprintf(a,
                                           "Date in Credential scope does not match YYYYMMDD "
                                           "from ISO-8601 version of date from HTTP: '%s' != "
                                           "'%.8s', from '%s'. ",
                                           scope_date, request_date, request_date)
                           : "";
    return ddb_error_new(a, ERR_INVALID_SIGNATURE, "%s%s%s%s",
                         region ? "Credential should be scoped to a valid region. " : "",
                         service ? "Credential should be scoped to correct service: 'dynamodb'. "
                                 : "",
                         term, day);
}

ddb_error_t *err_auth_unknown_key(arena_t *a)
{
    return ddb_error_new(a, ERR_UNRECOGNIZED_CLIENT,
                         "The security token included in the request is invalid.");
}

ddb_error_t *err_auth_signature_mismatch(arena_t *a)
{
    return ddb_error_new(a, ERR_INVALID_SIGNATURE,
                         "The request signature we calculated does not match the signature you "
                         "provided. Check your AWS Secret Access Key and signing method. Consult "
                         "the service documentation for details.");
}

ddb_error_t *err_auth_access_denied(arena_t *a, const char *principal, const char *action,
                                    const char *resource)
{
    return ddb_error_new(a, ERR_ACCESS_DENIED,
                         "User: %s is not authorized to perform: dynamodb:%s on resource: %s "
                         "because no identity-based policy allows the dynamodb:%s action",
                         principal, action, resource, action);
}

ddb_error_t *err_auth_explicit_deny(arena_t *a, const char *principal, const char *action,
                                   const char *resource)
{
    return ddb_error_new(a, ERR_ACCESS_DENIED,
                         "User: %s is not authorized to perform: dynamodb:%s on resource: %s "
                         "with an explicit deny in a resource-based policy",
                         principal, action, resource);
}

ddb_error_t *err_serialization(arena_t *a, const char *msg)
{
    return msg ? ddb_error_new(a, ERR_SERIALIZATION, "%s", msg)
               : ddb_error_new(a, ERR_SERIALIZATION, NULL);
}

/* A body that cannot be decoded: HTTP 500 with this type and message
 * (unverified: what the service answers is not published). */
ddb_error_t *err_body_not_decodable(arena_t *a)
{
    return ddb_error_new(a, ERR_INTERNAL, "Internal server error");
}

ddb_error_t *err_internal(arena_t *a)
{
    return ddb_error_new(a, ERR_INTERNAL, "Internal server error");
}

ddb_error_t *err_unsupported_member(arena_t *a, const char *member)
{
    return ddb_error_new(a, ERR_VALIDATION, "%s is not supported by this server yet", member);
}

ddb_error_t *err_validation(arena_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ddb_error_t *e = error_vnew(a, ERR_VALIDATION, fmt, ap);
    va_end(ap);
    return e;
}

ddb_error_t *err_invalid_parameter(arena_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *detail = NULL;
    int n = vasprintf(&detail, fmt, ap);
    va_end(ap);
    if (n < 0) return err_internal(a);
    ddb_error_t *e = ddb_error_new(a, ERR_VALIDATION,
                                   "One or more parameter values were invalid: %s", detail);
    free(detail);
    return e;
}

ddb_error_t *err_table_not_found(arena_t *a, const char *table)
{
    return ddb_error_new(a, ERR_RESOURCE_NOT_FOUND,
                         "Requested resource not found: Table: %s not found", table);
}

ddb_error_t *err_table_not_found_op(arena_t *a)
{
    return ddb_error_new(a, ERR_RESOURCE_NOT_FOUND, "Requested resource not found");
}

ddb_error_t *err_table_exists(arena_t *a, const char *table)
{
    return ddb_error_new(a, ERR_RESOURCE_IN_USE, "Table already exists: %s", table);
}

ddb_error_t *err_table_in_use(arena_t *a, const char *table, const char *status)
{
    return ddb_error_new(a, ERR_RESOURCE_IN_USE,
                         "Attempt to change a resource which is still in use: Table is being %s: %s",
                         status, table);
}

ddb_error_t *err_attribute_value_types(arena_t *a, bool empty)
{
    if (empty)
        return ddb_error_new(a, ERR_VALIDATION,
                             "Supplied AttributeValue is empty, must contain exactly one of the "
                             "supported datatypes");
    return ddb_error_new(a, ERR_VALIDATION,
                         "Supplied AttributeValue has more than one datatypes set, must contain "
                         "exactly one of the supported datatypes");
}

ddb_error_t *err_null_not_true(arena_t *a)
{
    return err_invalid_parameter(a, "Null attribute value types must have the value of true");
}

ddb_error_t *err_set_empty(arena_t *a, const char *kind)
{
    return err_invalid_parameter(a, "An %s set  may not be empty", kind);
}

ddb_error_t *err_set_null_member(arena_t *a, bool binary)
{
    if (binary) return err_invalid_parameter(a, "Binary sets may not contain null or empty values");
    return err_invalid_parameter(a, "String sets may not contain null values");
}

ddb_error_t *err_set_duplicates(arena_t *a, const char *members_text, bool binary)
{
    if (!members_text) return ddb_error_new(a, ERR_VALIDATION, "Input collection contains duplicates");
    if (binary)
        return err_invalid_parameter(a, "Input collection %sof type BS contains duplicates.",
                                     members_text);
    return err_invalid_parameter(a, "Input collection %s contains duplicates.", members_text);
}

ddb_error_t *err_base64_length(arena_t *a, size_t len)
{
    return ddb_error_new(a, ERR_SERIALIZATION,
                         "Base64 encoded length is expected a multiple of 4 bytes but found: %zu",
                         len);
}

ddb_error_t *err_base64_character(arena_t *a)
{
    return err_serialization(a, "Invalid Base64 character");
}

/* --- table definitions, indexes and UpdateTable ---------------------------------------- */

ddb_error_t *err_attribute_name_duplicated(arena_t *a, const char *name)
{
    return ddb_error_new(a, ERR_VALIDATION, "Attribute Name is duplicated: %s", name);
}

ddb_error_t *err_index_throughput_not_specified(arena_t *a, const char *index)
{
    return err_invalid_parameter(a, "ProvisionedThroughput is not specified for index: %s", index);
}

ddb_error_t *err_non_key_attribute_duplicate(arena_t *a, const char *name)
{
    return err_invalid_parameter(a, "Duplicate element in NonKeyAttributes: %s", name);
}

ddb_error_t *err_update_table_nothing(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
                         "GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, "
                         "MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, "
                         "DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or "
                         "TableClass is required");
}

ddb_error_t *err_update_table_provisioned_needs_throughput(arena_t *a)
{
    return err_invalid_parameter(a, "ProvisionedThroughput must be specified when BillingMode is "
                                    "PROVISIONED");
}

ddb_error_t *err_throughput_with_on_demand(arena_t *a)
{
    return err_invalid_parameter(a, "Neither ReadCapacityUnits nor WriteCapacityUnits can be "
                                    "specified when BillingMode is PAY_PER_REQUEST");
}

ddb_error_t *err_table_throughput_unchanged(arena_t *a, long long rcu, long long new_rcu,
                                            long long wcu, long long new_wcu)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "The provisioned throughput for the table will not change. The requested "
                         "value equals the current value. Current ReadCapacityUnits provisioned "
                         "for the table: %lld. Requested ReadCapacityUnits: %lld. Current "
                         "WriteCapacityUnits provisioned for the table: %lld. Requested "
                         "WriteCapacityUnits: %lld. Refer to the Amazon DynamoDB Developer Guide "
                         "for current limits and how to request higher limits.",
                         rcu, new_rcu, wcu, new_wcu);
}

ddb_error_t *err_update_table_only_operation(arena_t *a, const char *what)
{
    return err_invalid_parameter(a, "%s modification must be the only operation in the request",
                                 what);
}

ddb_error_t *err_index_change_with_throughput(arena_t *a)
{
    return err_invalid_parameter(a, "You cannot create or delete index while updating table IOPS");
}

ddb_error_t *err_index_change_with_stream(arena_t *a)
{
    return err_invalid_parameter(a, "You cannot create or delete index while changing stream "
                                    "status");
}

ddb_error_t *err_index_updates_empty(arena_t *a)
{
    return err_invalid_parameter(a, "List of GlobalSecondaryIndexUpdates is empty");
}

ddb_error_t *err_index_update_no_action(arena_t *a)
{
    return err_invalid_parameter(a, "One of GlobalSecondaryIndexUpdate.Update, "
                                    "GlobalSecondaryIndexUpdate.Create, "
                                    "GlobalSecondaryIndexUpdate.Delete must not be null");
}

ddb_error_t *err_index_update_two_actions(arena_t *a)
{
    return err_invalid_parameter(a, "Only one global secondary index action is allowed per "
                                    "GlobalSecondaryIndexUpdate object");
}

ddb_error_t *err_index_update_same_index(arena_t *a, const char *index)
{
    return err_invalid_parameter(a, "Only one global secondary index update per index is allowed "
                                    "simultaneously. Index: %s",
                                 index);
}

ddb_error_t *err_index_online_limit(arena_t *a)
{
    return ddb_error_new(a, ERR_LIMIT_EXCEEDED,
                         "Subscriber limit exceeded: Only 1 online index can be created or deleted "
                         "simultaneously per table");
}

ddb_error_t *err_index_count_limit(arena_t *a, int limit)
{
    return ddb_error_new(a, ERR_LIMIT_EXCEEDED,
                         "Subscriber limit exceeded: Number of global secondary indexes exceeds "
                         "per-table limit of %d",
                         limit);
}

ddb_error_t *err_index_exists(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION, "Attempting to create an index which already exists");
}

ddb_error_t *err_index_update_not_found(arena_t *a, const char *index, const char *table)
{
    return ddb_error_new(a, ERR_RESOURCE_NOT_FOUND,
                         "Requested resource not found: Index %s for table %s", index, table);
}

ddb_error_t *err_index_not_global(arena_t *a, bool deleting, const char *index)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Cannot %s an index that is not a GlobalSecondaryIndex: %s",
                         deleting ? "delete" : "update", index);
}

ddb_error_t *err_index_attributes_not_specified(arena_t *a, const char *index)
{
    return err_invalid_parameter(a, "AttributeDefinitions is not specified for index: %s", index);
}

ddb_error_t *err_attribute_redefined(arena_t *a, const char *existing, const char *replacement)
{
    return err_invalid_parameter(a, "Attributes cannot be redefined. Please check that your "
                                    "attribute has the same type as previously defined. Existing "
                                    "schema: %s New schema: %s",
                                 existing, replacement);
}

ddb_error_t *err_index_throughput_both(arena_t *a, const char *index)
{
    return err_invalid_parameter(a, "Both ReadCapacityUnits and WriteCapacityUnits must be "
                                    "specified for index: %s",
                                 index);
}

ddb_error_t *err_index_throughput_on_demand(arena_t *a, const char *index)
{
    return err_invalid_parameter(a, "Neither ReadCapacityUnits nor WriteCapacityUnits can be "
                                    "specified for index: %s when BillingMode is PAY_PER_REQUEST",
                                 index);
}

ddb_error_t *err_index_update_on_demand(arena_t *a, const char *index)
{
    return err_invalid_parameter(a, "The only Updates for index: %s when TableThroughputMode is "
                                    "PAY_PER_REQUEST can be to OnDemandThroughput, WarmThroughput",
                                 index);
}

ddb_error_t *err_index_throughput_required(arena_t *a, const char *index)
{
    return err_invalid_parameter(a, "ProvisionedThroughput must be specified for index: %s", index);
}

ddb_error_t *err_index_throughput_unchanged(arena_t *a, const char *index, long long rcu,
                                            long long new_rcu, long long wcu, long long new_wcu)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "The provisioned throughput for the index %s will not change. The "
                         "requested value equals the current value. Current ReadCapacityUnits "
                         "provisioned for index %s: %lld. Requested ReadCapacityUnits: %lld. "
                         "Current WriteCapacityUnits provisioned for index %s: %lld. Requested "
                         "WriteCapacityUnits: %lld. Refer to the Amazon DynamoDB Developer Guide "
                         "for current limits and how to request higher limits.",
                         index, index, rcu, new_rcu, index, wcu, new_wcu);
}

ddb_error_t *err_attribute_name_too_long(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Attribute name is too large, must be less than 65536 bytes");
}

ddb_error_t *err_deletion_protected(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Resource cannot be deleted as it is currently protected against "
                         "deletion. Disable deletion protection first.");
}

ddb_error_t *err_key_schema_mismatch(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION, "The provided key element does not match the schema");
}

ddb_error_t *err_hash_key_too_large(arena_t *a)
{
    /* sic: the service's text lacks the space */
    return err_invalid_parameter(a, "Size of hashkey has exceeded the maximum size limit of2048 "
                                    "bytes");
}

ddb_error_t *err_range_key_too_large(arena_t *a)
{
    return err_invalid_parameter(a, "Aggregated size of all range keys has exceeded the size "
                                    "limit of 1024 bytes");
}

ddb_error_t *err_item_missing_key(arena_t *a, const char *key)
{
    return err_invalid_parameter(a, "Missing the key %s in the item", key);
}

ddb_error_t *err_key_type_mismatch(arena_t *a, const char *key, const char *expected,
                                   const char *actual, const char *index)
{
    if (index)
        return err_invalid_parameter(
            a, "Type mismatch for Index Key %s Expected: %s Actual: %s IndexName: %s", key,
            expected, actual, index);
    return err_invalid_parameter(a, "Type mismatch for key %s expected: %s actual: %s", key,
                                 expected, actual);
}

ddb_error_t *err_return_values_invalid(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION, "Return values set to invalid value");
}

ddb_error_t *err_condition_failed(arena_t *a)
{
    return ddb_error_new(a, ERR_CONDITIONAL_CHECK_FAILED, "The conditional request failed");
}

ddb_error_t *err_update_key_attribute(arena_t *a, const char *name)
{
    return err_invalid_parameter(a, "Cannot update attribute %s. This attribute is part of the key",
                                 name);
}

ddb_error_t *err_mixed_parameters(arena_t *a, const char *legacy, const char *expression)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Can not use both expression and non-expression parameters in the same "
                         "request: Non-expression parameters: {%s} Expression parameters: {%s}",
                         legacy, expression);
}

ddb_error_t *err_placeholders_without_expression(arena_t *a, const char *member,
                                                 const char *null_expressions)
{
    if (null_expressions)
        return ddb_error_new(a, ERR_VALIDATION,
                             "%s can only be specified when using expressions: %s", member,
                             null_expressions);
    return ddb_error_new(a, ERR_VALIDATION, "%s can only be specified when using expressions",
                         member);
}

ddb_error_t *err_conditional_operator_alone(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "ConditionalOperator cannot be used without Filter or Expected");
}

ddb_error_t *err_conditional_operator_one_element(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "ConditionalOperator can only be used when Filter or Expected has two or "
                         "more elements");
}

ddb_error_t *err_updated_item_too_large(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Item size to update has exceeded the maximum allowed size");
}

ddb_error_t *err_empty_index_key(arena_t *a, bool string, const char *index, const char *key)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "One or more parameter values are not valid. A value specified for a "
                         "secondary index key is not supported. The AttributeValue for a key "
                         "attribute cannot contain an empty %s value. IndexName: %s, IndexKey: %s",
                         string ? "string" : "binary", index, key);
}

ddb_error_t *err_empty_key(arena_t *a, bool string, const char *key)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "One or more parameter values are not valid. The AttributeValue for a key "
                         "attribute cannot contain an empty %s value. Key: %s",
                         string ? "string" : "binary", key);
}

ddb_error_t *err_item_collection_too_large(arena_t *a)
{
    return ddb_error_new(a, ERR_ITEM_COLLECTION_SIZE_LIMIT, "Collection size exceeded.");
}

ddb_error_t *err_transaction_same_item(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Transaction request cannot include multiple operations on one item");
}

ddb_error_t *err_idempotent_mismatch(arena_t *a)
{
    return ddb_error_new(a, ERR_IDEMPOTENT_MISMATCH,
                         "Request parameters do not match those of the original request with "
                         "the same ClientRequestToken");
}

ddb_error_t *err_transaction_canceled(arena_t *a, const char *reasons, const char *reasons_json)
{
    ddb_error_t *e = ddb_error_new(a, ERR_TRANSACTION_CANCELED,
                                   "Transaction cancelled, please refer cancellation reasons for "
                                   "specific reasons [%s]",
                                   reasons);
    e->extra_json = reasons_json;
    return e;
}

ddb_error_t *err_item_too_large(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION, "Item size has exceeded the maximum allowed size");
}

/* ,"ThrottlingReasons":[{"reason":...,"resource":...}] as member (the
 * ThrottlingException spells it throttlingReasons). */
static ddb_error_t *with_reason(arena_t *a, ddb_error_t *e, const char *member, const char *reason,
                                const char *resource)
{
    buf_t b;
    buf_init(&b);
    buf_printf(&b, "\"%s\":[{\"reason\":", member);
    json_write_string(&b, reason, strlen(reason));
    buf_append_str(&b, ",\"resource\":");
    json_write_string(&b, resource, strlen(resource));
    buf_append_str(&b, "}]");
    e->extra_json = arena_strndup(a, b.data, b.len);
    buf_free(&b);
    return e;
}

ddb_error_t *err_throughput_exceeded_table(arena_t *a, const char *reason, const char *resource)
{
    return with_reason(a,
                       ddb_error_new(a, ERR_PROVISIONED_THROUGHPUT_EXCEEDED,
                                     "The level of configured provisioned throughput for the "
                                     "table was exceeded. Consider increasing your provisioning "
                                     "level with the UpdateTable API."),
                       "ThrottlingReasons", reason, resource);
}

/* (The service ends this one without a full stop.) */
ddb_error_t *err_throughput_exceeded_index(arena_t *a, const char *reason, const char *resource)
{
    return with_reason(a,
                       ddb_error_new(a, ERR_PROVISIONED_THROUGHPUT_EXCEEDED,
                                     "The level of configured provisioned throughput for one or "
                                     "more global secondary indexes of the table was exceeded. "
                                     "Consider increasing your provisioning level for the "
                                     "under-provisioned global secondary indexes with the "
                                     "UpdateTable API"),
                       "ThrottlingReasons", reason, resource);
}

/* "Friday, October 9, 2026 at 1:21:34 AM Coordinated Universal Time" */
static void format_long_utc(char out[96], double seconds)
{
    time_t t = (time_t)seconds;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 96, "%A, %B %-d, %Y at %-I:%M:%S %p Coordinated Universal Time", &tm);
}

ddb_error_t *err_throughput_decreases_limited(arena_t *a, int today, double last, double next)
{
    char last_text[96], next_text[96];
    format_long_utc(last_text, last);
    format_long_utc(next_text, next);
    return ddb_error_new(a, ERR_LIMIT_EXCEEDED,
                         "Subscriber limit exceeded: Provisioned throughput decreases are limited "
                         "within a given UTC day. After the first 4 decreases, each subsequent "
                         "decrease in the same UTC day can be performed at most once every 3600 "
                         "seconds. Number of decreases today: %d. Last decrease at %s. Next "
                         "decrease can be made at %s",
                         today, last_text, next_text);
}

ddb_error_t *err_on_demand_max_provisioned(arena_t *a, const char *which, const char *index,
                                           bool update)
{
    if (index)
        return err_invalid_parameter(a, "%s for OnDemandThroughput for index: %s cannot be "
                                        "specified when table BillingMode is PROVISIONED.",
                                     which, index);
    if (update)
        return err_invalid_parameter(a, "%s for OnDemandThroughput cannot be specified when the "
                                        "table BillingMode is PROVISIONED",
                                     which);
    return err_invalid_parameter(a, "%s for OnDemandThroughput cannot be specified when table "
                                    "BillingMode is PROVISIONED.",
                                 which);
}

ddb_error_t *err_on_demand_max_range(arena_t *a, const char *which, const char *index)
{
    if (index)
        return err_invalid_parameter(a, "Requested %s for OnDemandThroughput for index : %s is "
                                        "outside of valid range",
                                     which, index);
    return err_invalid_parameter(a, "Requested %s for OnDemandThroughput for table is outside of "
                                    "valid range",
                                 which);
}

ddb_error_t *err_on_demand_max_above_limit(arena_t *a, const char *which, const char *index,
                                           const char *region)
{
    const char *limit = which[3] == 'R' ? "TableMaxReadCapacityUnits" : "TableMaxWriteCapacityUnits";
    if (index)
        return ddb_error_new(a, ERR_LIMIT_EXCEEDED,
                             "Subscriber limit exceeded: Requested %s for OnDemandThroughput for "
                             "index : %s exceeds %s of the account in region %s",
                             which, index, limit, region);
    return ddb_error_new(a, ERR_LIMIT_EXCEEDED,
                         "Subscriber limit exceeded: Requested %s for OnDemandThroughput for table "
                         "exceeds %s of the account in region %s",
                         which, limit, region);
}

ddb_error_t *err_throughput_above_table_max(arena_t *a, const char *which, long long requested,
                                            long long max, const char *region)
{
    return ddb_error_new(a, ERR_LIMIT_EXCEEDED,
                         "The requested %s, %lld, is above the per table maximum for the account "
                         "in %s. Per table maximum: %lld. Refer to the Amazon DynamoDB Developer "
                         "Guide for current limits and how to request higher limits.",
                         which, requested, region, max);
}

ddb_error_t *err_throughput_above_account_max(arena_t *a, const char *which, long long total,
                                              long long max, const char *region)
{
    return ddb_error_new(a, ERR_LIMIT_EXCEEDED,
                         "The requested %s, %lld, is above the per account maximum for the "
                         "account in %s. Per account maximum: %lld. Refer to the Amazon DynamoDB "
                         "Developer Guide for current limits and how to request higher limits.",
                         which, total, region, max);
}

/* "Sat Feb 23 03:07:45 UTC 2019" */
static void format_date_utc(char out[64], double seconds)
{
    time_t t = (time_t)seconds;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 64, "%a %b %d %H:%M:%S UTC %Y", &tm);
}

ddb_error_t *err_on_demand_switches_limited(arena_t *a, int limit, double last, double next)
{
    char last_text[64], next_text[64];
    format_date_utc(last_text, last);
    format_date_utc(next_text, next);
    return ddb_error_new(a, ERR_LIMIT_EXCEEDED,
                         "Subscriber limit exceeded: Update to PayPerRequest mode are limited to %d "
                         "times in 1 day(s). Last update at %s. Next update can be made at %s",
                         limit, last_text, next_text);
}

ddb_error_t *err_throughput_above_index_max(arena_t *a, const char *which, const char *index,
                                            long long requested, long long max, const char *region)
{
    return ddb_error_new(a, ERR_LIMIT_EXCEEDED,
                         "The requested %s for index %s, %lld, is above the per index maximum for "
                         "the account in %s. Per index maximum: %lld. Refer to the Amazon DynamoDB "
                         "Developer Guide for current limits and how to request higher limits.",
                         which, index, requested, region, max);
}

ddb_error_t *err_throttling(arena_t *a, const char *reason, const char *resource)
{
    return with_reason(a,
                       ddb_error_new(a, ERR_THROTTLING,
                                     "Throughput exceeds the current capacity of your table or "
                                     "index. DynamoDB is automatically scaling your table or "
                                     "index so please try again shortly. If exceptions persist, "
                                     "check if you have a hot key: "
                                     "https://docs.aws.amazon.com/amazondynamodb/latest/"
                                     "developerguide/bp-partition-key-design.html"),
                       "throttlingReasons", reason, resource);
}

/* --- CreateTable definitions ---------------------------------------------------------- */

ddb_error_t *err_keys_not_defined(arena_t *a, const char *keys, const char *defined)
{
    return err_invalid_parameter(a,
                                 "Some index key attributes are not defined in "
                                 "AttributeDefinitions. Keys: %s, AttributeDefinitions: %s",
                                 keys, defined);
}

ddb_error_t *err_key_schema_same_names(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Both the Hash Key and the Range Key element in the KeySchema have the "
                         "same name");
}

ddb_error_t *err_key_schema_order(arena_t *a, bool first)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid KeySchema: The %s KeySchemaElement is not a %s key type",
                         first ? "first" : "second", first ? "HASH" : "RANGE");
}

ddb_error_t *err_key_schema_too_many(arena_t *a, const char *key_type)
{
    return err_invalid_parameter(
        a, "The KeySchema exceeds the maximum allowed number of %s key attributes", key_type);
}

ddb_error_t *err_key_schema_hash_after_range(arena_t *a)
{
    return err_invalid_parameter(a, "All HASH key attributes must precede RANGE key attributes in "
                                    "the KeySchema");
}

ddb_error_t *err_key_schema_repeated_name(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "The KeySchema contains multiple key attributes with the same name");
}

ddb_error_t *err_key_schema_undefined(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid KeySchema: Some index key attribute have no definition");
}

ddb_error_t *err_projection_type_null(arena_t *a)
{
    return err_invalid_parameter(a, "Unknown ProjectionType: null");
}

ddb_error_t *err_projection_non_key(arena_t *a, const char *type, bool non_key)
{
    if (non_key)
        return err_invalid_parameter(a, "ProjectionType is %s, but NonKeyAttributes is specified",
                                     type);
    return err_invalid_parameter(a,
                                 "ProjectionType is INCLUDE, but NonKeyAttributes is not specified");
}

ddb_error_t *err_throughput_required(arena_t *a, bool billing_mode_given)
{
    if (billing_mode_given)
        return err_invalid_parameter(a, "ReadCapacityUnits and WriteCapacityUnits must both be "
                                        "specified when BillingMode is PROVISIONED");
    return ddb_error_new(a, ERR_VALIDATION, "No provisioned throughput specified for the table");
}

ddb_error_t *err_throughput_out_of_bounds(arena_t *a, const char *which, long long value)
{
    return ddb_error_new(a, ERR_VALIDATION, "Given value %lld for %s is out of bounds", value,
                         which);
}

ddb_error_t *err_index_list_empty(arena_t *a, const char *which)
{
    return err_invalid_parameter(a, "List of %s is empty", which);
}

ddb_error_t *err_lsi_without_table_range(arena_t *a)
{
    return err_invalid_parameter(a, "Table KeySchema does not have a range key, which is "
                                    "required when specifying a LocalSecondaryIndex");
}

ddb_error_t *err_lsi_without_range(arena_t *a, const char *index)
{
    return err_invalid_parameter(a, "Index KeySchema does not have a range key for index: %s",
                                 index);
}

ddb_error_t *err_lsi_hash_key(arena_t *a, const char *index, const char *index_hash,
                              const char *table_hash)
{
    return err_invalid_parameter(a,
                                 "Index KeySchema does not have the same leading hash key as "
                                 "table KeySchema for index: %s. index hash key: %s, table hash "
                                 "key: %s",
                                 index, index_hash, table_hash);
}

ddb_error_t *err_lsi_throughput(arena_t *a, const char *index)
{
    return err_invalid_parameter(a, "ProvisionedThroughput is not supported for a "
                                    "LocalSecondaryIndex: %s",
                                 index);
}

ddb_error_t *err_index_count(arena_t *a, bool global, int limit)
{
    if (global)
        return err_invalid_parameter(
            a, "GlobalSecondaryIndex count exceeds the per-table limit of %d", limit);
    return err_invalid_parameter(a, "Number of LocalSecondaryIndexes exceeds per-table limit of %d",
                                 limit);
}

ddb_error_t *err_gsi_throughput_on_demand(arena_t *a, const char *index)
{
    return err_invalid_parameter(a, "ProvisionedThroughput should not be specified for index: %s "
                                    "when BillingMode is PAY_PER_REQUEST",
                                 index);
}

ddb_error_t *err_index_name_duplicate(arena_t *a, const char *index)
{
    return err_invalid_parameter(a, "Duplicate index name: %s", index);
}

ddb_error_t *err_attribute_count_mismatch(arena_t *a)
{
    return err_invalid_parameter(a, "Number of attributes in KeySchema does not exactly match "
                                    "number of attributes defined in AttributeDefinitions");
}

ddb_error_t *err_attributes_unused(arena_t *a, const char *defined, const char *used)
{
    return err_invalid_parameter(a,
                                 "Some AttributeDefinitions are not used. AttributeDefinitions: "
                                 "%s, keys used: %s",
                                 defined, used);
}

/* --- batches and transactions ----------------------------------------------------- */

ddb_error_t *err_batch_too_many(arena_t *a, const char *op)
{
    return ddb_error_new(a, ERR_VALIDATION, "Too many items requested for the %s call", op);
}

ddb_error_t *err_batch_duplicate_keys(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION, "Provided list of item keys contains duplicates");
}

ddb_error_t *err_transact_item_kinds(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "TransactItems can only contain one of Check, Put, Update or Delete");
}

ddb_error_t *err_transaction_too_large(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION, "Transaction request cannot be larger than 4 MB");
}

/* --- Query and Scan ---------------------------------------------------------------- */

ddb_error_t *err_key_condition_two_names(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid condition in KeyConditionExpression: multiple attribute names "
                         "used in one condition");
}

ddb_error_t *err_key_condition_unsupported(arena_t *a, bool expression)
{
    return ddb_error_new(a, ERR_VALIDATION, "%sQuery key condition not supported",
                         expression ? "Invalid KeyConditionExpression: " : "");
}

ddb_error_t *err_key_condition_operator(arena_t *a, const char *op)
{
    return ddb_error_new(a, ERR_VALIDATION, "Invalid operator used in KeyConditionExpression: %s",
                         op);
}

ddb_error_t *err_key_condition_missing(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Either the KeyConditions or KeyConditionExpression parameter must be "
                         "specified in the request.");
}

ddb_error_t *err_key_condition_twice(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "KeyConditionExpressions must only contain one condition per key");
}

ddb_error_t *err_key_condition_missed(arena_t *a, const char *key)
{
    return ddb_error_new(a, ERR_VALIDATION, "Query condition missed key schema element: %s", key);
}

ddb_error_t *err_key_condition_range_prefix(arena_t *a, const char *missing, const char *present)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "RANGE key attributes %s must have equality conditions specified in the "
                         "query because a condition is present on key attribute %s",
                         missing, present);
}

ddb_error_t *err_key_condition_type(arena_t *a)
{
    return err_invalid_parameter(a, "Condition parameter type does not match schema type");
}

ddb_error_t *err_key_condition_between_order(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid KeyConditionExpression: The BETWEEN operator requires upper "
                         "bound to be greater than or equal to lower bound");
}

ddb_error_t *err_filter_on_key(arena_t *a, const char *which, const char *key)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "%s can only contain non-primary key attributes: Primary key attribute: "
                         "%s",
                         which, key);
}

ddb_error_t *err_start_key_invalid(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "The provided starting key is invalid: The provided key element does not "
                         "match the schema");
}

ddb_error_t *err_start_key_out_of_range(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "The provided starting key does not match the range key predicate");
}

ddb_error_t *err_start_key_segment(arena_t *a, long long total, long long segment)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "The provided starting key is invalid: Invalid ExclusiveStartKey. Please "
                         "use ExclusiveStartKey with correct Segment. TotalSegments: %lld "
                         "Segment: %lld",
                         total, segment);
}

ddb_error_t *err_segments_incomplete(arena_t *a, bool segment_given)
{
    if (segment_given)
        return ddb_error_new(a, ERR_VALIDATION,
                             "The TotalSegments parameter is required but was not present in the "
                             "request when Segment parameter is present");
    return ddb_error_new(a, ERR_VALIDATION,
                         "The Segment parameter is required but was not present in the request "
                         "when parameter TotalSegments is present");
}

ddb_error_t *err_segment_out_of_range(arena_t *a, long long segment, long long total)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "The Segment parameter is zero-based and must be less than parameter "
                         "TotalSegments: Segment: %lld is not less than TotalSegments: %lld",
                         segment, total);
}

ddb_error_t *err_index_not_found(arena_t *a, const char *index)
{
    return ddb_error_new(a, ERR_VALIDATION, "The table does not have the specified index: %s",
                         index);
}

ddb_error_t *err_index_backfilling(arena_t *a, const char *index)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Cannot read from backfilling global secondary index: %s", index);
}

ddb_error_t *err_gsi_consistent_read(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Consistent reads are not supported on global secondary indexes");
}

ddb_error_t *err_select_all_on_gsi(arena_t *a, const char *index)
{
    return err_invalid_parameter(a,
                                 "Select type ALL_ATTRIBUTES is not supported for global "
                                 "secondary index %s because its projection type is not ALL",
                                 index);
}

ddb_error_t *err_select_projected_on_table(arena_t *a)
{
    return err_invalid_parameter(
        a, "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
}

ddb_error_t *err_select_specific_without_projection(arena_t *a)
{
    return err_invalid_parameter(a, "Must specify the AttributesToGet or ProjectionExpression "
                                    "when choosing to get SPECIFIC_ATTRIBUTES");
}

ddb_error_t *err_select_with_projection(arena_t *a, const char *member, const char *what)
{
    return ddb_error_new(a, ERR_VALIDATION, "Cannot specify the %s when choosing to get %s",
                         member, what);
}

/* --- DynamoDB Streams ------------------------------------------------------------- */

ddb_error_t *err_stream_view_type(arena_t *a, bool creating, bool enabled)
{
    if (creating)
        return err_invalid_parameter(a,
                                     enabled ? "Table is being created with a stream enabled, "
                                               "UpdateViewType is required"
                                             : "Table is being created with a stream disabled, "
                                               "UpdateViewType should not be specified");
    return err_invalid_parameter(a, enabled ? "If stream is being enabled then UpdateViewType is "
                                              "required"
                                            : "If stream is being disabled, then UpdateViewType "
                                              "must not be specified");
}

ddb_error_t *err_stream_already_enabled(arena_t *a, const char *table)
{
    return ddb_error_new(a, ERR_VALIDATION, "Table already has an enabled stream: TableName: %s",
                         table);
}

ddb_error_t *err_stream_none_to_disable(arena_t *a, const char *table)
{
    return ddb_error_new(a, ERR_VALIDATION, "Table has no stream to disable: TableName: %s",
                         table);
}

ddb_error_t *err_stream_change_with_iops(arena_t *a)
{
    return err_invalid_parameter(a, "You cannot modify stream status while updating table IOPS");
}

ddb_error_t *err_stream_arn_invalid(arena_t *a, const char *arn)
{
    return ddb_error_new(a, ERR_VALIDATION, "Invalid StreamArn: %s", arn);
}

ddb_error_t *err_stream_not_found(arena_t *a, const char *arn)
{
    return ddb_error_new(a, ERR_RESOURCE_NOT_FOUND,
                         "Requested resource not found: Stream: %s not found", arn);
}

ddb_error_t *err_shard_not_found(arena_t *a)
{
    return ddb_error_new(a, ERR_RESOURCE_NOT_FOUND,
                         "Requested resource not found: Shard does not exist");
}

ddb_error_t *err_sequence_required(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "SequenceNumber is required for the ShardIteratorType "
                         "AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER");
}

ddb_error_t *err_sequence_unexpected(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "SequenceNumber must not be specified for the ShardIteratorType "
                         "TRIM_HORIZON or LATEST");
}

ddb_error_t *err_sequence_invalid(arena_t *a, const char *sequence, const char *shard)
{
    return ddb_error_new(a, ERR_VALIDATION, "Invalid SequenceNumber %s for shard %s", sequence,
                         shard);
}

ddb_error_t *err_trimmed_data(arena_t *a)
{
    return ddb_error_new(a, ERR_TRIMMED_DATA_ACCESS,
                         "The operation attempted to read past the oldest stream record in a "
                         "shard.");
}

ddb_error_t *err_iterator_invalid(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION, "Invalid ShardIterator");
}

/* "Thu Dec 10 01:59:39 UTC 2015" */
static void date_text(char out[40], int64_t ms)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(out, 40, "%a %b %d %H:%M:%S UTC %Y", &tm);
}

ddb_error_t *err_iterator_expired(arena_t *a, int64_t issued_ms, int64_t now_ms,
                                  int64_t lifetime_ms)
{
    char issued[40], now[40];
    date_text(issued, issued_ms);
    date_text(now, now_ms);
    return ddb_error_new(a, ERR_EXPIRED_ITERATOR,
                         "Iterator expired. The iterator was created at time %s while right now "
                         "it is %s which is further in the future than the tolerated delay of "
                         "%lld milliseconds.",
                         issued, now, (long long)lifetime_ms);
}

/* --- Time to Live ---------------------------------------------------------------------- */

ddb_error_t *err_ttl_other_attribute(arena_t *a, const char *current)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "TimeToLive is active on a different AttributeName: current "
                         "AttributeName is %s",
                         current);
}

ddb_error_t *err_ttl_already(arena_t *a, bool enabled)
{
    return ddb_error_new(a, ERR_VALIDATION, "TimeToLive is already %s",
                         enabled ? "enabled" : "disabled");
}

ddb_error_t *err_ttl_cooldown(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Time to live has been modified multiple times within a fixed interval");
}

ddb_error_t *err_insights_index_not_found(arena_t *a, const char *index, const char *table)
{
    return ddb_error_new(a, ERR_RESOURCE_NOT_FOUND,
                         "Requested resource not found: Index: %s not found for table: %s", index,
                         table);
}

ddb_error_t *err_insights_not_active(arena_t *a, bool index)
{
    return err_validation(a,
                          "Table or Index is not in a valid state to update Key Access Insights: "
                          "%s must be ACTIVE to enable ContributorInsights.",
                          index ? "IndexStatus" : "TableStatus");
}

ddb_error_t *err_insights_index_name_length(arena_t *a)
{
    return err_validation(a,
                          "IndexName must be at least 3 characters long and at most 255 "
                          "characters long");
}

/* --- expressions (expr_*.c) -------------------------------------------------- */

ddb_error_t *err_expr_empty(arena_t *a, const char *expr)
{
    return ddb_error_new(a, ERR_VALIDATION, "Invalid %s: The expression can not be empty;", expr);
}

ddb_error_t *err_expr_too_long(arena_t *a, const char *expr, size_t size)
{
    if (!size)
        return ddb_error_new(a, ERR_VALIDATION,
                             "Invalid %s: Expression size has exceeded the maximum allowed size;",
                             expr);
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: Expression size has exceeded the maximum allowed size; "
                         "expression size: %zu",
                         expr, size);
}

ddb_error_t *err_expr_syntax(arena_t *a, const char *expr, const char *token, size_t token_len,
                             const char *near, size_t near_len)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: Syntax error; token: \"%.*s\", near: \"%.*s\"", expr,
                         (int)token_len, token, (int)near_len, near);
}

ddb_error_t *err_expr_redundant_parens(arena_t *a, const char *expr)
{
    return ddb_error_new(a, ERR_VALIDATION, "Invalid %s: The expression has redundant parentheses;",
                         expr);
}

ddb_error_t *err_expr_reserved_word(arena_t *a, const char *expr, const char *word, size_t len)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: Attribute name is a reserved keyword; reserved keyword: %.*s",
                         expr, (int)len, word);
}

ddb_error_t *err_expr_list_index(arena_t *a, const char *expr, const char *index, size_t len)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: List index is not within the allowable range; index: [%.*s]",
                         expr, (int)len, index);
}

ddb_error_t *err_expr_function_name(arena_t *a, const char *expr, const char *name, size_t len)
{
    return ddb_error_new(a, ERR_VALIDATION, "Invalid %s: Invalid function name; function: %.*s",
                         expr, (int)len, name);
}

ddb_error_t *err_expr_function_not_in_condition(arena_t *a, const char *expr, const char *name)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: The function is not allowed in a condition expression; "
                         "function: %s",
                         expr, name);
}

ddb_error_t *err_expr_function_not_in_update(arena_t *a, const char *expr, const char *name)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: The function is not allowed in an update expression; "
                         "function: %s",
                         expr, name);
}

ddb_error_t *err_expr_function_context(arena_t *a, const char *expr, const char *name)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: The function is not allowed to be used this way in an "
                         "expression; function: %s",
                         expr, name);
}

ddb_error_t *err_expr_duplicate_section(arena_t *a, const char *expr, const char *section)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: The \"%s\" section can only be used once in an update "
                         "expression;",
                         expr, section);
}

ddb_error_t *err_expr_path_too_deep(arena_t *a, const char *expr, size_t levels)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: The document path has too many nesting levels; nesting "
                         "levels: %zu",
                         expr, levels);
}

ddb_error_t *err_expr_name_undefined(arena_t *a, const char *expr, const char *name, size_t len)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: An expression attribute name used in the document path is "
                         "not defined; attribute name: %.*s",
                         expr, (int)len, name);
}

ddb_error_t *err_expr_value_undefined(arena_t *a, const char *expr, const char *name, size_t len)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: An expression attribute value used in expression is not "
                         "defined; attribute value: %.*s",
                         expr, (int)len, name);
}

ddb_error_t *err_expr_operand_count(arena_t *a, const char *expr, const char *op, size_t count)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: Incorrect number of operands for operator or function; "
                         "operator or function: %s, number of operands: %zu",
                         expr, op, count);
}

ddb_error_t *err_expr_operand_type(arena_t *a, const char *expr, const char *op, const char *type)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: Incorrect operand type for operator or function; operator "
                         "or function: %s, operand type: %s",
                         expr, op, type);
}

ddb_error_t *err_expr_action_operand_type(arena_t *a, const char *expr, const char *action,
                                          const char *type, const char *type_set)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: Incorrect operand type for operator or function; operator: "
                         "%s, operand type: %s, typeSet: %s",
                         expr, action, type, type_set);
}

ddb_error_t *err_expr_requires_path(arena_t *a, const char *expr, const char *op)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: Operator or function requires a document path; operator or "
                         "function: %s",
                         expr, op);
}

ddb_error_t *err_expr_operands_not_distinct(arena_t *a, const char *expr, const char *op,
                                            const char *path)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: The first operand must be distinct from the remaining "
                         "operands for this operator or function; operator: %s, first operand: %s",
                         expr, op, path);
}

ddb_error_t *err_expr_type_name(arena_t *a, const char *expr, const char *type, size_t len,
                                const char *valid)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: Invalid attribute type name found; type: %.*s, valid types: "
                         "%s",
                         expr, (int)len, type, valid);
}

ddb_error_t *err_expr_between_types(arena_t *a, const char *expr, const char *lower,
                                    const char *upper)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: The BETWEEN operator requires same data type for lower and "
                         "upper bounds; lower bound operand: %s, upper bound operand: %s",
                         expr, lower, upper);
}

ddb_error_t *err_expr_between_order(arena_t *a, const char *expr, const char *lower,
                                    const char *upper)
{
    return ddb_error_new(
        a, ERR_VALIDATION,
        "Invalid %s: The BETWEEN operator requires upper bound to be greater than "
        "or equal to lower bound; lower bound operand: %s, upper bound operand: %s",
        expr, lower, upper);
}

ddb_error_t *err_expr_in_too_many(arena_t *a, const char *expr, size_t count)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: The IN operator is provided with too many operands; number "
                         "of operands: %zu",
                         expr, count);
}

ddb_error_t *err_expr_too_many_operators(arena_t *a, const char *expr, size_t count)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: The expression contains too many operators; operator count: "
                         "%zu",
                         expr, count);
}

ddb_error_t *err_expr_paths_overlap(arena_t *a, const char *expr, const char *one, const char *two)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: Two document paths overlap with each other; must remove or "
                         "rewrite one of these paths; path one: %s, path two: %s",
                         expr, one, two);
}

ddb_error_t *err_expr_paths_conflict(arena_t *a, const char *expr, const char *one, const char *two)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: Two document paths conflict with each other; must remove or "
                         "rewrite one of these paths; path one: %s, path two: %s",
                         expr, one, two);
}

ddb_error_t *err_expr_map_empty(arena_t *a, const char *member)
{
    return ddb_error_new(a, ERR_VALIDATION, "%s must not be empty", member);
}

ddb_error_t *err_expr_map_key_syntax(arena_t *a, const char *member, const char *key, size_t len)
{
    return ddb_error_new(a, ERR_VALIDATION, "%s contains invalid key: Syntax error; key: \"%.*s\"",
                         member, (int)len, key);
}

ddb_error_t *err_expr_map_key_empty(arena_t *a, const char *member)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "%s contains invalid key: The expression attribute map contains an empty "
                         "key;",
                         member);
}

ddb_error_t *err_expr_map_key_too_long(arena_t *a, const char *member, size_t size)
{
    if (!size)
        return ddb_error_new(a, ERR_VALIDATION,
                             "%s contains invalid key: The expression attribute map contains a key "
                             "that is too long;",
                             member);
    return ddb_error_new(a, ERR_VALIDATION,
                         "%s contains invalid key: The expression attribute map contains a key "
                         "that is too long; size of key: %zu",
                         member, size);
}

ddb_error_t *err_expr_name_empty(arena_t *a, const char *key, size_t len)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "ExpressionAttributeNames contains invalid value: Empty attribute name "
                         "for key %.*s",
                         (int)len, key);
}

ddb_error_t *err_expr_value_invalid(arena_t *a, const char *message, const char *key, size_t len)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "ExpressionAttributeValues contains invalid value: %s for key %.*s",
                         message, (int)len, key);
}

ddb_error_t *err_expr_unused(arena_t *a, const char *member, const char *keys)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Value provided in %s unused in expressions: keys: {%s}", member, keys);
}

ddb_error_t *err_update_missing_operand(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "The provided expression refers to an attribute that does not exist in "
                         "the item");
}

ddb_error_t *err_update_operand_type(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "An operand in the update expression has an incorrect data type");
}

ddb_error_t *err_update_invalid_path(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "The document path provided in the update expression is invalid for "
                         "update");
}

ddb_error_t *err_number(arena_t *a, number_status_t status, const char *text, size_t len)
{
    switch (status) {
    case NUMBER_OK: return NULL;
    case NUMBER_INVALID:
        if (!text || len == 0)
            return ddb_error_new(a, ERR_VALIDATION,
                                 "The parameter cannot be converted to a numeric value");
        return ddb_error_new(a, ERR_VALIDATION,
                             "The parameter cannot be converted to a numeric value: %.*s",
                             (int)len, text);
    case NUMBER_TOO_PRECISE:
        return ddb_error_new(a, ERR_VALIDATION,
                             "Attempting to store more than 38 significant digits in a Number");
    case NUMBER_OVERFLOW:
        return ddb_error_new(a, ERR_VALIDATION,
                             "Number overflow. Attempting to store a number with magnitude "
                             "larger than supported range");
    case NUMBER_UNDERFLOW:
        return ddb_error_new(a, ERR_VALIDATION,
                             "Number underflow. Attempting to store a number with magnitude "
                             "smaller than supported range");
    }
    return err_internal(a);
}

ddb_error_t *err_item_nesting_too_deep(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Nesting Levels have exceeded supported limits: Attributes in the item "
                         "have nested levels beyond supported limit");
}

ddb_error_t *err_expected_value_and_list(arena_t *a, const char *attr)
{
    return err_invalid_parameter(
        a, "Value and AttributeValueList cannot be used together for Attribute: %s", attr);
}

ddb_error_t *err_expected_list_without_operator(arena_t *a, const char *attr)
{
    return err_invalid_parameter(
        a, "AttributeValueList can only be used with a ComparisonOperator for Attribute: %s", attr);
}

ddb_error_t *err_expected_exists_and_operator(arena_t *a, const char *attr)
{
    return err_invalid_parameter(
        a, "Exists and ComparisonOperator cannot be used together for Attribute: %s", attr);
}

ddb_error_t *err_expected_operator_without_value(arena_t *a, const char *op, const char *attr)
{
    return err_invalid_parameter(a,
                                 "Value or AttributeValueList must be used with "
                                 "ComparisonOperator: %s for Attribute: %s",
                                 op, attr);
}

ddb_error_t *err_expected_argument_count(arena_t *a, const char *op)
{
    return err_invalid_parameter(a, "Invalid number of argument(s) for the %s ComparisonOperator",
                                 op);
}

ddb_error_t *err_expected_operator_type(arena_t *a, const char *op, const char *type)
{
    return err_invalid_parameter(a, "ComparisonOperator %s is not valid for %s AttributeValue type",
                                 op, type);
}

ddb_error_t *err_expected_value_missing(arena_t *a, const char *exists, const char *attr)
{
    return err_invalid_parameter(a, "Value must be provided when Exists is %s for Attribute: %s",
                                 exists, attr);
}

ddb_error_t *err_expected_value_with_exists_false(arena_t *a, const char *attr)
{
    return err_invalid_parameter(a, "Value cannot be used when Exists is false for Attribute: %s",
                                 attr);
}

ddb_error_t *err_attribute_update_without_value(arena_t *a)
{
    return err_invalid_parameter(
        a, "Only DELETE action is allowed when no attribute value is specified");
}

ddb_error_t *err_attribute_update_delete_type(arena_t *a, const char *type)
{
    return err_invalid_parameter(a, "DELETE action with value is not supported for the type %s",
                                 type);
}

ddb_error_t *err_attribute_update_add_type(arena_t *a, const char *type)
{
    return err_invalid_parameter(a, "ADD action is not supported for the type %s", type);
}

ddb_error_t *err_attribute_update_type_mismatch(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION, "Type mismatch for attribute to update");
}

ddb_error_t *err_attributes_to_get_duplicate(arena_t *a, const char *name)
{
    return err_invalid_parameter(a, "Duplicate value in attribute name: %s", name);
}

ddb_error_t *err_condition_values_mixed(arena_t *a)
{
    return err_invalid_parameter(a, "AttributeValues inside AttributeValueList must be of same "
                                    "type");
}

ddb_error_t *err_condition_between_order(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "The BETWEEN condition was provided a range where the lower bound is "
                         "greater than the upper bound");
}

ddb_error_t *err_key_conditions_count(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION, "Conditions can be of length 1 or 2 only");
}

ddb_error_t *err_key_condition_not_indexable(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Attempted conditional constraint is not an indexable operation");
}

ddb_error_t *err_wire_object_not_expected(arena_t *a)
{
    return err_serialization(a, "Start of structure or map found where not expected");
}

ddb_error_t *err_wire_list_not_expected(arena_t *a)
{
    return err_serialization(a, "Start of list found where not expected");
}

ddb_error_t *err_wire_cannot_convert(arena_t *a, const char *token, const char *type)
{
    return ddb_error_new(a, ERR_SERIALIZATION, "%s cannot be converted to %s", token, type);
}

ddb_error_t *err_wire_unexpected_field(arena_t *a)
{
    return err_serialization(a, "Unexpected field type");
}

ddb_error_t *err_wire_unexpected_value(arena_t *a)
{
    return err_serialization(a, "Unexpected value type in payload");
}

ddb_error_t *err_wire_blob_not_string(arena_t *a)
{
    return err_serialization(a, "only base-64-encoded strings are convertible to bytes");
}

/* --- resource ARNs, tags and resource policies ------------------------------------------ */

ddb_error_t *err_arn_no_prefix(arena_t *a, const char *arn)
{
    return err_invalid_parameter(a, "ARNs must start with 'arn:': %s", arn);
}

ddb_error_t *err_arn_part_missing(arena_t *a, int part, const char *arn)
{
    static const char *const parts[] = {
        "Second colon partition not found",
        "Third colon vendor not found",
        "Fourth colon (region/namespace delimiter) not found",
        "Fifth colon (namespace/relative-id delimiter) not found",
    };
    if (part < 2) part = 2;
    if (part > 5) part = 5;
    return err_invalid_parameter(a, "%s: %s", parts[part - 2], arn);
}

ddb_error_t *err_arn_not_dynamodb(arena_t *a, const char *arn)
{
    return err_invalid_parameter(a, "Provided Arn is not a DynamoDB resource arn: %s", arn);
}

ddb_error_t *err_arn_not_table_or_stream(arena_t *a, const char *arn)
{
    return err_invalid_parameter(a,
                                 "Invalid resource arn provided, only table or stream is "
                                 "accepted. Provided resource arn: %s",
                                 arn);
}

ddb_error_t *err_access_denied(arena_t *a)
{
    return ddb_error_new(a, ERR_ACCESS_DENIED, "Access is denied");
}

ddb_error_t *err_tag_arn_invalid(arena_t *a, const char *arn)
{
    return err_validation(a, "Invalid TableArn: Invalid ResourceArn provided as input %s", arn);
}

ddb_error_t *err_tag_resource_not_found(arena_t *a, const char *arn)
{
    return ddb_error_new(a, ERR_RESOURCE_NOT_FOUND,
                         "Requested resource not found: ResourceArn: %s not found", arn);
}

ddb_error_t *err_tags_empty(arena_t *a, bool keys)
{
    /* "Atleast" (sic) */
    return err_validation(a, keys ? "Atleast one Tag Key needs to be provided as Input."
                                  : "Atleast one Tag needs to be provided as Input.");
}

ddb_error_t *err_tag_key_invalid(arena_t *a, const char *key)
{
    return err_validation(a, "The Tag Key provided is invalid, Key: %s", key ? key : "null");
}

ddb_error_t *err_tag_value_invalid(arena_t *a, const char *value)
{
    return err_validation(a, "The Tag Value provided is invalid, Value: %s",
                          value ? value : "null");
}

ddb_error_t *err_tag_key_reserved(arena_t *a, const char *key)
{
    return err_validation(a, "Tag Key cannot be prefixed with aws:, Key: %s", key);
}

ddb_error_t *err_tag_key_duplicate(arena_t *a, const char *key)
{
    return err_validation(a, "Duplicate Tag Keys provided as input: Duplicate Tag Key found %s",
                          key);
}

ddb_error_t *err_tags_limit(arena_t *a)
{
    return err_validation(a, "Number of Tags exceed the current limit for the provided ResourceArn");
}

ddb_error_t *err_policy_arn_invalid(arena_t *a, const char *arn)
{
    return err_invalid_parameter(a, "Invalid resource Arn: %s", arn);
}

ddb_error_t *err_policy_other_account(arena_t *a)
{
    /* with a typographic apostrophe, as the service writes it */
    return err_validation(a, "This action is only supported by accounts that match the resource "
                             "owner\u2019s account.");
}

ddb_error_t *err_stream_not_found_for_table(arena_t *a, const char *label, const char *table)
{
    return ddb_error_new(a, ERR_RESOURCE_NOT_FOUND,
                         "Requested resource not found: Stream: %s not found for Table: %s", label,
                         table);
}

ddb_error_t *err_policy_not_found(arena_t *a, const char *arn)
{
    return ddb_error_new(a, ERR_POLICY_NOT_FOUND,
                         "Resource-based policy not found for the provided ResourceArn: %s", arn);
}

ddb_error_t *err_policy_revision_mismatch(arena_t *a, const char *expected, const char *table,
                                          const char *current)
{
    return ddb_error_new(a, ERR_POLICY_NOT_FOUND,
                         "Resource-based policy not found for the provided ResourceArn: Requested "
                         "update for policy with revision id %s, but the policy associated to "
                         "target table %s has revision id %s.",
                         expected, table, current);
}

ddb_error_t *err_policy_expected_none(arena_t *a, const char *table, const char *current)
{
    return ddb_error_new(a, ERR_POLICY_NOT_FOUND,
                         "Resource-based policy not found for the provided ResourceArn: Requested "
                         "policy update expecting none to be present for table %s, but a policy "
                         "exists with revision id %s.",
                         table, current);
}

ddb_error_t *err_policy_too_large(arena_t *a, size_t max)
{
    return err_invalid_parameter(a, "Maximum policy size of %zu bytes exceeded", max);
}

ddb_error_t *err_policy_document(arena_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *detail = NULL;
    int n = vasprintf(&detail, fmt, ap);
    va_end(ap);
    if (n < 0) return err_internal(a);
    ddb_error_t *e = err_invalid_parameter(a, "Invalid policy document: %s", detail);
    free(detail);
    return e;
}

ddb_error_t *err_policy_unbounded(arena_t *a)
{
    return err_validation(a, "Resource-based policy grants unbounded access in one or more "
                             "elements. Please revise the policy to ensure least-privilege form "
                             "of access");
}

ddb_error_t *err_policy_principal(arena_t *a)
{
    return err_validation(a, "Invalid principal in policy document.");
}

/* --- PartiQL ------------------------------------------------------------------------ */

ddb_error_t *err_partiql_syntax(arena_t *a, partiql_syntax_t what)
{
    static const char *const details[] = {
        [PQ_SYNTAX_EMPTY] = "",
        [PQ_SYNTAX_UNEXPECTED_TOKEN] = "Unexpected token after expression",
        [PQ_SYNTAX_UNEXPECTED_TERM] = "Unexpected term",
        [PQ_SYNTAX_MISSING_RHS] = "Missing right-hand side expression of infix operator",
        [PQ_SYNTAX_UNEXPECTED_KEYWORD] = "Unexpected keyword",
        [PQ_SYNTAX_EXPECTED_IDENTIFIER] = "Expected identifier for simple path",
        [PQ_SYNTAX_EXPECTED_TYPE_NAME] = "Expected type name",
        [PQ_SYNTAX_INVALID_PATH_DOT] = "Invalid path dot component",
    };
    return err_validation(a, "Statement wasn't well formed, can't be processed: %s", details[what]);
}

ddb_error_t *err_partiql_alias(arena_t *a) { return err_validation(a, "Aliasing is not supported"); }

ddb_error_t *err_partiql_unsupported_clause(arena_t *a, const char *clause)
{
    return err_validation(a, "Unsupported clause: %s", clause);
}

ddb_error_t *err_partiql_unsupported_operation(arena_t *a, const char *word, size_t len)
{
    char upper[16];
    size_t n = len < sizeof upper - 1 ? len : sizeof upper - 1;
    for (size_t i = 0; i < n; i++)
        upper[i] = (char)(word[i] >= 'a' && word[i] <= 'z' ? word[i] - 32 : word[i]);
    upper[n] = 0;
    return err_validation(a, "Unsupported operation: %s", upper);
}

ddb_error_t *err_partiql_single_source(arena_t *a)
{
    return err_validation(a, "Only select from a single table or index is supported.");
}

ddb_error_t *err_partiql_star_with_others(arena_t *a)
{
    return err_validation(
        a, "Other attributes should not be present in the projection when '*' is used.");
}

ddb_error_t *err_partiql_duplicate_projection(arena_t *a, const char *name, size_t len)
{
    return err_validation(a, "Duplicate identifiers in select clause: %.*s", (int)len, name);
}

/* "1:<column>:<length>" of text[at..at+len), lines and columns from 1. */
static void partiql_position(const char *text, size_t at, size_t len, char *out, size_t size)
{
    size_t line = 1, col = 1;
    for (size_t i = 0; i < at; i++) {
        if (text[i] == '\n') line++, col = 1;
        else col++;
    }
    snprintf(out, size, "%zu:%zu:%zu", line, col, len);
}

ddb_error_t *err_partiql_unexpected_path_component(arena_t *a, const char *text, size_t at,
                                                   size_t len)
{
    char pos[64];
    partiql_position(text, at, len, pos, sizeof pos);
    return err_validation(a, "Unexpected path component at %s", pos);
}

ddb_error_t *err_partiql_unrecognized_function(arena_t *a, const char *name, const char *text,
                                               size_t at, size_t len)
{
    char pos[64];
    partiql_position(text, at, len, pos, sizeof pos);
    return err_validation(a, "Unrecognized function: %s at %s", name, pos);
}

ddb_error_t *err_partiql_insert_values(arena_t *a)
{
    return err_validation(a, "Unsupported operation: Inserting multiple items in a single "
                             "statement is not supported, use \"INSERT INTO tableName VALUE "
                             "item\" instead");
}

ddb_error_t *err_partiql_insert_returning(arena_t *a)
{
    return err_validation(a, "RETURNING is not supported in INSERT");
}

ddb_error_t *err_partiql_insert_where(arena_t *a)
{
    return err_validation(a, "Unsupported FROM ... WHERE ... clause in INSERT statement.");
}

ddb_error_t *err_partiql_only_set_remove(arena_t *a)
{
    return err_validation(a, "Only SET and REMOVE are supported in update expressions at this time");
}

ddb_error_t *err_partiql_returning_star(arena_t *a)
{
    return err_validation(a, "Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING "
                             "clause");
}

ddb_error_t *err_partiql_delete_returning(arena_t *a, const char *which, const char *age)
{
    return err_validation(a, "Invalid returning clause: RETURNING %s %s *. Only RETURNING ALL OLD "
                             "* is allowed in DELETE statements.", which, age);
}

ddb_error_t *err_partiql_missing_is(arena_t *a)
{
    return err_validation(a, "MISSING must be compared using IS operator");
}

ddb_error_t *err_partiql_in_operands(arena_t *a)
{
    return err_validation(a, "IN operator must have a left hand argument of type Variable "
                             "Reference and right hand argument of type Seq with at least one "
                             "member");
}

ddb_error_t *err_partiql_not_boolean(arena_t *a)
{
    return err_validation(a, "WHERE clause must contain an expression that resolves to a boolean");
}

ddb_error_t *err_partiql_wildcard_path(arena_t *a)
{
    return err_validation(a, "Wildcard path component like a[*].b are not supported");
}

ddb_error_t *err_partiql_unpivot_path(arena_t *a)
{
    return err_validation(a, "Unpivot path component like a.*.b are not supported");
}

ddb_error_t *err_partiql_number(arena_t *a, number_status_t status, const char *under)
{
    ddb_error_t *e = err_number(a, status, NULL, 0);
    e->message = arena_sprintf(a, "%s under %s", e->message, under);
    return e;
}

ddb_error_t *err_partiql_bag_type(arena_t *a)
{
    return err_validation(a, "Unsupported data type in Bag. DynamoDB only supports either numbers "
                             "or strings in bags");
}

ddb_error_t *err_partiql_bag_empty(arena_t *a)
{
    return err_validation(a, "Empty bags are not supported");
}

ddb_error_t *err_partiql_tuple_key_type(arena_t *a, const char *type, const char *under)
{
    return err_validation(a, "Tuple keys must be of type String. Actual type: %s under %s", type,
                          under);
}

ddb_error_t *err_partiql_tuple_duplicate_key(arena_t *a, const char *key, const char *under)
{
    return err_validation(a, "Duplicate keys in tuple. Key: %s under %s", key, under);
}

ddb_error_t *err_partiql_operand_type(arena_t *a, const char *op, const char *type)
{
    return err_validation(a, "Incorrect operand type for operator or function; operator or "
                             "function: %s, operand type: %s", op, type);
}

ddb_error_t *err_partiql_param_count(arena_t *a)
{
    return err_validation(a, "Number of parameters in request and statement don't match.");
}

ddb_error_t *err_partiql_param_number(arena_t *a, const char *text, size_t len)
{
    return err_number(a, NUMBER_INVALID, text, len);
}

ddb_error_t *err_partiql_index_not_found(arena_t *a)
{
    return err_validation(a, "The table does not have the specified index");
}

ddb_error_t *err_partiql_multi_attribute_index(arena_t *a)
{
    return err_validation(a, "PartiQL statements cannot be executed on tables with "
                             "multi-attribute HASH keys or multi-attribute RANGE keys.");
}

ddb_error_t *err_partiql_gsi_consistent(arena_t *a)
{
    return err_validation(a, "Strongly consistent read is not supported on Global Secondary "
                             "Indexes");
}

ddb_error_t *err_partiql_write_on_index(arena_t *a)
{
    return err_validation(a, "This operation is not supported on an index");
}

ddb_error_t *err_partiql_where_key(arena_t *a)
{
    return err_validation(a, "Where clause does not contain a mandatory equality on all key "
                             "attributes");
}

ddb_error_t *err_partiql_multiple_key(arena_t *a, const char *key)
{
    return err_validation(a, "Multiple conditions on same key %s. Only single item "
                             "Update/Insert/Delete are supported", key);
}

ddb_error_t *err_partiql_key_type(arena_t *a, const char *key)
{
    return err_validation(a, "Key attribute's data type should match its data type in table's "
                             "schema: Key %s", key);
}

ddb_error_t *err_partiql_key_nested(arena_t *a, const char *key)
{
    return err_validation(a, "Key attributes must be scalars; list random access '[]' and map "
                             "lookup '.' are not allowed: Key %s", key);
}

ddb_error_t *err_partiql_insert_key(arena_t *a, const char *key)
{
    return err_validation(a, "Key attribute should be present in the item: Key %s", key);
}

ddb_error_t *err_partiql_duplicate_item(arena_t *a)
{
    return ddb_error_new(a, ERR_DUPLICATE_ITEM, "Duplicate primary key exists in table");
}

ddb_error_t *err_partiql_order_by_where(arena_t *a)
{
    return err_validation(a, "Must have WHERE clause in the statement when using ORDER BY clause.");
}

ddb_error_t *err_partiql_order_by_hash(arena_t *a)
{
    return err_validation(a, "Must have at least one non-optional hash key condition in WHERE "
                             "clause when using ORDER BY clause.");
}

ddb_error_t *err_partiql_order_by_several_partitions(arena_t *a)
{
    return err_validation(a, "Must have hash key in ORDER BY clause when more than one hash key "
                             "condition specified in WHERE clause.");
}

ddb_error_t *err_partiql_too_many_partitions(arena_t *a)
{
    return err_validation(a, "Too many decomposed read operations for a given query.");
}

ddb_error_t *err_partiql_order_by_key(arena_t *a, const char *name)
{
    return err_validation(a, "Attribute %s in ORDER BY clause must be part of the primary key",
                          name);
}

ddb_error_t *err_partiql_next_token_invalid(arena_t *a)
{
    return err_validation(a, "Invalid NextToken");
}

ddb_error_t *err_partiql_next_token_other(arena_t *a)
{
    return err_validation(a, "The provided starting key is invalid");
}

ddb_error_t *err_partiql_not_projected(arena_t *a, const char *index, const char *names)
{
    return err_invalid_parameter(a, "Global secondary index %s does not project [%s]", index,
                                 names);
}

ddb_error_t *err_partiql_batch_mixed(arena_t *a)
{
    return err_validation(a,
                          "Read and write requests together in the same batch is not supported.");
}

ddb_error_t *err_partiql_batch_select_key(arena_t *a)
{
    return err_validation(a, "Select statements within BatchExecuteStatement must specify the "
                             "primary key in the where clause.");
}

ddb_error_t *err_partiql_exists_outside(arena_t *a)
{
    return err_validation(a, "EXISTS can only be used in ExecuteTransaction write requests.");
}

ddb_error_t *err_partiql_transaction_mixed(arena_t *a)
{
    return err_validation(a, "ExecuteTransaction API does not support both read and write "
                             "operations in the same request.");
}

ddb_error_t *err_partiql_transaction_statement(arena_t *a, size_t index, const ddb_error_t *e)
{
    return err_validation(a, "Validation failed in TransactStatements[%zu]: %s", index,
                          e->message ? e->message : "");
}

ddb_error_t *err_partiql_transaction_select_key(arena_t *a)
{
    return err_validation(a, "Select statements within ExecuteTransaction must specify the "
                             "primary key in the where clause.");
}

ddb_error_t *err_partiql_transaction_returning(arena_t *a)
{
    return err_validation(a, "RETURNING clause is not supported in ExecuteTransaction.");
}

ddb_error_t *err_partiql_exists_condition(arena_t *a)
{
    return err_validation(a, "EXISTS() must contain a single item read with additional condition");
}

/* --- backups ---------------------------------------------------------------------------- */

ddb_error_t *err_backup_table_not_found(arena_t *a, const char *table)
{
    return ddb_error_new(a, ERR_TABLE_NOT_FOUND, "Table not found: %s", table);
}

/* The service always keeps data; its nearest error for "no backups here"
 * is the one it gives while backups are not yet enabled for a table. */
ddb_error_t *err_backups_unavailable(arena_t *a, const char *table)
{
    return ddb_error_new(a, ERR_CONTINUOUS_BACKUPS_UNAVAILABLE,
                         "Backups are not available for the table: %s. This server keeps no "
                         "data (--in-memory)",
                         table);
}

ddb_error_t *err_backup_arn_invalid(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION, "Invalid Backup ARN");
}

ddb_error_t *err_restore_backup_arn_invalid(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION, "Invalid Request: BackupArn is not valid");
}

ddb_error_t *err_backup_not_found(arena_t *a, const char *arn)
{
    return ddb_error_new(a, ERR_BACKUP_NOT_FOUND, "Backup not found: %s", arn);
}

ddb_error_t *err_backup_in_use(arena_t *a, const char *arn)
{
    return ddb_error_new(a, ERR_BACKUP_IN_USE,
                         "Backup is being used to restore a table: %s", arn);
}

ddb_error_t *err_backup_system(arena_t *a, const char *arn, int64_t expires_ms)
{
    char when[32];
    clock_format_iso(when, expires_ms); /* the time's format: unverified */
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid Request: User is not allowed to delete the system backup with "
                         "arn %s. It will automatically expire on %s",
                         arn, when);
}

ddb_error_t *err_backup_time_range(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "One or more parameter values were invalid: Time range lower bound "
                         "must be less than or equal to upper bound");
}

ddb_error_t *err_restore_target_exists(arena_t *a, const char *table)
{
    return ddb_error_new(a, ERR_TABLE_ALREADY_EXISTS, "Table already exists: %s", table);
}

ddb_error_t *err_restore_target_in_use(arena_t *a, const char *table)
{
    return ddb_error_new(a, ERR_TABLE_IN_USE, "Table is being restored: %s", table);
}

ddb_error_t *err_restore_index_unknown(arena_t *a, const char *index)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid Request: Index %s does not match a secondary index that "
                         "existed in the source table and cannot be created during the restore "
                         "operation",
                         index);
}

ddb_error_t *err_restore_throughput_on_demand(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid Request: Cannot override ProvisionedThroughput if BillingMode "
                         "is overridden to PAY_PER_REQUEST");
}

ddb_error_t *err_restore_throughput_required(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid Request: Must override ProvisionedThroughput if BillingMode is "
                         "overridden to PROVISIONED");
}

ddb_error_t *err_restore_on_demand_not_on_demand(arena_t *a, const char *member)
{
    /* MaxReadRequestUnits's text as recorded; MaxWriteRequestUnits's inferred */
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid Request: Cannot override %s for OnDemandThroughput unless "
                         "BillingModeOverride is PAY_PER_REQUEST",
                         member);
}

ddb_error_t *err_restore_throughput_not_provisioned(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid Request: Cannot override ProvisionedThroughput unless "
                         "BillingMode is PROVISIONED");
}

/* --- point-in-time recovery ------------------------------------------------------ */

ddb_error_t *err_pitr_period_on_disable(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid Request: Cannot specify RecoveryPeriodInDays when disabling "
                         "point-in-time recovery.");
}

ddb_error_t *err_pitr_unavailable(arena_t *a, const char *table)
{
    return ddb_error_new(a, ERR_PITR_UNAVAILABLE,
                         "Point in time recovery is not enabled for table '%s'", table);
}

/* The service's text is not recorded; it names both bounds. */
ddb_error_t *err_pitr_restore_time(arena_t *a, int64_t earliest_ms, int64_t latest_ms)
{
    char from[32], to[32];
    clock_format_iso(from, earliest_ms);
    clock_format_iso(to, latest_ms);
    return ddb_error_new(a, ERR_INVALID_RESTORE_TIME,
                         "RestoreDateTime must be between EarliestRestorableDateTime (%s) and "
                         "LatestRestorableDateTime (%s)",
                         from, to);
}

ddb_error_t *err_pitr_restore_time_choice(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid Request: Either one of RestoreDateTime or "
                         "UseLatestRestorableTime must be specified, but not both");
}

ddb_error_t *err_pitr_source_choice(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Must provide exactly one of: sourceTableArn, sourceTableName");
}

ddb_error_t *err_pitr_table_arn_invalid(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION, "Invalid TableArn: Invalid Table ARN");
}

/* --- exports ----------------------------------------------------------------------- */

ddb_error_t *err_export_table_not_found(arena_t *a, const char *arn)
{
    return ddb_error_new(a, ERR_TABLE_NOT_FOUND, "Table not found: %s", arn);
}

/* The service's text is not recorded; it names both bounds. */
ddb_error_t *err_export_time(arena_t *a, int64_t earliest_ms, int64_t latest_ms)
{
    char from[32], to[32];
    clock_format_iso(from, earliest_ms);
    clock_format_iso(to, latest_ms);
    return ddb_error_new(a, ERR_INVALID_EXPORT_TIME,
                         "ExportTime must be between EarliestRestorableDateTime (%s) and "
                         "LatestRestorableDateTime (%s)",
                         from, to);
}

ddb_error_t *err_export_conflict(arena_t *a)
{
    return ddb_error_new(a, ERR_EXPORT_CONFLICT,
                         "Export conflict: Duplicate request detected with conflicting parameters");
}

ddb_error_t *err_export_not_found(arena_t *a, const char *arn)
{
    return ddb_error_new(a, ERR_EXPORT_NOT_FOUND, "Export not found: %s", arn);
}

ddb_error_t *err_export_arn_invalid(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION, "Invalid Export ARN");
}

ddb_error_t *err_export_spec_needs_incremental(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid Request: Export Type expected to be Incremental Export when "
                         "incremental export specification is provided");
}

ddb_error_t *err_export_spec_with_full(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid Request: When Export Type is Full Export , Incremental Export "
                         "Specification should not be provided");
}

ddb_error_t *err_export_incremental_needs_spec(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid Request: Incremental Export Specification expected when export "
                         "type is set as Incremental Export");
}

ddb_error_t *err_export_from_time_required(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid Request: ExportFromTime must be provided in "
                         "IncrementalExportSpecification");
}

/* "2026-10-08T22:51:50Z": seconds, as these texts show times. */
static void format_iso_seconds(char out[32], int64_t ms)
{
    clock_format_iso(out, ms - ms % 1000);
    char *dot = strchr(out, '.');
    if (dot) memcpy(dot, "Z", 2);
}

ddb_error_t *err_export_from_before_start(arena_t *a, int64_t earliest_ms)
{
    char t[32];
    format_iso_seconds(t, earliest_ms);
    return ddb_error_new(a, ERR_INVALID_EXPORT_TIME,
                         "Incremental export period from time cannot be less than the table "
                         "creation time : %s",
                         t);
}

ddb_error_t *err_export_to_after_now(arena_t *a, int64_t now_ms)
{
    char t[32];
    format_iso_seconds(t, now_ms);
    return ddb_error_new(a, ERR_INVALID_EXPORT_TIME,
                         "Incremental export period to time cannot be greater than the current "
                         "time : %s",
                         t);
}

ddb_error_t *err_export_period_short(arena_t *a)
{
    return ddb_error_new(a, ERR_INVALID_EXPORT_TIME,
                         "Difference between export period from time and export period to time "
                         "is less than 15 minutes");
}

/* Text unverified: worded as the short period's. */
ddb_error_t *err_export_period_long(arena_t *a)
{
    return ddb_error_new(a, ERR_INVALID_EXPORT_TIME,
                         "Difference between export period from time and export period to time "
                         "is more than 24 hours");
}

/* --- imports ----------------------------------------------------------------------- */

/* The service's conflict text is not recorded; worded as the export's. */
ddb_error_t *err_import_conflict(arena_t *a)
{
    return ddb_error_new(a, ERR_IMPORT_CONFLICT,
                         "Import conflict: Duplicate request detected with conflicting parameters");
}

/* Text unverified. */
ddb_error_t *err_import_not_found(arena_t *a, const char *arn)
{
    return ddb_error_new(a, ERR_IMPORT_NOT_FOUND, "Import not found: %s", arn);
}

ddb_error_t *err_import_arn_invalid(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION, "Invalid Import ARN");
}

const char *const IMPORT_FAILURE_ITEMS_CODE = "ItemValidationError";
const char *const IMPORT_FAILURE_ITEMS_MESSAGE =
    "Some of the items failed validation checks and were not imported. Please check CloudWatch "
    "error logs for more details.";
const char *const IMPORT_FAILURE_BUCKET_CODE = "S3NoSuchBucket";
const char *const IMPORT_FAILURE_BUCKET_MESSAGE = "The specified bucket does not exist";
const char *const IMPORT_FAILURE_STOPPED_CODE = "InternalServerError";
const char *const IMPORT_FAILURE_STOPPED_MESSAGE = "The server stopped during the import";
const char *const IMPORT_FAILURE_TABLE_CODE = "ResourceInUseException";
const char *const IMPORT_FAILURE_TABLE_MESSAGE = "The table could not be created";

/* --- global tables ------------------------------------------------------------------- */

ddb_error_t *err_replica_only_operation(arena_t *a)
{
    return err_invalid_parameter(a, "Replica modification must be the only operation in the "
                                    "request");
}

ddb_error_t *err_replica_one_action(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION, "Update table operation with more than one create "
                                            "or delete replica actions not allowed");
}

ddb_error_t *err_replica_region_unsupported(arena_t *a, const char *region, const char *regions)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Region %s is not supported. The latest version of global tables are "
                         "only supported in the following regions: %s",
                         region, regions);
}

/* unverified text */
ddb_error_t *err_replica_local_region(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Cannot add or delete the local region through ReplicaUpdates. Use "
                         "CreateTable, DeleteTable, or UpdateTable as required.");
}

ddb_error_t *err_replica_write_capacity(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Table write capacity should either be Pay-Per-Request or AutoScaled.");
}

/* unverified text */
ddb_error_t *err_replica_exists(arena_t *a, const char *table)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Failed to create a the new replica of table with name: \u2018%s\u2019 "
                         "because one or more replicas already existed as tables.",
                         table);
}

/* unverified text: the service's limits on these settings are not known */
ddb_error_t *err_replica_settings_too_long(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "One or more parameter values were invalid: The replica's settings "
                         "(KMSMasterKeyId, overrides and GlobalSecondaryIndexes) are too long.");
}

/* unverified text: the service has no such limit of its own but its table quota */
ddb_error_t *err_replica_groups_limit(arena_t *a, int limit)
{
    return ddb_error_new(a, ERR_LIMIT_EXCEEDED,
                         "Subscriber limit exceeded: Number of tables with replicas exceeds the "
                         "limit of %d",
                         limit);
}

/* unverified text */
ddb_error_t *err_replica_not_found(arena_t *a, const char *region)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Update global table operation failed because one or more replicas were "
                         "not part of the global table. Please retry the request without these "
                         "replicas: [%s].",
                         region);
}

ddb_error_t *err_replica_update_empty(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "There are no actions specified in the Replica Update Action of the "
                         "request.");
}

ddb_error_t *err_replica_action_types(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Update table operation with more than one type of replica actions not "
                         "allowed.");
}

ddb_error_t *err_replica_throughput_on_demand(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
                         "BillingMode is PAY_PER_REQUEST");
}

ddb_error_t *err_auto_scaling_nothing(arena_t *a, const char *table, const char *region)
{
    if (region)
        return ddb_error_new(a, ERR_VALIDATION,
                             "Failed to update settings for global table with name: "
                             "\u2018%s\u2019 because at least one update parameter must be "
                             "specified for region: \u2018%s\u2019.",
                             table, region);
    return ddb_error_new(a, ERR_VALIDATION,
                         "Failed to update settings for global table with name: \u2018%s\u2019 "
                         "because at least one update parameter must be specified.",
                         table);
}

ddb_error_t *err_auto_scaling_regions_repeated(arena_t *a, const char *table, const char *regions)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Failed to update settings for global table with name: \u2018%s\u2019 "
                         "because the regions: \u2018[%s]\u2019 were specified more than once.",
                         table, regions);
}

ddb_error_t *err_replica_consistency_create_only(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Only Replica Create actions are supported when MultiRegionConsistency "
                         "parameter is provided.");
}

ddb_error_t *err_replica_consistency_existing(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "MultiRegionConsistency parameter is unsupported on existing global "
                         "table");
}

ddb_error_t *err_witness_needs_strong(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "MultiRegionConsistency must be set as STRONG when "
                         "GlobalTableWitnessUpdates parameter is present.");
}

ddb_error_t *err_strong_only_operation(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Requests that modify replicas or witnesses must not also modify other "
                         "fields");
}

ddb_error_t *err_strong_replica_count(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Unsupported replica count for global tables with MultiRegionConsistency "
                         "set to STRONG.");
}

ddb_error_t *err_strong_regions(arena_t *a, const char *regions)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Unsupported Region(s) specified for global tables with "
                         "MultiRegionConsistency set to STRONG: [%s].",
                         regions);
}

ddb_error_t *err_replica_busy(arena_t *a)
{
    return ddb_error_new(a, ERR_RESOURCE_IN_USE,
                         "The resource which you are attempting to change is in use.");
}

ddb_error_t *err_global_tables_legacy(arena_t *a)
{
    return err_invalid_parameter(a, "DynamoDB global tables version 2017.11.29 is not supported. "
                                    "We recommend using DynamoDB global tables version "
                                    "2019.11.21, instead of version 2017.11.29 (Legacy).");
}

ddb_error_t *err_global_table_not_found(arena_t *a, const char *name)
{
    return ddb_error_new(a, ERR_GLOBAL_TABLE_NOT_FOUND,
                         "Global table with name: '%s' does not exist.", name);
}

ddb_error_t *err_replica_auto_scaling_not_found(arena_t *a, const char *table)
{
    return ddb_error_new(a, ERR_RESOURCE_NOT_FOUND, "Global table with name: '%s' does not exist.",
                         table);
}

ddb_error_t *err_replica_auto_scaling_on_demand(arena_t *a, const char *table,
                                                const char *replicas, const char *parameter)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Failed to update global table with name \u2018%s\u2018. Replicas %s "
                         "BillingMode is PayPerRequest. You must convert table's BillingMode to "
                         "PROVISIONED to set parameters: '%s'.",
                         table, replicas, parameter);
}

ddb_error_t *err_global_table_name_length(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "TableName must be at least 3 characters long and at most 255 "
                         "characters long");
}

/* This server's own operation: no text of the service. */
ddb_error_t *err_replication_member(arena_t *a, const char *list, size_t index, const char *member)
{
    if (!list)
        return ddb_error_new(a, ERR_VALIDATION,
                             "Invalid replication request: %s is missing or not valid", member);
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid replication request: %s[%zu]%s%s is missing or not valid", list,
                         index, member ? "." : "", member ? member : "");
}

/* unverified text */
ddb_error_t *err_replica_stream_view(arena_t *a)
{
    return err_invalid_parameter(a, "Table must have DynamoDB Streams enabled with "
                                    "StreamViewType NEW_AND_OLD_IMAGES to add a replica.");
}

ddb_error_t *err_replica_stream_disable(arena_t *a)
{
    return err_invalid_parameter(a, "Disabling Stream is not allowed for a Global Table replica.");
}

ddb_error_t *err_replica_recent_source(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Replica cannot be deleted because it has acted as a source region for "
                         "new replica(s) being added to the table in the last 24 hours.");
}
