/* ops/exports: ExportTableToPointInTime, DescribeExport, ListExports.  The
 * exports themselves: export.h; the window they read: pitr.h. */
#include <stdlib.h>
#include <string.h>

#include "arn.h"
#include "clock.h"
#include "export.h"
#include "ops/ops.h"
#include "pitr.h"
#include "wire.h"

#define EXPORT_ARN_MIN 37
#define EXPORT_ARN_MAX 1024
#define LIST_EXPORTS_MAX 25

static const constraint_enum_t ENUM_SSE_ALGORITHM = {(const char *const[]){"AES256", "KMS", NULL},
                                                     "AES256, KMS"};
static const constraint_enum_t ENUM_EXPORT_FORMAT = {
    (const char *const[]){"DYNAMODB_JSON", "ION", NULL}, "DYNAMODB_JSON, ION"};
static const constraint_enum_t ENUM_EXPORT_VIEW_TYPE = {
    (const char *const[]){"NEW_IMAGE", "NEW_AND_OLD_IMAGES", NULL}, "NEW_IMAGE, NEW_AND_OLD_IMAGES"};
static const constraint_enum_t ENUM_EXPORT_TYPE = {
    (const char *const[]){"FULL_EXPORT", "INCREMENTAL_EXPORT", NULL},
    "FULL_EXPORT, INCREMENTAL_EXPORT"};

/* --- ExportTableToPointInTime ----------------------------------------------------- */

typedef struct {
    export_request_t r;
    const char *table_arn, *format, *type, *view;
    bool has_time;
    int64_t time_ms;
    const json_value_t *spec; /* IncrementalExportSpecification */
    bool has_from, has_to;
    int64_t from_ms, to_ms;
} export_call_t;

static ddb_error_t *read_export_request(arena_t *a, const json_value_t *req, export_call_t *x)
{
    ddb_error_t *e = NULL;
    memset(x, 0, sizeof *x);
    size_t arn_len = 0, bucket_len = 0, prefix_len = 0, kms_len = 0, token_len = 0;
    wire_string(a, req, "TableArn", &x->table_arn, &arn_len, &e);
    if (!e) wire_string(a, req, "S3Bucket", &x->r.bucket, &bucket_len, &e);
    if (!e) wire_string(a, req, "S3BucketOwner", &x->r.owner, NULL, &e);
    if (!e) wire_string(a, req, "S3Prefix", &x->r.prefix, &prefix_len, &e);
    if (!e) wire_string(a, req, "S3SseAlgorithm", &x->r.sse, NULL, &e);
    if (!e) wire_string(a, req, "S3SseKmsKeyId", &x->r.kms_key, &kms_len, &e);
    if (!e) wire_string(a, req, "ClientToken", &x->r.token, &token_len, &e);
    if (!e) wire_string(a, req, "ExportFormat", &x->format, NULL, &e);
    if (!e) wire_string(a, req, "ExportType", &x->type, NULL, &e);
    x->spec = wire_member(req, "IncrementalExportSpecification");
    if (x->spec && x->spec->type != JSON_OBJECT) x->spec = NULL;
    if (!e && x->spec) wire_string(a, x->spec, "ExportViewType", &x->view, NULL, &e);
    if (e) return e;
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    if (constraint_required(&cl, x->table_arn != NULL, "tableArn"))
        constraint_length(&cl, x->table_arn, arn_len, 1, 1024, "tableArn");
    if (constraint_required(&cl, x->r.bucket != NULL, "s3Bucket"))
        constraint_length(&cl, x->r.bucket, bucket_len, 0, 255, "s3Bucket");
    if (x->r.prefix) constraint_length(&cl, x->r.prefix, prefix_len, 0, 1024, "s3Prefix");
    if (x->r.kms_key) constraint_length(&cl, x->r.kms_key, kms_len, 1, 2048, "s3SseKmsKeyId");
    constraint_enum(&cl, x->r.sse, &ENUM_SSE_ALGORITHM, "s3SseAlgorithm");
    constraint_enum(&cl, x->format, &ENUM_EXPORT_FORMAT, "exportFormat");
    constraint_enum(&cl, x->type, &ENUM_EXPORT_TYPE, "exportType");
    constraint_enum(&cl, x->view, &ENUM_EXPORT_VIEW_TYPE, "incrementalExportSpecification.exportViewType");
    if ((e = constraint_list_finish(&cl))) return e;
    x->has_time = wire_time_ms(req, "ExportTime", false, &x->time_ms);
    x->has_from = x->spec && wire_time_ms(x->spec, "ExportFromTime", false, &x->from_ms);
    x->has_to = x->spec && wire_time_ms(x->spec, "ExportToTime", false, &x->to_ms);
    return NULL;
}

/* ExportType and IncrementalExportSpecification together, as the service
 * checks them. */
static ddb_error_t *check_export_type(arena_t *a, export_call_t *x)
{
    bool incremental = x->type && strcmp(x->type, "INCREMENTAL_EXPORT") == 0;
    if (x->spec && !x->type) return err_export_spec_needs_incremental(a);
    if (x->spec && !incremental) return err_export_spec_with_full(a);
    if (incremental && !x->spec) return err_export_incremental_needs_spec(a);
    if (incremental && !x->has_from) return err_export_from_time_required(a);
    x->r.incremental = incremental;
    x->r.new_image_only = x->view && strcmp(x->view, "NEW_IMAGE") == 0;
    x->r.ion = x->format && strcmp(x->format, "ION") == 0;
    return NULL;
}

