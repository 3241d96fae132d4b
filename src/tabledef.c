/* tabledef: table and index definitions -- reading one from a request or
 * from the catalog, the service's rules on it, building the table_t, and
 * writing the definition back; see tabledef.h. */
#include "tabledef.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "arn.h"
#include "clock.h"
#include "constraint.h"
#include "policy.h"
#include "wire.h"

#define MAX_LSI 5
#define MAX_GSI CATALOG_GSI_MAX
#define MAX_THROUGHPUT 1000000000000LL

/* --- reading a definition (deserialisation: types only) ------------------- */

typedef struct {
    const char *name, *type; /* as sent; NULL when absent */
} raw_pair_t;

typedef struct {
    raw_pair_t *items;
    size_t count;
    bool present;
} raw_list_t;

typedef tabledef_throughput_t raw_throughput_t;

typedef struct {
    const char *name;
    raw_list_t keys;
    bool projection_present;
    const char *projection_type;
    raw_list_t non_key; /* names in .name */
    raw_throughput_t throughput;
    tabledef_on_demand_t on_demand; /* OnDemandThroughput */
    const char *status; /* stored definitions only */
} raw_index_t;

typedef struct {
    const char *table_name;
    raw_list_t attrs, keys;
    const char *billing_mode;
    raw_throughput_t throughput;
    raw_index_t *lsi, *gsi;
    size_t lsi_count, gsi_count;
    bool lsi_present, gsi_present;
    bool stream_present, stream_enabled, stream_enabled_set;
    const char *stream_view_type;
    bool sse_present, sse_enabled, sse_enabled_set;
    const char *sse_type, *kms_key;
    raw_list_t tags;    /* Key in .name, Value in .type */
    const char *policy; /* ResourcePolicy */
    size_t policy_len;
    const char *table_class;
    bool deletion_protection;
    tabledef_on_demand_t on_demand; /* OnDemandThroughput */
} raw_table_t;

static ddb_error_t *read_pairs(arena_t *a, const json_value_t *obj, const char *member,
                               const char *first, const char *second, raw_list_t *out)
{
    ddb_error_t *e = NULL;
    const json_value_t *list = wire_container(a, obj, member, WIRE_LIST, &e);
    if (e) return e;
    memset(out, 0, sizeof *out);
    if (!list) return NULL;
    out->present = true;
    out->count = list->u.array.count;
    out->items = arena_calloc(a, (out->count ? out->count : 1) * sizeof(raw_pair_t));
    for (size_t i = 0; i < out->count; i++) {
        const json_value_t *el = list->u.array.items[i];
        if (el->type == JSON_NULL) continue;
        if (first == NULL) { /* a list of strings */
            if ((e = wire_check(a, el, WIRE_STRING))) return e;
            out->items[i].name = wire_c_string(a, el, NULL);
            continue;
        }
        if ((e = wire_check(a, el, WIRE_STRUCT))) return e;
        wire_string(a, el, first, &out->items[i].name, NULL, &e);
        if (e) return e;
        if (second) wire_string(a, el, second, &out->items[i].type, NULL, &e);
        if (e) return e;
    }
    return NULL;
}

static ddb_error_t *read_throughput(arena_t *a, const json_value_t *obj, raw_throughput_t *out)
{
    ddb_error_t *e = NULL;
    memset(out, 0, sizeof *out);
    const json_value_t *t = wire_container(a, obj, "ProvisionedThroughput", WIRE_STRUCT, &e);
    if (e || !t) return e;
    out->present = true;
    out->rcu_set = wire_long(a, t, "ReadCapacityUnits", &out->rcu, &e);
    if (e) return e;
    out->wcu_set = wire_long(a, t, "WriteCapacityUnits", &out->wcu, &e);
    return e;
}

static ddb_error_t *read_index(arena_t *a, const json_value_t *el, raw_index_t *ix)
{
    ddb_error_t *e = NULL;
    memset(ix, 0, sizeof *ix);
    if (el->type == JSON_NULL) return NULL;
    if ((e = wire_check(a, el, WIRE_STRUCT))) return e;
    wire_string(a, el, "IndexName", &ix->name, NULL, &e);
    if (e) return e;
    if ((e = read_pairs(a, el, "KeySchema", "AttributeName", "KeyType", &ix->keys))) return e;
    const json_value_t *p = wire_container(a, el, "Projection", WIRE_STRUCT, &e);
    if (e) return e;
    if (p) {
        ix->projection_present = true;
        wire_string(a, p, "ProjectionType", &ix->projection_type, NULL, &e);
        if (e) return e;
        if ((e = read_pairs(a, p, "NonKeyAttributes", NULL, NULL, &ix->non_key))) return e;
    }
    if ((e = read_throughput(a, el, &ix->throughput))) return e;
    if ((e = tabledef_read_on_demand(a, el, &ix->on_demand))) return e;
    wire_string(a, el, "IndexStatus", &ix->status, NULL, &e);
    return e;
}

static ddb_error_t *read_indexes(arena_t *a, const json_value_t *req, const char *member,
                                 raw_index_t **out, size_t *count, bool *present)
{
    ddb_error_t *e = NULL;
    const json_value_t *list = wire_container(a, req, member, WIRE_LIST, &e);
    if (e) return e;
    *present = list != NULL;
    *count = list ? list->u.array.count : 0;
    *out = arena_calloc(a, (*count ? *count : 1) * sizeof(raw_index_t));
    for (size_t i = 0; i < *count; i++)
        if ((e = read_index(a, list->u.array.items[i], &(*out)[i]))) return e;
    return NULL;
}

static ddb_error_t *read_raw(arena_t *a, const json_value_t *req, raw_table_t *r)
{
    ddb_error_t *e = NULL;
    memset(r, 0, sizeof *r);
    wire_string(a, req, "TableName", &r->table_name, NULL, &e);
    if (e) return e;
    if ((e = read_pairs(a, req, "AttributeDefinitions", "AttributeName", "AttributeType",
                        &r->attrs)))
        return e;
    if ((e = read_pairs(a, req, "KeySchema", "AttributeName", "KeyType", &r->keys))) return e;
    wire_string(a, req, "BillingMode", &r->billing_mode, NULL, &e);
    if (e) return e;
    if ((e = read_throughput(a, req, &r->throughput))) return e;
    if ((e = read_indexes(a, req, "LocalSecondaryIndexes", &r->lsi, &r->lsi_count,
                          &r->lsi_present)))
        return e;
    if ((e = read_indexes(a, req, "GlobalSecondaryIndexes", &r->gsi, &r->gsi_count,
                          &r->gsi_present)))
        return e;
    const json_value_t *s = wire_container(a, req, "StreamSpecification", WIRE_STRUCT, &e);
    if (e) return e;
    if (s) {
        r->stream_present = true;
        r->stream_enabled_set = wire_bool(a, s, "StreamEnabled", &r->stream_enabled, &e);
        if (e) return e;
        wire_string(a, s, "StreamViewType", &r->stream_view_type, NULL, &e);
        if (e) return e;
    }
    const json_value_t *sse = wire_container(a, req, "SSESpecification", WIRE_STRUCT, &e);
    if (e) return e;
    if (sse) {
        r->sse_present = true;
        r->sse_enabled_set = wire_bool(a, sse, "Enabled", &r->sse_enabled, &e);
        if (e) return e;
        wire_string(a, sse, "SSEType", &r->sse_type, NULL, &e);
        if (e) return e;
        wire_string(a, sse, "KMSMasterKeyId", &r->kms_key, NULL, &e);
        if (e) return e;
    }
    if ((e = read_pairs(a, req, "Tags", "Key", "Value", &r->tags))) return e;
    wire_string(a, req, "ResourcePolicy", &r->policy, &r->policy_len, &e);
    if (e) return e;
    wire_string(a, req, "TableClass", &r->table_class, NULL, &e);
    if (e) return e;
    wire_bool(a, req, "DeletionProtectionEnabled", &r->deletion_protection, &e);
    if (e) return e;
    return tabledef_read_on_demand(a, req, &r->on_demand);
}

