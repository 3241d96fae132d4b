/* ops/imports: ImportTable, DescribeImport, ListImports.  The imports
 * themselves: import.h; the table definition: tabledef.h. */
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "ops/ops.h"
#include "tabledef.h"
#include "wire.h"

#define IMPORT_ARN_MIN 37
#define IMPORT_ARN_MAX 1024
#define LIST_IMPORTS_MAX 25

static const constraint_enum_t ENUM_INPUT_FORMAT = {
    (const char *const[]){"DYNAMODB_JSON", "ION", "CSV", NULL}, "DYNAMODB_JSON, ION, CSV"};
static const constraint_enum_t ENUM_INPUT_COMPRESSION = {
    (const char *const[]){"GZIP", "ZSTD", "NONE", NULL}, "GZIP, ZSTD, NONE"};

/* --- ImportTable ------------------------------------------------------------------- */

typedef struct {
    import_request_t r;
    const char *delimiter;
    size_t delimiter_len;
    const json_value_t *header_list;
} import_call_t;

/* The CSV options: Delimiter one of , ; : | tab space; HeaderList 1-255
 * names of printable characters but " and ,. */
static ddb_error_t *read_csv_options(arena_t *a, import_call_t *x, constraint_list_t *cl)
{
    ddb_error_t *e = NULL;
    const json_value_t *csv = x->r.options ? wire_member(x->r.options, "Csv") : NULL;
    if (!csv || csv->type != JSON_OBJECT) return NULL;
    wire_string(a, csv, "Delimiter", &x->delimiter, &x->delimiter_len, &e);
    if (e) return e;
    if (x->delimiter) {
        constraint_length(cl, x->delimiter, x->delimiter_len, 1, 1,
                          "inputFormatOptions.csv.delimiter");
        if (x->delimiter_len == 1 && !strchr(",;:|\t ", x->delimiter[0]))
            constraint_add(cl, x->delimiter,
                           "Member must satisfy regular expression pattern: [,;:|\\t ]",
                           "inputFormatOptions.csv.delimiter");
        if (x->delimiter_len == 1) x->r.delimiter = x->delimiter[0];
    }
    const json_value_t *h = wire_member(csv, "HeaderList");
    if (!h || h->type != JSON_ARRAY) return NULL;
    constraint_length(cl, wire_value_text(a, h), h->u.array.count, 1, 255,
                      "inputFormatOptions.csv.headerList");
    const char **names = arena_alloc(a, (h->u.array.count + 1) * sizeof *names);
    for (size_t i = 0; i < h->u.array.count; i++) {
        size_t len = 0;
        const json_value_t *v = h->u.array.items[i];
        names[i] = v->type == JSON_STRING ? wire_c_string(a, v, &len) : NULL;
        if (!names[i]) names[i] = "";
        bool printable = true;
        for (size_t k = 0; k < len; k++) {
            unsigned char c = (unsigned char)names[i][k];
            printable &= c >= 0x20 && c <= 0x7e && c != '"' && c != ',';
        }
        if (len < 1 || len > 65536 || !printable) { /* the text of a list's members: unverified */
            constraint_add(cl, wire_value_text(a, h),
                           "Member must satisfy constraint: [Member must have length less than "
                           "or equal to 65536, Member must have length greater than or equal to "
                           "1, Member must satisfy regular expression pattern: "
                           "[\\x20-\\x21\\x23-\\x2B\\x2D-\\x7E]*]",
                           "inputFormatOptions.csv.headerList");
            break;
        }
    }
    x->r.headers = names;
    x->r.header_count = h->u.array.count;
    return NULL;
}