/* An incremental export's period: from at or after the window's start, to
 * (default: now) not in the future, 15 minutes to a day apart (scaled
 * with the day, pitr.h); its base is the table's just before from. */
static ddb_error_t *plan_incremental(arena_t *a, table_t *t, export_call_t *x)
{
    int64_t now = clock_now_ms(), earliest = 0, latest = 0, day = pitr_day_ms();
    pitr_window(t, now, false, &earliest, &latest);
    /* ExportTime names a full export's instant: with a period, the
     * service answers as for a period before the window (observed once) */
    if (x->has_time) return err_export_from_before_start(a, earliest);
    x->r.from_ms = x->from_ms;
    x->r.to_ms = x->has_to ? x->to_ms : now;
    if (x->r.from_ms < earliest) return err_export_from_before_start(a, earliest);
    if (x->r.to_ms > now) return err_export_to_after_now(a, now);
    if (x->r.to_ms - x->r.from_ms < day / 96) return err_export_period_short(a);
    if (x->r.to_ms - x->r.from_ms > day) return err_export_period_long(a);
    int64_t before = x->r.from_ms - 1 < earliest ? earliest : x->r.from_ms - 1;
    if (!pitr_base_for(a, t, before, &x->r.base, &x->r.log_seq))
        return err_export_from_before_start(a, earliest);
    x->r.time_ms = x->r.to_ms;
    return NULL;
}

/* The table an export's ARN names (live, this server's), or its error. */
static ddb_error_t *export_table(arena_t *a, const char *text, table_t **t)
{
    arn_t arn;
    *t = NULL;
    if (!arn_parse(a, text, &arn) && arn.kind == ARN_TABLE &&
        strcmp(arn.region, arn_region()) == 0 && strcmp(arn.account, CATALOG_ACCOUNT) == 0)
        *t = catalog_acquire(arn.table, strlen(arn.table));
    return *t ? NULL : err_export_table_not_found(a, text);
}

api_result_t op_export_table_to_point_in_time(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    export_call_t x;
    ddb_error_t *e = read_export_request(a, req, &x);
    if (!e) e = check_export_type(a, &x);
    table_t *t = NULL;
    if (!e) e = export_table(a, x.table_arn, &t);
    if (e) return op_reply_error(call, e);
    /* an incremental export of a table without PITR: its period is outside */
    if (!t->pitr_enabled && x.r.incremental)
        e = err_export_from_before_start(a, (int64_t)(t->created * 1000.0));
    else if (!t->pitr_enabled)
        e = err_pitr_unavailable(a, t->name);
    if (!e && x.r.incremental) {
        if (!(e = plan_incremental(a, t, &x))) e = export_start(a, t, &x.r, call->out);
        catalog_release(t);
        return e ? op_reply_error(call, e) : op_reply_ok(call);
    }
    int64_t earliest = 0, latest = 0;
    if (!e && !pitr_instant(t, clock_now_ms(), false, x.has_time, x.time_ms, &x.r.time_ms, &earliest,
                            &latest))
        e = err_export_time(a, earliest, latest);
    if (!e && !pitr_base_for(a, t, x.r.time_ms, &x.r.base, &x.r.log_seq))
        e = err_export_time(a, earliest, latest);
    if (!e) e = export_start(a, t, &x.r, call->out);
    catalog_release(t);
    return e ? op_reply_error(call, e) : op_reply_ok(call);
}

/* --- DescribeExport, ListExports --------------------------------------------------- */

api_result_t op_describe_export(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    const char *arn = NULL;
    size_t len = 0;
    wire_string(a, req, "ExportArn", &arn, &len, &e);
    if (e) return op_reply_error(call, e);
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    if (constraint_required(&cl, arn != NULL, "exportArn"))
        constraint_length(&cl, arn, len, EXPORT_ARN_MIN, EXPORT_ARN_MAX, "exportArn");
    if ((e = constraint_list_finish(&cl))) return op_reply_error(call, e);
    if (!export_arn_valid(arn)) return op_reply_error(call, err_export_arn_invalid(a));
    e = export_describe(a, arn, call->out);
    return e ? op_reply_error(call, e) : op_reply_ok(call);
}

api_result_t op_list_exports(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    const char *table = NULL, *token = NULL;
    size_t table_len = 0;
    int64_t max = LIST_EXPORTS_MAX;
    bool has_max = false;
    wire_string(a, req, "TableArn", &table, &table_len, &e);
    if (!e) has_max = wire_integer(a, req, "MaxResults", &max, &e);
    if (!e) wire_string(a, req, "NextToken", &token, NULL, &e);
    if (e) return op_reply_error(call, e);
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    if (table) constraint_length(&cl, table, table_len, 1, 1024, "tableArn");
    if (has_max) constraint_range(&cl, max, 1, LIST_EXPORTS_MAX, "maxResults");
    if ((e = constraint_list_finish(&cl))) return op_reply_error(call, e);
    export_list(call->out, table, (size_t)max, token);
    return op_reply_ok(call);
}