ddb_error_t *tabledef_read_on_demand(arena_t *a, const json_value_t *obj, tabledef_on_demand_t *out)
{
    ddb_error_t *e = NULL;
    memset(out, 0, sizeof *out);
    const json_value_t *od = wire_container(a, obj, "OnDemandThroughput", WIRE_STRUCT, &e);
    if (e || !od) return e;
    out->present = true;
    out->set[0] = wire_long(a, od, "MaxReadRequestUnits", &out->max[0], &e);
    if (!e) out->set[1] = wire_long(a, od, "MaxWriteRequestUnits", &out->max[1], &e);
    return e;
}

ddb_error_t *tabledef_check_on_demand(arena_t *a, const tabledef_on_demand_t *od,
                                      const char *index, bool on_demand, bool update)
{
    static const char *const names[2] = {"MaxReadRequestUnits", "MaxWriteRequestUnits"};
    const int64_t limits[2] = {TABLEDEF_TABLE_MAX_READ, TABLEDEF_TABLE_MAX_WRITE};
    for (int k = 0; k < 2; k++)
        if (od->set[k] && !on_demand)
            return err_on_demand_max_provisioned(a, names[k], index, update);
    for (int k = 0; k < 2; k++)
        if (od->set[k] && od->max[k] < 1 && !(update && od->max[k] == -1))
            return err_on_demand_max_range(a, names[k], index);
    for (int k = 0; k < 2; k++)
        if (od->set[k] && od->max[k] > limits[k])
            return err_on_demand_max_above_limit(a, names[k], index, arn_region());
    return NULL;
}

ddb_error_t *tabledef_check_table_maxima(arena_t *a, const int64_t (*values)[2],
                                         const char *const *names, size_t n)
{
    static const char *const which[2] = {"ReadCapacityUnits", "WriteCapacityUnits"};
    const int64_t max[2] = {TABLEDEF_TABLE_MAX_READ, TABLEDEF_TABLE_MAX_WRITE};
    for (int k = 0; k < 2; k++)
        if (values[0][k] > max[k])
            return err_throughput_above_table_max(a, which[k], (long long)values[0][k],
                                                  (long long)max[k], arn_region());
    for (size_t i = 1; i < n; i++)
        for (int k = 0; k < 2; k++)
            if (values[i][k] > max[k])
                return err_throughput_above_index_max(a, which[k], names[i],
                                                      (long long)values[i][k], (long long)max[k],
                                                      arn_region());
    for (int k = 0; k < 2; k++) { /* the table with its GSIs (message unverified) */
        int64_t sum = 0;
        for (size_t i = 0; i < n; i++) sum += values[i][k];
        if (sum > max[k])
            return err_throughput_above_table_max(a, which[k], (long long)sum, (long long)max[k],
                                                  arn_region());
    }
    return NULL;
}

/* CreateTable: a provisioned table's throughput within the maxima. */
static ddb_error_t *check_maxima(arena_t *a, const raw_table_t *r, bool on_demand)
{
    if (on_demand) return NULL;
    int64_t(*values)[2] = arena_calloc(a, (r->gsi_count + 1) * sizeof *values);
    const char **names = arena_calloc(a, (r->gsi_count + 1) * sizeof *names);
    values[0][0] = r->throughput.rcu;
    values[0][1] = r->throughput.wcu;
    for (size_t i = 0; i < r->gsi_count; i++) {
        values[i + 1][0] = r->gsi[i].throughput.rcu;
        values[i + 1][1] = r->gsi[i].throughput.wcu;
        names[i + 1] = r->gsi[i].name;
    }
    return tabledef_check_table_maxima(a, (const int64_t(*)[2])values, names, r->gsi_count + 1);
}

void tabledef_apply_on_demand(const tabledef_on_demand_t *od, int64_t *read, int64_t *write)
{
    int64_t *out[2] = {read, write};
    for (int k = 0; k < 2; k++)
        if (od->set[k]) *out[k] = od->max[k] > 0 ? od->max[k] : 0;
}

/* --- validation ------------------------------------------------------------------ */

static void check_throughput(constraint_list_t *cl, const raw_throughput_t *t, const char *path)
{
    if (!t->present) return;
    if (constraint_required(cl, t->wcu_set, "%s.writeCapacityUnits", path))
        constraint_range(cl, t->wcu, 1, INT64_MAX, "%s.writeCapacityUnits", path);
    if (constraint_required(cl, t->rcu_set, "%s.readCapacityUnits", path))
        constraint_range(cl, t->rcu, 1, INT64_MAX, "%s.readCapacityUnits", path);
}

/* An attribute name of a key schema, definition or projection: 1 to 255
 * bytes. */