static ddb_error_t *read_import_request(arena_t *a, const json_value_t *req, import_call_t *x)
{
    ddb_error_t *e = NULL;
    memset(x, 0, sizeof *x);
    size_t token_len = 0, bucket_len = 0, prefix_len = 0, owner_len = 0;
    const json_value_t *src = wire_member(req, "S3BucketSource");
    wire_string(a, req, "ClientToken", &x->r.token, &token_len, &e);
    if (!e) wire_string(a, req, "InputFormat", &x->r.format, NULL, &e);
    if (!e) wire_string(a, req, "InputCompressionType", &x->r.compression, NULL, &e);
    if (!e && src) wire_string(a, src, "S3Bucket", &x->r.bucket, &bucket_len, &e);
    if (!e && src) wire_string(a, src, "S3BucketOwner", &x->r.owner, &owner_len, &e);
    if (!e && src) wire_string(a, src, "S3KeyPrefix", &x->r.prefix, &prefix_len, &e);
    if (e) return e;
    x->r.options = wire_member(req, "InputFormatOptions");
    x->r.params = wire_member(req, "TableCreationParameters");
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    if (x->r.token && strchr(x->r.token, '$'))
        constraint_add(&cl, x->r.token, "Member must satisfy regular expression pattern: ^[^\\$]+$",
                       "clientToken");
    if (constraint_required(&cl, src != NULL, "s3BucketSource") &&
        constraint_required(&cl, x->r.bucket != NULL, "s3BucketSource.s3Bucket"))
        constraint_length(&cl, x->r.bucket, bucket_len, 0, 255, "s3BucketSource.s3Bucket");
    if (x->r.prefix) constraint_length(&cl, x->r.prefix, prefix_len, 0, 1024, "s3BucketSource.s3KeyPrefix");
    if (constraint_required(&cl, x->r.format != NULL, "inputFormat"))
        constraint_enum(&cl, x->r.format, &ENUM_INPUT_FORMAT, "inputFormat");
    constraint_enum(&cl, x->r.compression, &ENUM_INPUT_COMPRESSION, "inputCompressionType");
    constraint_required(&cl, x->r.params != NULL, "tableCreationParameters");
    if ((e = read_csv_options(a, x, &cl))) return e;
    return constraint_list_finish(&cl);
}

api_result_t op_import_table(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    import_call_t x;
    ddb_error_t *e = read_import_request(a, req, &x);
    table_t *t = NULL;
    if (!e) {
        /* CreateTable's rules, at the paths of the nested member */
        constraint_path_prefix_set("tableCreationParameters.");
        e = tabledef_parse(a, x.r.params, false, &t);
        constraint_path_prefix_set(NULL);
    }
    if (!e && catalog_exists(t->name)) {
        e = err_table_exists(a, t->name);
        catalog_release(t);
    }
    if (!e) e = import_start(a, t, &x.r, call->out);
    return e ? op_reply_error(call, e) : op_reply_ok(call);
}

/* --- DescribeImport, ListImports --------------------------------------------------- */

api_result_t op_describe_import(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    const char *arn = NULL;
    size_t len = 0;
    wire_string(a, req, "ImportArn", &arn, &len, &e);
    if (e) return op_reply_error(call, e);
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    if (constraint_required(&cl, arn != NULL, "importArn"))
        constraint_length(&cl, arn, len, IMPORT_ARN_MIN, IMPORT_ARN_MAX, "importArn");
    if ((e = constraint_list_finish(&cl))) return op_reply_error(call, e);
    if (!import_arn_valid(arn)) return op_reply_error(call, err_import_arn_invalid(a));
    e = import_describe(a, arn, call->out);
    return e ? op_reply_error(call, e) : op_reply_ok(call);
}

api_result_t op_list_imports(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    const char *table = NULL, *token = NULL;
    size_t table_len = 0, token_len = 0;
    int64_t max = LIST_IMPORTS_MAX;
    bool has_max = false;
    wire_string(a, req, "TableArn", &table, &table_len, &e);
    if (!e) has_max = wire_integer(a, req, "PageSize", &max, &e);
    if (!e) wire_string(a, req, "NextToken", &token, &token_len, &e);
    if (e) return op_reply_error(call, e);
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    if (table) constraint_length(&cl, table, table_len, 1, 1024, "tableArn");
    if (has_max) constraint_range(&cl, max, 1, LIST_IMPORTS_MAX, "pageSize");
    if (token) {
        constraint_length(&cl, token, token_len, 112, 1024, "nextToken");
        bool hex = token_len % 16 == 0;
        for (size_t i = 0; i < token_len && hex; i++)
            hex = strchr("0123456789abcdef", token[i]) && token[i];
        if (!hex)
            constraint_add(&cl, token,
                           "Member must satisfy regular expression pattern: ([0-9a-f]{16})+",
                           "nextToken");
    }
    if ((e = constraint_list_finish(&cl))) return op_reply_error(call, e);
    import_list(call->out, table, (size_t)max, token);
    return op_reply_ok(call);
}