static void check_attribute_name(constraint_list_t *cl, const char *name, const char *path_fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void check_attribute_name(constraint_list_t *cl, const char *name, const char *path_fmt, ...)
{
    char path[320];
    va_list ap;
    va_start(ap, path_fmt);
    vsnprintf(path, sizeof path, path_fmt, ap);
    va_end(ap);
    if (constraint_required(cl, name != NULL, "%s", path))
        constraint_length(cl, name, strlen(name), 1, CATALOG_KEY_NAME_MAX, "%s", path);
}

/* A key schema's model constraints: a GSI's (gsi) has at least one
 * element, a table's or an LSI's one or two. */
static void check_key_schema(constraint_list_t *cl, const raw_list_t *keys, const char *path,
                             bool gsi)
{
    if (!constraint_required(cl, keys->present, "%s", path)) return;
    for (size_t i = 0; i < keys->count; i++) {
        check_attribute_name(cl, keys->items[i].name, "%s.%zu.member.attributeName", path, i + 1);
        if (constraint_required(cl, keys->items[i].type, "%s.%zu.member.keyType", path, i + 1))
            constraint_enum(cl, keys->items[i].type, &ENUM_KEY_TYPE, "%s.%zu.member.keyType", path,
                            i + 1);
    }
    if (keys->count >= 1 && (gsi || keys->count <= 2)) return;
    buf_t v;
    buf_init(&v);
    buf_putc(&v, '[');
    for (size_t i = 0; i < keys->count; i++)
        buf_printf(&v, "%sKeySchemaElement(AttributeName=%s, KeyType=%s)", i ? ", " : "",
                   keys->items[i].name ? keys->items[i].name : "null",
                   keys->items[i].type ? keys->items[i].type : "null");
    buf_append(&v, "]", 2);
    constraint_length(cl, v.data, keys->count, 1, gsi ? SIZE_MAX : 2, "%s", path);
    buf_free(&v);
}

static void check_attribute_definitions(constraint_list_t *cl, const raw_list_t *attrs)
{
    for (size_t i = 0; i < attrs->count; i++) {
        const char *type = attrs->items[i].type;
        if (constraint_required(cl, type, "attributeDefinitions.%zu.member.attributeType", i + 1))
            constraint_enum(cl, type, &ENUM_SCALAR_TYPE,
                            "attributeDefinitions.%zu.member.attributeType", i + 1);
        check_attribute_name(cl, attrs->items[i].name,
                             "attributeDefinitions.%zu.member.attributeName", i + 1);
    }
}

static const char *names_text(arena_t *a, const raw_list_t *l);

/* NonKeyAttributes: 1 to 20 names of 1 to 255 bytes. */
static void check_non_key(constraint_list_t *cl, arena_t *a, const raw_list_t *l, const char *path)
{
    if (!l->present) return;
    constraint_length(cl, l->count ? names_text(a, l) : "[]", l->count, 1, CATALOG_NON_KEY_MAX,
                      "%s", path);
    for (size_t i = 0; i < l->count; i++) {
        const char *n = l->items[i].name;
        if (n && *n && strlen(n) <= CATALOG_KEY_NAME_MAX) continue;
        constraint_members_length(cl, names_text(a, l), 1, CATALOG_KEY_NAME_MAX, "Member", path);
        break;
    }
}

/* One index definition at `prefix` ("globalSecondaryIndexes.1.member"). */
static void check_index(constraint_list_t *cl, arena_t *a, const raw_index_t *ix,
                        const char *prefix, bool gsi)
{
    char p[320];
    snprintf(p, sizeof p, "%s.indexName", prefix);
    constraint_name(cl, ix->name, "%s", p);
    snprintf(p, sizeof p, "%s.keySchema", prefix);
    check_key_schema(cl, &ix->keys, p, gsi);
    if (constraint_required(cl, ix->projection_present, "%s.projection", prefix)) {
        constraint_enum(cl, ix->projection_type, &ENUM_PROJECTION_TYPE,
                        "%s.projection.projectionType", prefix);
        snprintf(p, sizeof p, "%s.projection.nonKeyAttributes", prefix);
        check_non_key(cl, a, &ix->non_key, p);
    }
    snprintf(p, sizeof p, "%s.provisionedThroughput", prefix);
    check_throughput(cl, &ix->throughput, p);
}

static void check_indexes(constraint_list_t *cl, arena_t *a, const raw_index_t *ix, size_t count,
                          const char *member, bool gsi)
{
    for (size_t i = 0; i < count; i++) {
        char p[160];
        snprintf(p, sizeof p, "%s.%zu.member", member, i + 1);
        check_index(cl, a, &ix[i], p, gsi);
    }
}

/* "[a, b]" of the names in a pair list. */
static const char *names_text(arena_t *a, const raw_list_t *l)
{
    buf_t b;
    buf_init(&b);
    buf_putc(&b, '[');
    for (size_t i = 0; i < l->count; i++) {
        if (i) buf_append_str(&b, ", ");
        buf_append_str(&b, l->items[i].name ? l->items[i].name : "null");
    }
    buf_putc(&b, ']');
    char *s = arena_strndup(a, b.data, b.len);
    buf_free(&b);
    return s;
}

static ddb_error_t *check_keys_defined(arena_t *a, const raw_table_t *r,
                                       const wire_names_t *defined, const raw_list_t *keys)
{
    for (size_t i = 0; i < keys->count; i++)
        if (!wire_names_has(defined, keys->items[i].name, strlen(keys->items[i].name)))
            return err_keys_not_defined(a, names_text(a, keys), names_text(a, &r->attrs));
    return NULL;
}

static ddb_error_t *check_key_order(arena_t *a, const raw_list_t *keys)
{
    if (keys->count == 2 && strcmp(keys->items[0].name, keys->items[1].name) == 0)
        return err_key_schema_same_names(a);
    if (strcmp(keys->items[0].type, "HASH") != 0) return err_key_schema_order(a, true);
    if (keys->count == 2 && strcmp(keys->items[1].type, "RANGE") != 0)
        return err_key_schema_order(a, false);
    return NULL;
}

/* A GSI's key schema: up to four HASH elements, then up to four RANGE
 * ones (their order is the order of the composite key), no attribute
 * twice. */
static ddb_error_t *check_gsi_key_order(arena_t *a, const raw_list_t *keys)
{
    size_t hashes = 0, ranges = 0;
    for (size_t i = 0; i < keys->count; i++) {
        if (strcmp(keys->items[i].type, "HASH") == 0)
            hashes++;
        else
            ranges++;
    }
    /* counted first: the list has no length bound, the pairwise check below
     * then stays small */
    if (hashes > CATALOG_KEY_PARTS_MAX) return err_key_schema_too_many(a, "HASH");
    if (ranges > CATALOG_KEY_PARTS_MAX) return err_key_schema_too_many(a, "RANGE");
    for (size_t i = 1; i < keys->count; i++)
        for (size_t k = 0; k < i; k++)
            if (strcmp(keys->items[i].name, keys->items[k].name) == 0)
                return err_key_schema_repeated_name(a);
    if (strcmp(keys->items[0].type, "HASH") != 0) return err_key_schema_order(a, true);
    for (size_t i = hashes; i < keys->count; i++)
        if (strcmp(keys->items[i].type, "HASH") == 0) return err_key_schema_hash_after_range(a);
    return NULL;
}

static ddb_error_t *check_projection(arena_t *a, const raw_index_t *ix)
{
    if (!ix->projection_type) return err_projection_type_null(a);
    if (ix->non_key.present != (strcmp(ix->projection_type, "INCLUDE") == 0))
        return err_projection_non_key(a, ix->projection_type, ix->non_key.present);
    for (size_t i = 0; i < ix->non_key.count; i++)
        for (size_t k = 0; k < i; k++)
            if (strcmp(ix->non_key.items[i].name, ix->non_key.items[k].name) == 0)
                return err_non_key_attribute_duplicate(a, ix->non_key.items[i].name);
    return NULL;
}

/* Tags as TagResource checks them; none may be absent here (the model
 * constraints said so). */
static ddb_error_t *check_tags(arena_t *a, const raw_list_t *tags)
{
    tag_t *list = arena_alloc(a, (tags->count + 1) * sizeof *list);
    for (size_t i = 0; i < tags->count; i++) {
        list[i].key = tags->items[i].name;
        list[i].value = tags->items[i].type;
    }
    if (tags->count > TAGS_MAX) return err_tags_limit(a);
    return tags_check_list(a, list, tags->count);
}

/* --- the service's rules, one function each, in the order it checks them --- */

/* The model's constraints on every member, reported together. */
static ddb_error_t *check_constraints(arena_t *a, const raw_table_t *r)
{
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    constraint_required(&cl, r->attrs.present, "attributeDefinitions");
    check_attribute_definitions(&cl, &r->attrs);
    constraint_name(&cl, r->table_name, "tableName");
    check_key_schema(&cl, &r->keys, "keySchema", false);
    check_indexes(&cl, a, r->lsi, r->lsi_count, "localSecondaryIndexes", false);
    check_indexes(&cl, a, r->gsi, r->gsi_count, "globalSecondaryIndexes", true);
    constraint_enum(&cl, r->billing_mode, &ENUM_BILLING_MODE, "billingMode");
    check_throughput(&cl, &r->throughput, "provisionedThroughput");
    if (r->stream_present) {
        constraint_required(&cl, r->stream_enabled_set, "streamSpecification.streamEnabled");
        constraint_enum(&cl, r->stream_view_type, &ENUM_STREAM_VIEW_TYPE,
                        "streamSpecification.streamViewType");
    }
    if (r->sse_present)
        constraint_enum(&cl, r->sse_type, &ENUM_SSE_TYPE, "sSESpecification.sSEType");
    constraint_enum(&cl, r->table_class, &ENUM_TABLE_CLASS, "tableClass");
    for (size_t i = 0; i < r->tags.count; i++) {
        constraint_required(&cl, r->tags.items[i].name, "tags.%zu.member.key", i + 1);
        constraint_required(&cl, r->tags.items[i].type, "tags.%zu.member.value", i + 1);
    }
    return constraint_list_finish(&cl);
}

/* On demand: no throughput; provisioned: throughput within bounds. */
static ddb_error_t *check_billing(arena_t *a, const raw_table_t *r, bool on_demand)
{
    if (on_demand) return r->throughput.present ? err_throughput_with_on_demand(a) : NULL;
    if (!r->throughput.present) return err_throughput_required(a, r->billing_mode != NULL);
    if (r->throughput.rcu > MAX_THROUGHPUT)
        return err_throughput_out_of_bounds(a, "ReadCapacityUnits", (long long)r->throughput.rcu);
    if (r->throughput.wcu > MAX_THROUGHPUT)
        return err_throughput_out_of_bounds(a, "WriteCapacityUnits", (long long)r->throughput.wcu);
    return NULL;
}

/* The set of defined names, and the first name defined twice (NULL: none).
 * Name sets, not pairwise comparisons: a request can hold thousands. */
static wire_names_t *defined_names(arena_t *a, const raw_table_t *r, const char **repeated)
{
    wire_names_t *defined = wire_names_new(a, r->attrs.count);
    *repeated = NULL;
    for (size_t i = 0; i < r->attrs.count; i++) {
        const char *n = r->attrs.items[i].name;
        if (!wire_names_add(defined, n, strlen(n)) && !*repeated) *repeated = n;
    }
    return defined;
}

/* The table's key schema: defined, HASH then RANGE, two names. */
static ddb_error_t *check_table_keys(arena_t *a, const raw_table_t *r, const wire_names_t *defined)
{
    ddb_error_t *e;
    if (r->keys.count > r->attrs.count) return err_key_schema_undefined(a);
    if ((e = check_keys_defined(a, r, defined, &r->keys))) return e;
    return check_key_order(a, &r->keys);
}

/* An index name used once among the table's indexes. */
static ddb_error_t *check_index_name_unique(arena_t *a, wire_names_t *index_names,
                                            const raw_index_t *ix)
{
    if (!wire_names_add(index_names, ix->name, strlen(ix->name)))
        return err_index_name_duplicate(a, ix->name);
    return NULL;
}

/* An LSI: the table's partition key, a sort key, no throughput of its own. */
static ddb_error_t *check_lsi(arena_t *a, const raw_table_t *r, const wire_names_t *defined,
                              const raw_index_t *ix)
{
    ddb_error_t *e;
    if ((e = check_keys_defined(a, r, defined, &ix->keys))) return e;
    if ((e = check_key_order(a, &ix->keys))) return e;
    if (ix->keys.count != 2) return err_lsi_without_range(a, ix->name);
    if (strcmp(ix->keys.items[0].name, r->keys.items[0].name) != 0)
        return err_lsi_hash_key(a, ix->name, ix->keys.items[0].name, r->keys.items[0].name);
    if ((e = check_projection(a, ix))) return e;
    if (ix->throughput.present) return err_lsi_throughput(a, ix->name);
    return NULL;
}

static ddb_error_t *check_lsis(arena_t *a, const raw_table_t *r, const wire_names_t *defined,
                               wire_names_t *index_names)
{
    ddb_error_t *e;
    if (!r->lsi_present) return NULL;
    if (r->lsi_count == 0) return err_index_list_empty(a, "LocalSecondaryIndexes");
    if (r->keys.count != 2) return err_lsi_without_table_range(a);
    for (size_t i = 0; i < r->lsi_count; i++) {
        if ((e = check_lsi(a, r, defined, &r->lsi[i]))) return e;
        if ((e = check_index_name_unique(a, index_names, &r->lsi[i]))) return e;
    }
    return r->lsi_count > MAX_LSI ? err_index_count(a, false, MAX_LSI) : NULL;
}

/* A GSI: defined keys in order, a projection, throughput as the billing
 * mode wants it. */
static ddb_error_t *check_gsi(arena_t *a, const raw_table_t *r, const wire_names_t *defined,
                              const raw_index_t *ix, bool on_demand)
{
    ddb_error_t *e;
    if ((e = check_keys_defined(a, r, defined, &ix->keys))) return e;
    if ((e = check_gsi_key_order(a, &ix->keys))) return e;
    if ((e = check_projection(a, ix))) return e;
    if (on_demand && ix->throughput.present) return err_gsi_throughput_on_demand(a, ix->name);
    if (!on_demand && !ix->throughput.present)
        return err_index_throughput_not_specified(a, ix->name);
    return tabledef_check_on_demand(a, &ix->on_demand, ix->name, on_demand, false);
}

static ddb_error_t *check_gsis(arena_t *a, const raw_table_t *r, const wire_names_t *defined,
                               wire_names_t *index_names, bool on_demand)
{
    ddb_error_t *e;
    if (!r->gsi_present) return NULL;
    if (r->gsi_count == 0) return err_index_list_empty(a, "GlobalSecondaryIndexes");
    for (size_t i = 0; i < r->gsi_count; i++) {
        if ((e = check_gsi(a, r, defined, &r->gsi[i], on_demand))) return e;
        if ((e = check_index_name_unique(a, index_names, &r->gsi[i]))) return e;
    }
    return r->gsi_count > MAX_GSI ? err_index_count(a, true, MAX_GSI) : NULL;
}

/* Every attribute definition is used by a key of the table or of an index;
 * the error lists the names used, each once, in the order first used. */
static ddb_error_t *check_attributes_used(arena_t *a, const raw_table_t *r)
{
    if (!r->lsi_present && !r->gsi_present)
        return r->keys.count != r->attrs.count ? err_attribute_count_mismatch(a) : NULL;
    const char **seen = arena_alloc(a, (r->attrs.count + 1) * sizeof(char *));
    size_t used_count = 0;
    size_t nl = 1 + r->lsi_count + r->gsi_count;
    for (size_t l = 0; l < nl; l++) {
        const raw_list_t *keys = l == 0              ? &r->keys
                                 : l <= r->lsi_count ? &r->lsi[l - 1].keys
                                                     : &r->gsi[l - 1 - r->lsi_count].keys;
        for (size_t i = 0; i < keys->count; i++) {
            const char *n = keys->items[i].name;
            bool dup = false;
            for (size_t k = 0; k < used_count && !dup; k++)
                dup = strcmp(seen[k], n) == 0;
            if (dup || used_count >= r->attrs.count) continue;
            seen[used_count++] = n;
        }
    }
    if (used_count == r->attrs.count) return NULL;
    buf_t used;
    buf_init(&used);
    buf_putc(&used, '[');
    for (size_t k = 0; k < used_count; k++) {
        if (k) buf_append_str(&used, ", ");
        buf_append_str(&used, seen[k]);
    }
    buf_putc(&used, ']');
    ddb_error_t *e =
        err_attributes_unused(a, names_text(a, &r->attrs), arena_strndup(a, used.data, used.len));
    buf_free(&used);
    return e;
}

/* A stream enabled with a view type, a disabled one without. */
static ddb_error_t *check_stream(arena_t *a, const raw_table_t *r)
{
    if (!r->stream_present) return NULL;
    if (r->stream_enabled && !r->stream_view_type) return err_stream_view_type(a, true, true);
    if (!r->stream_enabled && r->stream_view_type) return err_stream_view_type(a, true, false);
    return NULL;
}

/* A stored definition was valid when written: only the checks a
 * definition read back needs differ (its stream settings are kept as they
 * are). */
static ddb_error_t *validate_raw(arena_t *a, const raw_table_t *r, bool stored)
{
    ddb_error_t *e;
    if ((e = check_constraints(a, r))) return e;
    bool on_demand = r->billing_mode && strcmp(r->billing_mode, "PAY_PER_REQUEST") == 0;
    if ((e = check_billing(a, r, on_demand))) return e;
    if (!stored && (e = tabledef_check_on_demand(a, &r->on_demand, NULL, on_demand, false)))
        return e;
    const char *repeated;
    wire_names_t *defined = defined_names(a, r, &repeated);
    if ((e = check_table_keys(a, r, defined))) return e;
    if (repeated) return err_attribute_name_duplicated(a, repeated);
    wire_names_t *index_names = wire_names_new(a, r->lsi_count + r->gsi_count);
    if ((e = check_lsis(a, r, defined, index_names))) return e;
    if ((e = check_gsis(a, r, defined, index_names, on_demand))) return e;
    if ((e = check_attributes_used(a, r))) return e;
    if (!stored && (e = check_maxima(a, r, on_demand))) return e;
    if (!stored && (e = check_stream(a, r))) return e;
    return check_tags(a, &r->tags);
}

/* --- UpdateTable's index definitions ------------------------------------------------ */
ddb_error_t *tabledef_read_throughput(arena_t *a, const json_value_t *obj, const char *path,
                                      constraint_list_t *cl, tabledef_throughput_t *out)
{
    ddb_error_t *e = read_throughput(a, obj, out);
    if (!e) check_throughput(cl, out, path);
    return e;
}

ddb_error_t *tabledef_check_attribute_definitions(arena_t *a, const json_value_t *req,
                                                  constraint_list_t *cl)
{
    raw_list_t attrs;
    ddb_error_t *e =
        read_pairs(a, req, "AttributeDefinitions", "AttributeName", "AttributeType", &attrs);
    if (!e) check_attribute_definitions(cl, &attrs);
    return e;
}

ddb_error_t *tabledef_check_index_spec(arena_t *a, const json_value_t *spec, const char *path,
                                       bool gsi, constraint_list_t *cl)
{
    raw_index_t ix;
    ddb_error_t *e = read_index(a, spec, &ix);
    if (!e) check_index(cl, a, &ix, path, gsi);
    return e;
}

static const char *key_type_of(const key_schema_t *k, const char *name)
{
    if (k->hash && strcmp(k->hash, name) == 0) return "HASH";
    if (k->range && strcmp(k->range, name) == 0) return "RANGE";
    return NULL;
}

static const char *index_key_type_of(const index_def_t *ix, const char *name)
{
    for (size_t i = 0; i < ix->hash_count; i++)
        if (strcmp(ix->hash_parts[i].name, name) == 0) return "HASH";
    for (size_t i = 0; i < ix->range_count; i++)
        if (strcmp(ix->range_parts[i].name, name) == 0) return "RANGE";
    return NULL;
}

/* "Schema:[SchemaElement: key{name:S:HASH}]" */
static const char *schema_text(arena_t *a, const char *name, const char *type, const char *key_type)
{
    return arena_sprintf(a, "Schema:[SchemaElement: key{%s:%s:%s}]", name, type, key_type);
}

/* An attribute t already defines with another type than the new index's
 * definition: the error naming where t uses it. */
static ddb_error_t *check_redefinition(arena_t *a, const table_t *t, const raw_index_t *ix,
                                       const raw_table_t *r)
{
    for (size_t k = 0; k < ix->keys.count; k++) {
        const char *name = ix->keys.items[k].name;
        const char *type = NULL;
        for (size_t i = 0; i < r->attrs.count && !type; i++)
            if (strcmp(r->attrs.items[i].name, name) == 0) type = r->attrs.items[i].type;
        for (size_t i = 0; type && i < t->attr_count; i++) {
            if (strcmp(t->attrs[i].name, name) != 0) continue;
            const char *had = value_type_name(t->attrs[i].type);
            if (strcmp(had, type) == 0) break;
            const char *used = key_type_of(&t->keys, name);
            for (size_t x = 0; !used && x < t->index_count; x++)
                used = index_key_type_of(&t->indexes[x], name);
            return err_attribute_redefined(a, schema_text(a, name, had, used ? used : "HASH"),
                                           schema_text(a, name, type, ix->keys.items[k].type));
        }
    }
    return NULL;
}

ddb_error_t *tabledef_check_index_create(arena_t *a, const table_t *t, const json_value_t *req,
                                         const json_value_t *spec, bool on_demand)
{
    raw_index_t ix;
    raw_table_t r;
    memset(&r, 0, sizeof r);
    ddb_error_t *e = read_index(a, spec, &ix);
    if (!e)
        e = read_pairs(a, req, "AttributeDefinitions", "AttributeName", "AttributeType", &r.attrs);
    if (e) return e;
    if (!r.attrs.present) return err_index_attributes_not_specified(a, ix.name);
    wire_names_t *defined = wire_names_new(a, r.attrs.count);
    for (size_t i = 0; i < r.attrs.count; i++)
        wire_names_add(defined, r.attrs.items[i].name, strlen(r.attrs.items[i].name));
    if ((e = check_keys_defined(a, &r, defined, &ix.keys))) return e;
    if ((e = check_gsi_key_order(a, &ix.keys))) return e;
    if ((e = check_redefinition(a, t, &ix, &r))) return e;
    if ((e = check_projection(a, &ix))) return e;
    if (on_demand && ix.throughput.present) return err_index_throughput_on_demand(a, ix.name);
    if (!on_demand && !ix.throughput.present) return err_index_throughput_both(a, ix.name);
    return tabledef_check_on_demand(a, &ix.on_demand, ix.name, on_demand, false);
}

/* --- building the table ------------------------------------------------------------ */

static value_type_t attr_type_of(const raw_table_t *r, const char *name)
{
    for (size_t i = 0; i < r->attrs.count; i++)
        if (strcmp(r->attrs.items[i].name, name) == 0)
            return r->attrs.items[i].type[0] == 'S'   ? VALUE_S
                   : r->attrs.items[i].type[0] == 'N' ? VALUE_N
                                                      : VALUE_B;
    return VALUE_S;
}

static void copy_index(arena_t *a, const raw_table_t *r, const raw_index_t *ix, bool global,
                       index_def_t *out)
{
    out->name = arena_strdup(a, ix->name);
    out->global = global;
    for (size_t i = 0; i < ix->keys.count; i++) {
        bool hash = strcmp(ix->keys.items[i].type, "HASH") == 0;
        key_part_t *part =
            hash ? &out->hash_parts[out->hash_count++] : &out->range_parts[out->range_count++];
        part->name = arena_strdup(a, ix->keys.items[i].name);
        part->type = attr_type_of(r, part->name);
    }
    out->keys.hash = out->hash_parts[0].name;
    out->hash_type = out->hash_parts[0].type;
    out->keys.range = out->range_count ? out->range_parts[0].name : NULL;
    out->range_type = out->range_count ? out->range_parts[0].type : VALUE_S;
    out->projection = strcmp(ix->projection_type, "ALL") == 0         ? PROJECTION_ALL
                      : strcmp(ix->projection_type, "KEYS_ONLY") == 0 ? PROJECTION_KEYS_ONLY
                                                                      : PROJECTION_INCLUDE;
    out->non_key_count = ix->non_key.count;
    out->non_key = arena_alloc(a, (ix->non_key.count + 1) * sizeof(char *));
    for (size_t i = 0; i < ix->non_key.count; i++)
        out->non_key[i] = arena_strdup(a, ix->non_key.items[i].name);
    out->rcu = ix->throughput.rcu;
    out->wcu = ix->throughput.wcu;
    tabledef_apply_on_demand(&ix->on_demand, &out->max_read, &out->max_write);
    out->status = ix->status && strcmp(ix->status, "CREATING") == 0 ? INDEX_CREATING : INDEX_ACTIVE;
}

static void new_uuid(arena_t *a, const char **out)
{
    uint8_t r[16];
    if (getrandom(r, sizeof r, 0) != sizeof r)
        for (size_t i = 0; i < sizeof r; i++)
            r[i] = (uint8_t)rand();
    r[6] = (r[6] & 0x0f) | 0x40;
    r[8] = (r[8] & 0x3f) | 0x80;
    *out = arena_sprintf(a, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                         r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11],
                         r[12], r[13], r[14], r[15]);
}

/* The policies of a stored definition (written canonical: kept as they are). */
static void read_stored_policies(arena_t *a, const json_value_t *def, table_policies_t *pol,
                                 arena_t *ta)
{
    ddb_error_t *e = NULL;
    const char *s;
    if (wire_string(a, def, "ResourcePolicy", &s, NULL, &e)) pol->table = arena_strdup(ta, s);
    if (wire_string(a, def, "ResourcePolicyRevision", &s, NULL, &e))
        pol->table_revision = arena_strdup(ta, s);
    const json_value_t *sp = wire_member(def, "StreamPolicy");
    if (!sp || sp->type != JSON_OBJECT) return;
    if (wire_string(a, sp, "Label", &s, NULL, &e)) pol->stream_label = arena_strdup(ta, s);
    if (wire_string(a, sp, "Policy", &s, NULL, &e)) pol->stream = arena_strdup(ta, s);
    if (wire_string(a, sp, "Revision", &s, NULL, &e)) pol->stream_revision = arena_strdup(ta, s);
}

/* Contributor Insights settings of a stored definition:
 * "Insights":[{"Index":"i","Enabled":true,"Mode":1,"Changed":<ms>}...]
 * (no Index: the table's; Mode: insights_mode_t). */
static void read_stored_insights(arena_t *a, const json_value_t *def, table_t *t)
{
    const json_value_t *list = wire_member(def, "Insights");
    if (!list || list->type != JSON_ARRAY) return;
    t->insights = arena_calloc(t->arena, (list->u.array.count + 1) * sizeof *t->insights);
    for (size_t i = 0; i < list->u.array.count; i++) {
        const json_value_t *o = list->u.array.items[i];
        if (o->type != JSON_OBJECT) continue;
        ddb_error_t *e = NULL;
        insights_setting_t *st = &t->insights[t->insights_count++];
        const char *index;
        const json_value_t *n;
        if (wire_string(a, o, "Index", &index, NULL, &e)) st->index = arena_strdup(t->arena, index);
        wire_bool(a, o, "Enabled", &st->enabled, &e);
        if ((n = wire_member(o, "Mode")) && n->type == JSON_NUMBER &&
            strtol(n->u.str.ptr, NULL, 10) == INSIGHTS_THROTTLED_KEYS)
            st->mode = INSIGHTS_THROTTLED_KEYS;
        if ((n = wire_member(o, "Changed")) && n->type == JSON_NUMBER)
            st->changed_ms = strtoll(n->u.str.ptr, NULL, 10);
    }
}

static void render_stored_insights(buf_t *b, const table_t *t)
{
    if (!t->insights_count) return;
    buf_append_str(b, ",\"Insights\":[");
    for (size_t i = 0; i < t->insights_count; i++) {
        const insights_setting_t *st = &t->insights[i];
        buf_append_str(b, i ? ",{" : "{");
        if (st->index) {
            json_write_member(b, "Index", st->index);
            buf_putc(b, ',');
        }
        buf_printf(b, "\"Enabled\":%s,\"Mode\":%d,\"Changed\":%lld}",
                   st->enabled ? "true" : "false", (int)st->mode, (long long)st->changed_ms);
    }
    buf_putc(b, ']');
}

/* The throughput changes of the stored GSIs (kept in each GSI's object). */
static void read_stored_index_changes(const json_value_t *req, table_t *t)
{
    const json_value_t *list = wire_member(req, "GlobalSecondaryIndexes");
    for (size_t i = 0; list && list->type == JSON_ARRAY && i < list->u.array.count; i++) {
        const json_value_t *g = list->u.array.items[i], *n;
        const json_value_t *name = wire_member(g, "IndexName");
        if (!name || name->type != JSON_STRING) continue;
        index_def_t *ix = (index_def_t *)tabledef_index_find(t, name->u.str.ptr, name->u.str.len);
        if (!ix) continue;
        if ((n = wire_member(g, "LastIncrease")) && n->type == JSON_NUMBER)
            ix->last_increase = strtod(n->u.str.ptr, NULL);
        if ((n = wire_member(g, "LastDecrease")) && n->type == JSON_NUMBER)
            ix->last_decrease = strtod(n->u.str.ptr, NULL);
        if ((n = wire_member(g, "DecreasesToday")) && n->type == JSON_NUMBER)
            ix->decreases_today = (int)strtol(n->u.str.ptr, NULL, 10);
    }
}

const index_def_t *tabledef_index_find(const table_t *t, const char *name, size_t len)
{
    for (size_t i = 0; i < t->index_count; i++)
        if (strlen(t->indexes[i].name) == len && memcmp(t->indexes[i].name, name, len) == 0)
            return &t->indexes[i];
    return NULL;
}

ddb_error_t *tabledef_parse(arena_t *a, const json_value_t *req, bool stored, table_t **out)
{
    raw_table_t r;
    ddb_error_t *e = read_raw(a, req, &r);
    if (e) return e;
    if ((e = validate_raw(a, &r, stored))) return e;

    arena_t *ta = arena_new(4096);
    table_t *t = arena_calloc(ta, sizeof *t);
    t->arena = ta;
    t->name = arena_strdup(ta, r.table_name);
    t->attr_count = r.attrs.count;
    t->attrs = arena_alloc(ta, r.attrs.count * sizeof(attr_def_t));
    for (size_t i = 0; i < r.attrs.count; i++) {
        t->attrs[i].name = arena_strdup(ta, r.attrs.items[i].name);
        t->attrs[i].type = attr_type_of(&r, r.attrs.items[i].name);
    }
    t->keys.hash = arena_strdup(ta, r.keys.items[0].name);
    t->hash_type = attr_type_of(&r, t->keys.hash);
    if (r.keys.count > 1) {
        t->keys.range = arena_strdup(ta, r.keys.items[1].name);
        t->range_type = attr_type_of(&r, t->keys.range);
    }
    t->pay_per_request = r.billing_mode && strcmp(r.billing_mode, "PAY_PER_REQUEST") == 0;
    t->rcu = r.throughput.rcu;
    t->wcu = r.throughput.wcu;
    t->index_count = r.lsi_count + r.gsi_count;
    t->indexes = arena_calloc(ta, (t->index_count + 1) * sizeof(index_def_t));
    for (size_t i = 0; i < r.lsi_count; i++)
        copy_index(ta, &r, &r.lsi[i], false, &t->indexes[i]);
    for (size_t i = 0; i < r.gsi_count; i++)
        copy_index(ta, &r, &r.gsi[i], true, &t->indexes[r.lsi_count + i]);
    t->stream_enabled = r.stream_present && r.stream_enabled;
    t->stream_view_type = t->stream_enabled ? arena_strdup(ta, r.stream_view_type) : NULL;
    t->sse_enabled = r.sse_present && r.sse_enabled;
    t->sse_type = t->sse_enabled ? arena_strdup(ta, r.sse_type ? r.sse_type : "KMS") : NULL;
    t->kms_key = t->sse_enabled ? arena_strdup(ta, r.kms_key) : NULL;
    tag_t *tags = arena_alloc(a, (r.tags.count + 1) * sizeof *tags);
    for (size_t i = 0; i < r.tags.count; i++) {
        tags[i].key = r.tags.items[i].name;
        tags[i].value = r.tags.items[i].type;
    }
    t->tags = tags_merge(ta, NULL, tags, r.tags.count, NULL, 0);
    table_policies_t *pol = arena_calloc(ta, sizeof *pol);
    t->policies = pol;
    t->table_class = r.table_class ? arena_strdup(ta, r.table_class) : NULL;
    t->deletion_protection = r.deletion_protection;
    /* caps of an on-demand table (a value below 1, as -1, sets none) */
    if (t->pay_per_request) tabledef_apply_on_demand(&r.on_demand, &t->max_read, &t->max_write);
    t->refs = 1;

    if (r.policy && !stored) {
        const char *doc;
        if ((e = policy_normalize(a, r.policy, r.policy_len, false, &doc))) {
            tabledef_free(t);
            return e;
        }
        pol->table = arena_strdup(ta, doc);
        pol->table_revision = arena_sprintf(ta, "%lld", (long long)clock_now_ms());
    }
    if (stored) {
        const char *s;
        size_t len;
        read_stored_policies(a, req, pol, ta);
        if (wire_string(a, req, "TableId", &s, &len, &e)) t->id = arena_strdup(ta, s);
        if (wire_string(a, req, "DbiName", &s, &len, &e) && len < sizeof t->dbi_name)
            memcpy(t->dbi_name, s, len + 1);
        const json_value_t *n;
        if ((n = wire_member(req, "CreationDateTime")) && n->type == JSON_NUMBER)
            t->created = strtod(n->u.str.ptr, NULL);
        if ((n = wire_member(req, "BillingUpdated")) && n->type == JSON_NUMBER)
            t->billing_updated = strtod(n->u.str.ptr, NULL);
        if ((n = wire_member(req, "OnDemandSwitches")) && n->type == JSON_ARRAY)
            for (size_t i = 0; i < n->u.array.count && i < CATALOG_ON_DEMAND_SWITCHES; i++)
                if (n->u.array.items[i]->type == JSON_NUMBER)
                    t->on_demand_switches[i] = strtod(n->u.array.items[i]->u.str.ptr, NULL);
        if ((n = wire_member(req, "LastIncrease")) && n->type == JSON_NUMBER)
            t->last_increase = strtod(n->u.str.ptr, NULL);
        if ((n = wire_member(req, "LastDecrease")) && n->type == JSON_NUMBER)
            t->last_decrease = strtod(n->u.str.ptr, NULL);
        if ((n = wire_member(req, "StreamId")) && n->type == JSON_NUMBER)
            t->stream_id = strtoull(n->u.str.ptr, NULL, 10);
        if (wire_string(a, req, "LatestStreamLabel", &s, &len, &e))
            t->stream_label = arena_strdup(ta, s);
        if (wire_string(a, req, "TimeToLiveAttribute", &s, &len, &e))
            t->ttl_attribute = arena_strdup(ta, s);
        if ((n = wire_member(req, "TimeToLiveChanged")) && n->type == JSON_NUMBER)
            t->ttl_changed = strtod(n->u.str.ptr, NULL);
        wire_bool(a, req, "TimeToLiveFilled", &t->ttl_filled, &e);
        const json_value_t *rs = wire_member(req, "Restore");
        if (rs && rs->type == JSON_OBJECT) {
            t->restoring = true;
            if (wire_string(a, rs, "BackupArn", &s, &len, &e))
                t->restore_backup_arn = arena_strdup(ta, s);
            if (wire_string(a, rs, "SourceTableArn", &s, &len, &e))
                t->restore_source_arn = arena_strdup(ta, s);
            if ((n = wire_member(rs, "Time")) && n->type == JSON_NUMBER)
                t->restore_time = strtod(n->u.str.ptr, NULL);
            if ((n = wire_member(rs, "Offset")) && n->type == JSON_NUMBER)
                t->restore_offset = strtoull(n->u.str.ptr, NULL, 10);
            if ((n = wire_member(rs, "Log")) && n->type == JSON_NUMBER)
                t->restore_log = strtoull(n->u.str.ptr, NULL, 10);
            if ((n = wire_member(rs, "LogNext")) && n->type == JSON_NUMBER)
                t->restore_log_next = strtoull(n->u.str.ptr, NULL, 10);
            if ((n = wire_member(rs, "Until")) && n->type == JSON_NUMBER)
                t->restore_until_ms = strtoll(n->u.str.ptr, NULL, 10);
        }
        read_stored_insights(a, req, t);
        read_stored_index_changes(req, t);
        const json_value_t *pr = wire_member(req, "Pitr");
        if (pr && pr->type == JSON_OBJECT) {
            wire_bool(a, pr, "Enabled", &t->pitr_enabled, &e);
            if ((n = wire_member(pr, "Days")) && n->type == JSON_NUMBER)
                t->pitr_days = (int)strtol(n->u.str.ptr, NULL, 10);
            if ((n = wire_member(pr, "Since")) && n->type == JSON_NUMBER)
                t->pitr_since_ms = strtoll(n->u.str.ptr, NULL, 10);
            if ((n = wire_member(pr, "Log")) && n->type == JSON_NUMBER)
                t->pitr_log = strtoull(n->u.str.ptr, NULL, 10);
        }
    }
    if (!t->id) new_uuid(ta, &t->id);
    if (!t->created) t->created = clock_now_seconds();
    if (!t->dbi_name[0]) snprintf(t->dbi_name, sizeof t->dbi_name, "t:%s", t->id);
    for (size_t i = 0; i < t->index_count; i++) {
        t->indexes[i].dbi_name = arena_sprintf(ta, "i:%s:%s", t->id, t->indexes[i].name);
        t->has_collections |= !t->indexes[i].global;
    }
    snprintf(t->collections_dbi_name, sizeof t->collections_dbi_name, "c:%s", t->id);
    snprintf(t->ttl_dbi_name, sizeof t->ttl_dbi_name, "x:%s", t->id);
    *out = t;
    return NULL;
}

void tabledef_free(table_t *t)
{
    if (t) arena_free(t->arena);
}

/* --- rendering ------------------------------------------------------------------------ */

void tabledef_render_key_schema(buf_t *b, const key_schema_t *k)
{
    json_write_key(b, "KeySchema");
    buf_append_str(b, "[{\"AttributeName\":");
    json_write_string(b, k->hash, strlen(k->hash));
    buf_append_str(b, ",\"KeyType\":\"HASH\"}");
    if (k->range) {
        buf_append_str(b, ",{\"AttributeName\":");
        json_write_string(b, k->range, strlen(k->range));
        buf_append_str(b, ",\"KeyType\":\"RANGE\"}");
    }
    buf_putc(b, ']');
}

void tabledef_render_index_key_schema(buf_t *b, const index_def_t *ix)
{
    json_write_key(b, "KeySchema");
    buf_putc(b, '[');
    for (size_t i = 0; i < ix->hash_count + ix->range_count; i++) {
        bool hash = i < ix->hash_count;
        const char *name = hash ? ix->hash_parts[i].name : ix->range_parts[i - ix->hash_count].name;
        buf_append_str(b, i ? ",{\"AttributeName\":" : "{\"AttributeName\":");
        json_write_string(b, name, strlen(name));
        buf_append_str(b, hash ? ",\"KeyType\":\"HASH\"}" : ",\"KeyType\":\"RANGE\"}");
    }
    buf_putc(b, ']');
}

void tabledef_render_attributes(buf_t *b, const table_t *t)
{
    json_write_key(b, "AttributeDefinitions");
    buf_putc(b, '[');
    for (size_t i = 0; i < t->attr_count; i++) {
        if (i) buf_putc(b, ',');
        buf_putc(b, '{');
        json_write_member(b, "AttributeName", t->attrs[i].name);
        buf_putc(b, ',');
        json_write_member(b, "AttributeType", value_type_name(t->attrs[i].type));
        buf_putc(b, '}');
    }
    buf_putc(b, ']');
}

static const char *projection_name(projection_type_t p)
{
    return p == PROJECTION_ALL ? "ALL" : p == PROJECTION_KEYS_ONLY ? "KEYS_ONLY" : "INCLUDE";
}

void tabledef_render_projection(buf_t *b, const index_def_t *ix)
{
    json_write_key(b, "Projection");
    buf_putc(b, '{');
    json_write_member(b, "ProjectionType", projection_name(ix->projection));
    if (ix->projection == PROJECTION_INCLUDE) {
        buf_append_str(b, ",\"NonKeyAttributes\":[");
        for (size_t i = 0; i < ix->non_key_count; i++) {
            if (i) buf_putc(b, ',');
            json_write_string(b, ix->non_key[i], strlen(ix->non_key[i]));
        }
        buf_putc(b, ']');
    }
    buf_putc(b, '}');
}

static void render_tags(buf_t *b, const table_t *t)
{
    const tag_set_t *tags = atomic_load(&t->tags);
    json_write_key(b, "Tags");
    buf_putc(b, '[');
    for (size_t i = 0; i < tags->count; i++) {
        if (i) buf_putc(b, ',');
        buf_putc(b, '{');
        json_write_member(b, "Key", tags->items[i].key);
        buf_putc(b, ',');
        json_write_member(b, "Value", tags->items[i].value);
        buf_putc(b, '}');
    }
    buf_putc(b, ']');
}

static void render_policies(buf_t *b, const table_t *t)
{
    const table_policies_t *pol = atomic_load(&t->policies);
    if (pol->table) {
        buf_putc(b, ',');
        json_write_member(b, "ResourcePolicy", pol->table);
        buf_putc(b, ',');
        json_write_member(b, "ResourcePolicyRevision", pol->table_revision);
    }
    if (pol->stream) {
        buf_append_str(b, ",\"StreamPolicy\":{");
        json_write_member(b, "Label", pol->stream_label);
        buf_putc(b, ',');
        json_write_member(b, "Policy", pol->stream);
        buf_putc(b, ',');
        json_write_member(b, "Revision", pol->stream_revision);
        buf_putc(b, '}');
    }
}

void tabledef_render_on_demand(buf_t *b, int64_t max_read, int64_t max_write)
{
    buf_putc(b, '{');
    if (max_read) buf_printf(b, "\"MaxReadRequestUnits\":%lld", (long long)max_read);
    if (max_read && max_write) buf_putc(b, ',');
    if (max_write) buf_printf(b, "\"MaxWriteRequestUnits\":%lld", (long long)max_write);
    buf_putc(b, '}');
}

static void render_on_demand(buf_t *b, int64_t max_read, int64_t max_write)
{
    if (!max_read && !max_write) return;
    buf_append_str(b, ",\"OnDemandThroughput\":");
    tabledef_render_on_demand(b, max_read, max_write);
}

void tabledef_render(buf_t *b, const table_t *t)
{
    buf_putc(b, '{');
    json_write_member(b, "TableName", t->name);
    buf_putc(b, ',');
    json_write_member(b, "TableId", t->id);
    buf_putc(b, ',');
    json_write_member(b, "DbiName", t->dbi_name);
    buf_printf(b, ",\"CreationDateTime\":%.3f,\"BillingUpdated\":%.3f", t->created,
               t->billing_updated);
    for (size_t i = 0; i < CATALOG_ON_DEMAND_SWITCHES && t->on_demand_switches[i]; i++)
        buf_printf(b, "%s%.3f%s", i ? "," : ",\"OnDemandSwitches\":[", t->on_demand_switches[i],
                   i + 1 == CATALOG_ON_DEMAND_SWITCHES || !t->on_demand_switches[i + 1] ? "]" : "");
    buf_printf(b, ",\"LastIncrease\":%.3f,\"LastDecrease\":%.3f,", t->last_increase,
               t->last_decrease);
    tabledef_render_attributes(b, t);
    buf_putc(b, ',');
    tabledef_render_key_schema(b, &t->keys);
    buf_putc(b, ',');
    json_write_member(b, "BillingMode", t->pay_per_request ? "PAY_PER_REQUEST" : "PROVISIONED");
    if (!t->pay_per_request)
        buf_printf(b,
                   ",\"ProvisionedThroughput\":{\"ReadCapacityUnits\":%lld,"
                   "\"WriteCapacityUnits\":%lld}",
                   (long long)t->rcu, (long long)t->wcu);
    for (int global = 0; global < 2; global++) {
        bool any = false;
        for (size_t i = 0; i < t->index_count; i++) {
            const index_def_t *ix = &t->indexes[i];
            if (ix->global != global) continue;
            buf_append_str(b, any      ? ",{"
                              : global ? ",\"GlobalSecondaryIndexes\":[{"
                                       : ",\"LocalSecondaryIndexes\":[{");
            any = true;
            json_write_member(b, "IndexName", ix->name);
            buf_putc(b, ',');
            tabledef_render_index_key_schema(b, ix);
            buf_putc(b, ',');
            tabledef_render_projection(b, ix);
            if (global && !t->pay_per_request)
                buf_printf(b,
                           ",\"ProvisionedThroughput\":{\"ReadCapacityUnits\":%lld,"
                           "\"WriteCapacityUnits\":%lld}",
                           (long long)ix->rcu, (long long)ix->wcu);
            if (global && (ix->last_increase || ix->last_decrease))
                buf_printf(b, ",\"LastIncrease\":%.3f,\"LastDecrease\":%.3f,\"DecreasesToday\":%d",
                           ix->last_increase, ix->last_decrease, ix->decreases_today);
            if (global) render_on_demand(b, ix->max_read, ix->max_write);
            if (ix->status == INDEX_CREATING) buf_append_str(b, ",\"IndexStatus\":\"CREATING\"");
            buf_putc(b, '}');
        }
        if (any) buf_putc(b, ']');
    }
    if (t->stream_enabled) {
        buf_append_str(b, ",\"StreamSpecification\":{\"StreamEnabled\":true,");
        json_write_member(b, "StreamViewType", t->stream_view_type);
        buf_putc(b, '}');
    }
    if (t->sse_enabled) {
        buf_append_str(b, ",\"SSESpecification\":{\"Enabled\":true,");
        json_write_member(b, "SSEType", t->sse_type);
        if (t->kms_key) {
            buf_putc(b, ',');
            json_write_member(b, "KMSMasterKeyId", t->kms_key);
        }
        buf_putc(b, '}');
    }
    if (t->table_class) {
        buf_putc(b, ',');
        json_write_member(b, "TableClass", t->table_class);
    }
    if (t->deletion_protection) buf_append_str(b, ",\"DeletionProtectionEnabled\":true");
    render_on_demand(b, t->max_read, t->max_write);
    if (t->stream_id) buf_printf(b, ",\"StreamId\":%llu", (unsigned long long)t->stream_id);
    if (t->stream_label) {
        buf_putc(b, ',');
        json_write_member(b, "LatestStreamLabel", t->stream_label);
    }
    if (t->ttl_attribute) {
        buf_putc(b, ',');
        json_write_member(b, "TimeToLiveAttribute", t->ttl_attribute);
    }
    if (t->ttl_changed) buf_printf(b, ",\"TimeToLiveChanged\":%.3f", t->ttl_changed);
    if (t->ttl_filled) buf_append_str(b, ",\"TimeToLiveFilled\":true");
    if (t->restoring) {
        buf_append_str(b, ",\"Restore\":{");
        json_write_member(b, "BackupArn", t->restore_backup_arn);
        buf_putc(b, ',');
        json_write_member(b, "SourceTableArn", t->restore_source_arn);
        buf_printf(b, ",\"Time\":%.3f,\"Offset\":%llu", t->restore_time,
                   (unsigned long long)t->restore_offset);
        if (t->restore_log)
            buf_printf(b, ",\"Log\":%llu,\"LogNext\":%llu,\"Until\":%lld",
                       (unsigned long long)t->restore_log,
                       (unsigned long long)t->restore_log_next, (long long)t->restore_until_ms);
        buf_putc(b, '}');
    }
    render_stored_insights(b, t);
    if (t->pitr_log)
        buf_printf(b, ",\"Pitr\":{\"Enabled\":%s,\"Days\":%d,\"Since\":%lld,\"Log\":%llu}",
                   t->pitr_enabled ? "true" : "false", t->pitr_days, (long long)t->pitr_since_ms,
                   (unsigned long long)t->pitr_log);
    buf_putc(b, ',');
    render_tags(b, t);
    render_policies(b, t);
    buf_putc(b, '}');
}
