/* catalog: table definitions, their validation, persistence, descriptions
 * and the registry of live tables; see catalog.h. */
#include "catalog.h"

#include <math.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "clock.h"
#include "constraint.h"
#include "log.h"
#include "policy.h"
#include "storage.h"
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

typedef catalog_throughput_t raw_throughput_t;

typedef struct {
    const char *name;
    raw_list_t keys;
    bool projection_present;
    const char *projection_type;
    raw_list_t non_key; /* names in .name */
    raw_throughput_t throughput;
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
    raw_list_t tags; /* Key in .name, Value in .type */
    const char *policy; /* ResourcePolicy */
    size_t policy_len;
    const char *table_class;
    bool deletion_protection;
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
    return e;
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
static void check_attribute_name(constraint_list_t *cl, const char *name, const char *path_fmt,
                                 ...) __attribute__((format(printf, 3, 4)));
static void check_attribute_name(constraint_list_t *cl, const char *name, const char *path_fmt,
                                 ...)
{
    char path[320];
    va_list ap;
    va_start(ap, path_fmt);
    vsnprintf(path, sizeof path, path_fmt, ap);
    va_end(ap);
    if (constraint_required(cl, name != NULL, "%s", path))
        constraint_length(cl, name, strlen(name), 1, CATALOG_KEY_NAME_MAX, "%s", path);
}

static void check_key_schema(constraint_list_t *cl, const raw_list_t *keys, const char *path)
{
    if (!constraint_required(cl, keys->present, "%s", path)) return;
    for (size_t i = 0; i < keys->count; i++) {
        check_attribute_name(cl, keys->items[i].name, "%s.%zu.member.attributeName", path, i + 1);
        if (constraint_required(cl, keys->items[i].type, "%s.%zu.member.keyType", path, i + 1))
            constraint_enum(cl, keys->items[i].type, &ENUM_KEY_TYPE, "%s.%zu.member.keyType",
                            path, i + 1);
    }
    if (keys->count >= 1 && keys->count <= 2) return;
    buf_t v;
    buf_init(&v);
    buf_putc(&v, '[');
    for (size_t i = 0; i < keys->count; i++)
        buf_printf(&v, "%sKeySchemaElement(AttributeName=%s, KeyType=%s)", i ? ", " : "",
                   keys->items[i].name ? keys->items[i].name : "null",
                   keys->items[i].type ? keys->items[i].type : "null");
    buf_append(&v, "]", 2);
    constraint_length(cl, v.data, keys->count, 1, 2, "%s", path);
    buf_free(&v);
}

static void check_attribute_definitions(constraint_list_t *cl, const raw_list_t *attrs)
{
    for (size_t i = 0; i < attrs->count; i++) {
        const char *type = attrs->items[i].type;
        if (constraint_required(cl, type, "attributeDefinitions.%zu.member.attributeType", i + 1))
            constraint_enum(cl, type, &ENUM_SCALAR_TYPE,
                            "attributeDefinitions.%zu.member.attributeType", i + 1);
        check_attribute_name(cl, attrs->items[i].name, "attributeDefinitions.%zu.member.attributeName",
                             i + 1);
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
                        const char *prefix)
{
    char p[320];
    snprintf(p, sizeof p, "%s.indexName", prefix);
    constraint_name(cl, ix->name, "%s", p);
    snprintf(p, sizeof p, "%s.keySchema", prefix);
    check_key_schema(cl, &ix->keys, p);
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
                          const char *member)
{
    for (size_t i = 0; i < count; i++) {
        char p[160];
        snprintf(p, sizeof p, "%s.%zu.member", member, i + 1);
        check_index(cl, a, &ix[i], p);
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

static ddb_error_t *check_keys_defined(arena_t *a, const raw_table_t *r, const wire_names_t *defined,
                                       const raw_list_t *keys)
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

static ddb_error_t *validate_raw(arena_t *a, const raw_table_t *r, bool stored)
{
    ddb_error_t *e;
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    constraint_required(&cl, r->attrs.present, "attributeDefinitions");
    check_attribute_definitions(&cl, &r->attrs);
    constraint_name(&cl, r->table_name, "tableName");
    check_key_schema(&cl, &r->keys, "keySchema");
    check_indexes(&cl, a, r->lsi, r->lsi_count, "localSecondaryIndexes");
    check_indexes(&cl, a, r->gsi, r->gsi_count, "globalSecondaryIndexes");
    constraint_enum(&cl, r->billing_mode, &ENUM_BILLING_MODE, "billingMode");
    check_throughput(&cl, &r->throughput, "provisionedThroughput");
    if (r->stream_present) {
        constraint_required(&cl, r->stream_enabled_set, "streamSpecification.streamEnabled");
        constraint_enum(&cl, r->stream_view_type, &ENUM_STREAM_VIEW_TYPE,
                        "streamSpecification.streamViewType");
    }
    if (r->sse_present) constraint_enum(&cl, r->sse_type, &ENUM_SSE_TYPE, "sSESpecification.sSEType");
    constraint_enum(&cl, r->table_class, &ENUM_TABLE_CLASS, "tableClass");
    for (size_t i = 0; i < r->tags.count; i++) {
        constraint_required(&cl, r->tags.items[i].name, "tags.%zu.member.key", i + 1);
        constraint_required(&cl, r->tags.items[i].type, "tags.%zu.member.value", i + 1);
    }
    if ((e = constraint_list_finish(&cl))) return e;

    bool on_demand = r->billing_mode && strcmp(r->billing_mode, "PAY_PER_REQUEST") == 0;
    if (on_demand) {
        if (r->throughput.present)
            return err_throughput_with_on_demand(a);
    } else {
        if (!r->throughput.present && r->billing_mode)
            return err_throughput_required(a, true);
        if (!r->throughput.present) return err_throughput_required(a, false);
        if (r->throughput.rcu > MAX_THROUGHPUT)
            return err_throughput_out_of_bounds(a, "ReadCapacityUnits", (long long)r->throughput.rcu);
        if (r->throughput.wcu > MAX_THROUGHPUT)
            return err_throughput_out_of_bounds(a, "WriteCapacityUnits",
                                                (long long)r->throughput.wcu);
    }
    if (r->keys.count > r->attrs.count)
        return err_key_schema_undefined(a);
    /* Name sets, not pairwise comparisons: a request can hold thousands. */
    wire_names_t *defined = wire_names_new(a, r->attrs.count);
    const char *repeated = NULL;
    for (size_t i = 0; i < r->attrs.count; i++) {
        const char *n = r->attrs.items[i].name;
        if (!wire_names_add(defined, n, strlen(n)) && !repeated) repeated = n;
    }
    if ((e = check_keys_defined(a, r, defined, &r->keys))) return e;
    if ((e = check_key_order(a, &r->keys))) return e;
    if (repeated) return err_attribute_name_duplicated(a, repeated);
    wire_names_t *index_names = wire_names_new(a, r->lsi_count + r->gsi_count);

    if (r->lsi_present) {
        if (r->lsi_count == 0)
            return err_index_list_empty(a, "LocalSecondaryIndexes");
        if (r->keys.count != 2) return err_lsi_without_table_range(a);
        for (size_t i = 0; i < r->lsi_count; i++) {
            const raw_index_t *ix = &r->lsi[i];
            if ((e = check_keys_defined(a, r, defined, &ix->keys))) return e;
            if ((e = check_key_order(a, &ix->keys))) return e;
            if (ix->keys.count != 2)
                return err_lsi_without_range(a, ix->name);
            if (strcmp(ix->keys.items[0].name, r->keys.items[0].name) != 0)
                return err_lsi_hash_key(a, ix->name, ix->keys.items[0].name,
                                        r->keys.items[0].name);
            if ((e = check_projection(a, ix))) return e;
            if (ix->throughput.present)
                return err_lsi_throughput(a, ix->name);
            if (!wire_names_add(index_names, ix->name, strlen(ix->name)))
                return err_index_name_duplicate(a, ix->name);
        }
        if (r->lsi_count > MAX_LSI)
            return err_index_count(a, false, MAX_LSI);
    }
    if (r->gsi_present) {
        if (r->gsi_count == 0)
            return err_index_list_empty(a, "GlobalSecondaryIndexes");
        for (size_t i = 0; i < r->gsi_count; i++) {
            const raw_index_t *ix = &r->gsi[i];
            if ((e = check_keys_defined(a, r, defined, &ix->keys))) return e;
            if ((e = check_key_order(a, &ix->keys))) return e;
            if ((e = check_projection(a, ix))) return e;
            if (on_demand && ix->throughput.present)
                return err_gsi_throughput_on_demand(a, ix->name);
            if (!on_demand && !ix->throughput.present)
                return err_index_throughput_not_specified(a, ix->name);
            if (!wire_names_add(index_names, ix->name, strlen(ix->name)))
                return err_index_name_duplicate(a, ix->name);
        }
        if (r->gsi_count > MAX_GSI)
            return err_index_count(a, true, MAX_GSI);
    }
    /* Every attribute definition must be used by a key of the table or an index. */
    if (!r->lsi_present && !r->gsi_present) {
        if (r->keys.count != r->attrs.count)
            return err_attribute_count_mismatch(a);
    } else {
        buf_t used;
        buf_init(&used);
        size_t used_count = 0;
        bool unused = false;
        const char **seen = arena_alloc(a, (r->attrs.count + 1) * sizeof(char *));
        const raw_list_t *lists[1 + MAX_LSI + MAX_GSI + 64];
        size_t nl = 0;
        lists[nl++] = &r->keys;
        for (size_t i = 0; i < r->lsi_count && nl < sizeof lists / sizeof *lists; i++)
            lists[nl++] = &r->lsi[i].keys;
        for (size_t i = 0; i < r->gsi_count && nl < sizeof lists / sizeof *lists; i++)
            lists[nl++] = &r->gsi[i].keys;
        for (size_t l = 0; l < nl; l++)
            for (size_t i = 0; i < lists[l]->count; i++) {
                const char *n = lists[l]->items[i].name;
                bool dup = false;
                for (size_t k = 0; k < used_count && !dup; k++) dup = strcmp(seen[k], n) == 0;
                if (dup || used_count >= r->attrs.count) continue;
                seen[used_count++] = n;
            }
        unused = used_count != r->attrs.count;
        if (unused) {
            buf_putc(&used, '[');
            for (size_t k = 0; k < used_count; k++) {
                if (k) buf_append_str(&used, ", ");
                buf_append_str(&used, seen[k]);
            }
            buf_putc(&used, ']');
            e = err_attributes_unused(a, names_text(a, &r->attrs),
                                      arena_strndup(a, used.data, used.len));
        }
        buf_free(&used);
        if (e) return e;
    }
    if (r->stream_present && !stored) {
        if (r->stream_enabled && !r->stream_view_type) return err_stream_view_type(a, true, true);
        if (!r->stream_enabled && r->stream_view_type) return err_stream_view_type(a, true, false);
    }
    return check_tags(a, &r->tags);
}

/* --- UpdateTable's index definitions ------------------------------------------------ */
ddb_error_t *catalog_read_throughput(arena_t *a, const json_value_t *obj, const char *path,
                                     constraint_list_t *cl, catalog_throughput_t *out)
{
    ddb_error_t *e = read_throughput(a, obj, out);
    if (!e) check_throughput(cl, out, path);
    return e;
}


ddb_error_t *catalog_check_attribute_definitions(arena_t *a, const json_value_t *req,
                                                 constraint_list_t *cl)
{
    raw_list_t attrs;
    ddb_error_t *e = read_pairs(a, req, "AttributeDefinitions", "AttributeName", "AttributeType",
                                &attrs);
    if (!e) check_attribute_definitions(cl, &attrs);
    return e;
}

ddb_error_t *catalog_check_index_spec(arena_t *a, const json_value_t *spec, const char *path,
                                      constraint_list_t *cl)
{
    raw_index_t ix;
    ddb_error_t *e = read_index(a, spec, &ix);
    if (!e) check_index(cl, a, &ix, path);
    return e;
}

static const char *key_type_of(const key_schema_t *k, const char *name)
{
    if (k->hash && strcmp(k->hash, name) == 0) return "HASH";
    if (k->range && strcmp(k->range, name) == 0) return "RANGE";
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
                used = key_type_of(&t->indexes[x].keys, name);
            return err_attribute_redefined(a, schema_text(a, name, had, used ? used : "HASH"),
                                           schema_text(a, name, type, ix->keys.items[k].type));
        }
    }
    return NULL;
}

ddb_error_t *catalog_check_index_create(arena_t *a, const table_t *t, const json_value_t *req,
                                        const json_value_t *spec, bool on_demand)
{
    raw_index_t ix;
    raw_table_t r;
    memset(&r, 0, sizeof r);
    ddb_error_t *e = read_index(a, spec, &ix);
    if (!e) e = read_pairs(a, req, "AttributeDefinitions", "AttributeName", "AttributeType",
                           &r.attrs);
    if (e) return e;
    if (!r.attrs.present) return err_index_attributes_not_specified(a, ix.name);
    wire_names_t *defined = wire_names_new(a, r.attrs.count);
    for (size_t i = 0; i < r.attrs.count; i++)
        wire_names_add(defined, r.attrs.items[i].name, strlen(r.attrs.items[i].name));
    if ((e = check_keys_defined(a, &r, defined, &ix.keys))) return e;
    if ((e = check_key_order(a, &ix.keys))) return e;
    if ((e = check_redefinition(a, t, &ix, &r))) return e;
    if ((e = check_projection(a, &ix))) return e;
    if (on_demand && ix.throughput.present) return err_index_throughput_on_demand(a, ix.name);
    if (!on_demand && !ix.throughput.present) return err_index_throughput_both(a, ix.name);
    return NULL;
}

/* --- building the table ------------------------------------------------------------ */

static const char *dup_str(arena_t *a, const char *s) { return s ? arena_strndup(a, s, strlen(s)) : NULL; }

static value_type_t attr_type_of(const raw_table_t *r, const char *name)
{
    for (size_t i = 0; i < r->attrs.count; i++)
        if (strcmp(r->attrs.items[i].name, name) == 0)
            return r->attrs.items[i].type[0] == 'S' ? VALUE_S : r->attrs.items[i].type[0] == 'N' ? VALUE_N : VALUE_B;
    return VALUE_S;
}

static void copy_index(arena_t *a, const raw_table_t *r, const raw_index_t *ix, bool global,
                       index_def_t *out)
{
    out->name = dup_str(a, ix->name);
    out->global = global;
    out->keys.hash = dup_str(a, ix->keys.items[0].name);
    out->keys.range = ix->keys.count > 1 ? dup_str(a, ix->keys.items[1].name) : NULL;
    out->hash_type = attr_type_of(r, out->keys.hash);
    out->range_type = out->keys.range ? attr_type_of(r, out->keys.range) : VALUE_S;
    out->projection = strcmp(ix->projection_type, "ALL") == 0        ? PROJECTION_ALL
                      : strcmp(ix->projection_type, "KEYS_ONLY") == 0 ? PROJECTION_KEYS_ONLY
                                                                      : PROJECTION_INCLUDE;
    out->non_key_count = ix->non_key.count;
    out->non_key = arena_alloc(a, (ix->non_key.count + 1) * sizeof(char *));
    for (size_t i = 0; i < ix->non_key.count; i++) out->non_key[i] = dup_str(a, ix->non_key.items[i].name);
    out->rcu = ix->throughput.rcu;
    out->wcu = ix->throughput.wcu;
    out->status = ix->status && strcmp(ix->status, "CREATING") == 0 ? INDEX_CREATING : INDEX_ACTIVE;
}

static void new_uuid(arena_t *a, const char **out)
{
    uint8_t r[16];
    if (getrandom(r, sizeof r, 0) != sizeof r)
        for (size_t i = 0; i < sizeof r; i++) r[i] = (uint8_t)rand();
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
    if (wire_string(a, def, "ResourcePolicy", &s, NULL, &e)) pol->table = dup_str(ta, s);
    if (wire_string(a, def, "ResourcePolicyRevision", &s, NULL, &e))
        pol->table_revision = dup_str(ta, s);
    const json_value_t *sp = wire_member(def, "StreamPolicy");
    if (!sp || sp->type != JSON_OBJECT) return;
    if (wire_string(a, sp, "Label", &s, NULL, &e)) pol->stream_label = dup_str(ta, s);
    if (wire_string(a, sp, "Policy", &s, NULL, &e)) pol->stream = dup_str(ta, s);
    if (wire_string(a, sp, "Revision", &s, NULL, &e)) pol->stream_revision = dup_str(ta, s);
}

ddb_error_t *catalog_table_parse(arena_t *a, const json_value_t *req, bool stored, table_t **out)
{
    raw_table_t r;
    ddb_error_t *e = read_raw(a, req, &r);
    if (e) return e;
    if ((e = validate_raw(a, &r, stored))) return e;

    arena_t *ta = arena_new(4096);
    table_t *t = arena_calloc(ta, sizeof *t);
    t->arena = ta;
    t->name = dup_str(ta, r.table_name);
    t->attr_count = r.attrs.count;
    t->attrs = arena_alloc(ta, r.attrs.count * sizeof(attr_def_t));
    for (size_t i = 0; i < r.attrs.count; i++) {
        t->attrs[i].name = dup_str(ta, r.attrs.items[i].name);
        t->attrs[i].type = attr_type_of(&r, r.attrs.items[i].name);
    }
    t->keys.hash = dup_str(ta, r.keys.items[0].name);
    t->hash_type = attr_type_of(&r, t->keys.hash);
    if (r.keys.count > 1) {
        t->keys.range = dup_str(ta, r.keys.items[1].name);
        t->range_type = attr_type_of(&r, t->keys.range);
    }
    t->pay_per_request = r.billing_mode && strcmp(r.billing_mode, "PAY_PER_REQUEST") == 0;
    t->rcu = r.throughput.rcu;
    t->wcu = r.throughput.wcu;
    t->index_count = r.lsi_count + r.gsi_count;
    t->indexes = arena_calloc(ta, (t->index_count + 1) * sizeof(index_def_t));
    for (size_t i = 0; i < r.lsi_count; i++) copy_index(ta, &r, &r.lsi[i], false, &t->indexes[i]);
    for (size_t i = 0; i < r.gsi_count; i++)
        copy_index(ta, &r, &r.gsi[i], true, &t->indexes[r.lsi_count + i]);
    t->stream_enabled = r.stream_present && r.stream_enabled;
    t->stream_view_type = t->stream_enabled ? dup_str(ta, r.stream_view_type) : NULL;
    t->sse_enabled = r.sse_present && r.sse_enabled;
    t->sse_type = t->sse_enabled ? dup_str(ta, r.sse_type ? r.sse_type : "KMS") : NULL;
    t->kms_key = t->sse_enabled ? dup_str(ta, r.kms_key) : NULL;
    tag_t *tags = arena_alloc(a, (r.tags.count + 1) * sizeof *tags);
    for (size_t i = 0; i < r.tags.count; i++) {
        tags[i].key = r.tags.items[i].name;
        tags[i].value = r.tags.items[i].type;
    }
    t->tags = tags_merge(ta, NULL, tags, r.tags.count, NULL, 0);
    table_policies_t *pol = arena_calloc(ta, sizeof *pol);
    t->policies = pol;
    t->table_class = r.table_class ? dup_str(ta, r.table_class) : NULL;
    t->deletion_protection = r.deletion_protection;
    t->refs = 1;

    if (r.policy && !stored) {
        const char *doc;
        if ((e = policy_normalize(a, r.policy, r.policy_len, false, &doc))) {
            catalog_table_free(t);
            return e;
        }
        pol->table = dup_str(ta, doc);
        pol->table_revision = arena_sprintf(ta, "%lld", (long long)clock_now_ms());
    }
    if (stored) {
        const char *s;
        size_t len;
        read_stored_policies(a, req, pol, ta);
        if (wire_string(a, req, "TableId", &s, &len, &e)) t->id = dup_str(ta, s);
        if (wire_string(a, req, "DbiName", &s, &len, &e) && len < sizeof t->dbi_name)
            memcpy(t->dbi_name, s, len + 1);
        const json_value_t *n;
        if ((n = wire_member(req, "CreationDateTime")) && n->type == JSON_NUMBER)
            t->created = strtod(n->u.str.ptr, NULL);
        if ((n = wire_member(req, "BillingUpdated")) && n->type == JSON_NUMBER)
            t->billing_updated = strtod(n->u.str.ptr, NULL);
        if ((n = wire_member(req, "LastIncrease")) && n->type == JSON_NUMBER)
            t->last_increase = strtod(n->u.str.ptr, NULL);
        if ((n = wire_member(req, "LastDecrease")) && n->type == JSON_NUMBER)
            t->last_decrease = strtod(n->u.str.ptr, NULL);
        if ((n = wire_member(req, "StreamId")) && n->type == JSON_NUMBER)
            t->stream_id = strtoull(n->u.str.ptr, NULL, 10);
        if (wire_string(a, req, "LatestStreamLabel", &s, &len, &e)) t->stream_label = dup_str(ta, s);
        if (wire_string(a, req, "TimeToLiveAttribute", &s, &len, &e))
            t->ttl_attribute = dup_str(ta, s);
        if ((n = wire_member(req, "TimeToLiveChanged")) && n->type == JSON_NUMBER)
            t->ttl_changed = strtod(n->u.str.ptr, NULL);
        wire_bool(a, req, "TimeToLiveFilled", &t->ttl_filled, &e);
        const json_value_t *rs = wire_member(req, "Restore");
        if (rs && rs->type == JSON_OBJECT) {
            t->restoring = true;
            if (wire_string(a, rs, "BackupArn", &s, &len, &e))
                t->restore_backup_arn = dup_str(ta, s);
            if (wire_string(a, rs, "SourceTableArn", &s, &len, &e))
                t->restore_source_arn = dup_str(ta, s);
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

void catalog_table_free(table_t *t)
{
    if (t) arena_free(t->arena);
}

/* --- rendering ------------------------------------------------------------------------ */

static void put_key(buf_t *b, const char *key)
{
    json_write_string(b, key, strlen(key));
    buf_putc(b, ':');
}

static void put_str(buf_t *b, const char *key, const char *value)
{
    put_key(b, key);
    json_write_string(b, value, strlen(value));
}

static void render_key_schema(buf_t *b, const key_schema_t *k)
{
    put_key(b, "KeySchema");
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

static void render_attrs(buf_t *b, const table_t *t)
{
    put_key(b, "AttributeDefinitions");
    buf_putc(b, '[');
    for (size_t i = 0; i < t->attr_count; i++) {
        if (i) buf_putc(b, ',');
        buf_putc(b, '{');
        put_str(b, "AttributeName", t->attrs[i].name);
        buf_putc(b, ',');
        put_str(b, "AttributeType", value_type_name(t->attrs[i].type));
        buf_putc(b, '}');
    }
    buf_putc(b, ']');
}

static const char *projection_name(projection_type_t p)
{
    return p == PROJECTION_ALL ? "ALL" : p == PROJECTION_KEYS_ONLY ? "KEYS_ONLY" : "INCLUDE";
}

static void render_projection(buf_t *b, const index_def_t *ix)
{
    put_key(b, "Projection");
    buf_putc(b, '{');
    put_str(b, "ProjectionType", projection_name(ix->projection));
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
    put_key(b, "Tags");
    buf_putc(b, '[');
    for (size_t i = 0; i < tags->count; i++) {
        if (i) buf_putc(b, ',');
        buf_putc(b, '{');
        put_str(b, "Key", tags->items[i].key);
        buf_putc(b, ',');
        put_str(b, "Value", tags->items[i].value);
        buf_putc(b, '}');
    }
    buf_putc(b, ']');
}

static void render_policies(buf_t *b, const table_t *t)
{
    const table_policies_t *pol = atomic_load(&t->policies);
    if (pol->table) {
        buf_putc(b, ',');
        put_str(b, "ResourcePolicy", pol->table);
        buf_putc(b, ',');
        put_str(b, "ResourcePolicyRevision", pol->table_revision);
    }
    if (pol->stream) {
        buf_append_str(b, ",\"StreamPolicy\":{");
        put_str(b, "Label", pol->stream_label);
        buf_putc(b, ',');
        put_str(b, "Policy", pol->stream);
        buf_putc(b, ',');
        put_str(b, "Revision", pol->stream_revision);
        buf_putc(b, '}');
    }
}

void catalog_table_render_definition(buf_t *b, const table_t *t)
{
    buf_putc(b, '{');
    put_str(b, "TableName", t->name);
    buf_putc(b, ',');
    put_str(b, "TableId", t->id);
    buf_putc(b, ',');
    put_str(b, "DbiName", t->dbi_name);
    buf_printf(b, ",\"CreationDateTime\":%.3f,\"BillingUpdated\":%.3f", t->created,
               t->billing_updated);
    buf_printf(b, ",\"LastIncrease\":%.3f,\"LastDecrease\":%.3f,", t->last_increase,
               t->last_decrease);
    render_attrs(b, t);
    buf_putc(b, ',');
    render_key_schema(b, &t->keys);
    buf_putc(b, ',');
    put_str(b, "BillingMode", t->pay_per_request ? "PAY_PER_REQUEST" : "PROVISIONED");
    if (!t->pay_per_request)
        buf_printf(b, ",\"ProvisionedThroughput\":{\"ReadCapacityUnits\":%lld,"
                      "\"WriteCapacityUnits\":%lld}",
                   (long long)t->rcu, (long long)t->wcu);
    for (int global = 0; global < 2; global++) {
        bool any = false;
        for (size_t i = 0; i < t->index_count; i++) {
            const index_def_t *ix = &t->indexes[i];
            if (ix->global != global) continue;
            buf_append_str(b, any ? ",{" : global ? ",\"GlobalSecondaryIndexes\":[{"
                                                  : ",\"LocalSecondaryIndexes\":[{");
            any = true;
            put_str(b, "IndexName", ix->name);
            buf_putc(b, ',');
            render_key_schema(b, &ix->keys);
            buf_putc(b, ',');
            render_projection(b, ix);
            if (global && !t->pay_per_request)
                buf_printf(b, ",\"ProvisionedThroughput\":{\"ReadCapacityUnits\":%lld,"
                              "\"WriteCapacityUnits\":%lld}",
                           (long long)ix->rcu, (long long)ix->wcu);
            if (ix->status == INDEX_CREATING) buf_append_str(b, ",\"IndexStatus\":\"CREATING\"");
            buf_putc(b, '}');
        }
        if (any) buf_putc(b, ']');
    }
    if (t->stream_enabled) {
        buf_append_str(b, ",\"StreamSpecification\":{\"StreamEnabled\":true,");
        put_str(b, "StreamViewType", t->stream_view_type);
        buf_putc(b, '}');
    }
    if (t->sse_enabled) {
        buf_append_str(b, ",\"SSESpecification\":{\"Enabled\":true,");
        put_str(b, "SSEType", t->sse_type);
        if (t->kms_key) {
            buf_putc(b, ',');
            put_str(b, "KMSMasterKeyId", t->kms_key);
        }
        buf_putc(b, '}');
    }
    if (t->table_class) {
        buf_putc(b, ',');
        put_str(b, "TableClass", t->table_class);
    }
    if (t->deletion_protection) buf_append_str(b, ",\"DeletionProtectionEnabled\":true");
    if (t->stream_id) buf_printf(b, ",\"StreamId\":%llu", (unsigned long long)t->stream_id);
    if (t->stream_label) {
        buf_putc(b, ',');
        put_str(b, "LatestStreamLabel", t->stream_label);
    }
    if (t->ttl_attribute) {
        buf_putc(b, ',');
        put_str(b, "TimeToLiveAttribute", t->ttl_attribute);
    }
    if (t->ttl_changed) buf_printf(b, ",\"TimeToLiveChanged\":%.3f", t->ttl_changed);
    if (t->ttl_filled) buf_append_str(b, ",\"TimeToLiveFilled\":true");
    if (t->restoring) {
        buf_append_str(b, ",\"Restore\":{");
        put_str(b, "BackupArn", t->restore_backup_arn);
        buf_putc(b, ',');
        put_str(b, "SourceTableArn", t->restore_source_arn);
        buf_printf(b, ",\"Time\":%.3f,\"Offset\":%llu", t->restore_time,
                   (unsigned long long)t->restore_offset);
        if (t->restore_log)
            buf_printf(b, ",\"Log\":%llu,\"LogNext\":%llu,\"Until\":%lld",
                       (unsigned long long)t->restore_log,
                       (unsigned long long)t->restore_log_next, (long long)t->restore_until_ms);
        buf_putc(b, '}');
    }
    if (t->pitr_log)
        buf_printf(b, ",\"Pitr\":{\"Enabled\":%s,\"Days\":%d,\"Since\":%lld,\"Log\":%llu}",
                   t->pitr_enabled ? "true" : "false", t->pitr_days, (long long)t->pitr_since_ms,
                   (unsigned long long)t->pitr_log);
    buf_putc(b, ',');
    render_tags(b, t);
    render_policies(b, t);
    buf_putc(b, '}');
}

int catalog_table_store(MDB_txn *txn, const table_t *t)
{
    buf_t def;
    buf_init(&def);
    catalog_table_render_definition(&def, t);
    MDB_val key = {strlen(t->name), (void *)t->name}, val = {def.len, def.data};
    int rc = mdb_put(txn, storage_catalog_dbi(), &key, &val, 0);
    buf_free(&def);
    return rc;
}

void catalog_table_adopt(table_t *copy, const table_t *from)
{
    /* the table-level settings of the newest version: changes made to it
     * after copy was built are not lost */
    copy->pay_per_request = from->pay_per_request;
    copy->rcu = from->rcu;
    copy->wcu = from->wcu;
    copy->billing_updated = from->billing_updated;
    copy->last_increase = from->last_increase;
    copy->last_decrease = from->last_decrease;
    copy->stream_enabled = from->stream_enabled;
    copy->stream_view_type = dup_str(copy->arena, from->stream_view_type);
    copy->stream_id = from->stream_id;
    copy->stream_label = dup_str(copy->arena, from->stream_label);
    copy->deletion_protection = from->deletion_protection;
    copy->table_class = dup_str(copy->arena, from->table_class);
    copy->dbi = from->dbi;
    copy->collections_dbi = from->collections_dbi;
    /* The TTL setting changes in place (UpdateTimeToLive): a definition
     * prepared before the latest change must not undo it. */
    copy->ttl_attribute = from->ttl_attribute ? arena_strndup(copy->arena, from->ttl_attribute,
                                                              strlen(from->ttl_attribute))
                                              : NULL;
    copy->ttl_changed = from->ttl_changed;
    copy->ttl_filled = from->ttl_filled;
    copy->ttl_dbi = from->ttl_dbi;
    /* so does point-in-time recovery (UpdateContinuousBackups) */
    copy->pitr_enabled = from->pitr_enabled;
    copy->pitr_days = from->pitr_days;
    copy->pitr_since_ms = from->pitr_since_ms;
    copy->pitr_log = from->pitr_log;
    /* tags and policies change in place too */
    copy->tags = tags_merge(copy->arena, atomic_load(&from->tags), NULL, 0, NULL, 0);
    copy->policies = catalog_policies_copy(copy->arena, atomic_load(&from->policies));
    for (size_t i = 0; i < copy->index_count; i++) {
        const index_def_t *same = catalog_table_index(from, copy->indexes[i].name,
                                                      strlen(copy->indexes[i].name));
        if (same) {
            copy->indexes[i].dbi = same->dbi;
            copy->indexes[i].status = same->status;
        } else {
            copy->indexes[i].status = INDEX_CREATING;
        }
    }
    copy->decreases_today = from->decreases_today;
}

table_policies_t *catalog_policies_copy(arena_t *a, const table_policies_t *p)
{
    table_policies_t *c = arena_calloc(a, sizeof *c);
    c->table = dup_str(a, p->table);
    c->table_revision = dup_str(a, p->table_revision);
    c->stream_label = dup_str(a, p->stream_label);
    c->stream = dup_str(a, p->stream);
    c->stream_revision = dup_str(a, p->stream_revision);
    return c;
}

table_t *catalog_table_clone(const table_t *t)
{
    arena_t *a = arena_new(0);
    buf_t def;
    buf_init(&def);
    catalog_table_render_definition(&def, t);
    json_value_t *j;
    table_t *copy = NULL;
    if (json_parse(a, def.data, def.len, &j, NULL) == JSON_OK &&
        catalog_table_parse(a, j, true, &copy) == NULL) {
        catalog_table_adopt(copy, t);
    }
    buf_free(&def);
    arena_free(a);
    if (!copy) abort(); /* a definition we wrote always reads back */
    return copy;
}

int catalog_table_open_dbis(MDB_txn *txn, table_t *t)
{
    int rc = mdb_dbi_open(txn, t->dbi_name, MDB_CREATE, &t->dbi);
    if (!rc && t->has_collections)
        rc = mdb_dbi_open(txn, t->collections_dbi_name, MDB_CREATE, &t->collections_dbi);
    if (!rc && t->ttl_attribute) rc = mdb_dbi_open(txn, t->ttl_dbi_name, MDB_CREATE, &t->ttl_dbi);
    for (size_t i = 0; !rc && i < t->index_count; i++)
        rc = mdb_dbi_open(txn, t->indexes[i].dbi_name, MDB_CREATE, &t->indexes[i].dbi);
    return rc;
}

int catalog_table_drop_dbis(MDB_txn *txn, table_t *t)
{
    int rc = mdb_drop(txn, t->dbi, 1);
    if (!rc && t->has_collections) rc = mdb_drop(txn, t->collections_dbi, 1);
    if (!rc && t->ttl_attribute) rc = mdb_drop(txn, t->ttl_dbi, 1);
    for (size_t i = 0; !rc && i < t->index_count; i++) rc = mdb_drop(txn, t->indexes[i].dbi, 1);
    return rc;
}

const index_def_t *catalog_table_index(const table_t *t, const char *name, size_t len)
{
    for (size_t i = 0; i < t->index_count; i++)
        if (strlen(t->indexes[i].name) == len && memcmp(t->indexes[i].name, name, len) == 0)
            return &t->indexes[i];
    return NULL;
}

void catalog_stream_arn(buf_t *b, const char *table, const char *label)
{
    buf_printf(b, "arn:aws:dynamodb:%s:%s:table/%s/stream/%s", catalog_region(), CATALOG_ACCOUNT,
               table, label);
}

void catalog_table_arn(const table_t *t, buf_t *b)
{
    buf_printf(b, "arn:aws:dynamodb:%s:%s:table/%s", catalog_region(), CATALOG_ACCOUNT, t->name);
}

static void render_throughput(buf_t *b, const table_t *t, int64_t rcu, int64_t wcu)
{
    buf_append_str(b, "\"ProvisionedThroughput\":{");
    if (t->last_increase) buf_printf(b, "\"LastIncreaseDateTime\":%.3f,", t->last_increase);
    if (t->last_decrease) buf_printf(b, "\"LastDecreaseDateTime\":%.3f,", t->last_decrease);
    buf_printf(b, "\"NumberOfDecreasesToday\":%d,\"ReadCapacityUnits\":%lld,"
                  "\"WriteCapacityUnits\":%lld}",
               t->decreases_today, (long long)rcu, (long long)wcu);
}

/* ",\"BillingModeSummary\":{...}" once the table is or was on demand. */
static void render_billing_summary(buf_t *b, const table_t *t)
{
    if (!t->pay_per_request && !t->billing_updated) return;
    buf_printf(b, ",\"BillingModeSummary\":{\"BillingMode\":\"%s\"",
               t->pay_per_request ? "PAY_PER_REQUEST" : "PROVISIONED");
    buf_printf(b, ",\"LastUpdateToPayPerRequestDateTime\":%.3f}",
               t->billing_updated ? t->billing_updated : t->created);
}

/* The stream, SSE, table class and deletion protection members. */
static void render_settings(buf_t *b, const table_t *t)
{
    if (t->stream_enabled) {
        buf_append_str(b, ",\"StreamSpecification\":{\"StreamEnabled\":true,");
        put_str(b, "StreamViewType", t->stream_view_type);
        buf_putc(b, '}');
    }
    if (t->stream_label) {
        buf_append_str(b, ",\"LatestStreamLabel\":");
        json_write_string(b, t->stream_label, strlen(t->stream_label));
        buf_append_str(b, ",\"LatestStreamArn\":\"");
        catalog_stream_arn(b, t->name, t->stream_label);
        buf_putc(b, '"');
    }
    if (t->sse_enabled) {
        buf_append_str(b, ",\"SSEDescription\":{\"Status\":\"ENABLED\",");
        put_str(b, "SSEType", t->sse_type);
        if (strcmp(t->sse_type, "KMS") == 0) {
            buf_printf(b, ",\"KMSMasterKeyArn\":\"arn:aws:kms:%s:%s:key/%s\"", catalog_region(),
                       CATALOG_ACCOUNT, t->kms_key ? t->kms_key : t->id);
        }
        buf_putc(b, '}');
    }
    if (t->table_class) {
        buf_append_str(b, ",\"TableClassSummary\":{");
        put_str(b, "TableClass", t->table_class);
        buf_putc(b, '}');
    }
    buf_printf(b, ",\"DeletionProtectionEnabled\":%s", t->deletion_protection ? "true" : "false");
}

int catalog_table_read_stats(MDB_txn *txn, arena_t *a, const table_t *t, catalog_stats_t *out)
{
    out->indexes = arena_calloc(a, (t->index_count + 1) * sizeof *out->indexes);
    int rc = stats_get(txn, t->dbi_name, &out->table);
    for (size_t i = 0; !rc && i < t->index_count; i++)
        rc = stats_get(txn, t->indexes[i].dbi_name, &out->indexes[i]);
    return rc;
}

int catalog_table_forget_stats(MDB_txn *txn, const table_t *t)
{
    int rc = stats_remove(txn, t->dbi_name);
    for (size_t i = 0; !rc && i < t->index_count; i++)
        rc = stats_remove(txn, t->indexes[i].dbi_name);
    return rc;
}

/* TableSizeBytes, ItemCount, TableArn and TableId, after a comma. */
static void render_identity(buf_t *b, const table_t *t, const catalog_stats_t *stats)
{
    stats_t none = {0, 0};
    const stats_t *s = stats ? &stats->table : &none;
    buf_printf(b, ",\"TableSizeBytes\":%llu,\"ItemCount\":%llu,\"TableArn\":\"",
               (unsigned long long)s->bytes, (unsigned long long)s->items);
    catalog_table_arn(t, b);
    buf_append_str(b, "\",");
    put_str(b, "TableId", t->id);
}

void catalog_table_render_description(buf_t *b, const table_t *t, const char *status,
                                      const catalog_stats_t *stats)
{
    buf_putc(b, '{');
    render_attrs(b, t);
    buf_putc(b, ',');
    put_str(b, "TableName", t->name);
    buf_putc(b, ',');
    render_key_schema(b, &t->keys);
    buf_putc(b, ',');
    put_str(b, "TableStatus", status);
    buf_printf(b, ",\"CreationDateTime\":%.3f,", t->created);
    render_throughput(b, t, t->pay_per_request ? 0 : t->rcu, t->pay_per_request ? 0 : t->wcu);
    render_identity(b, t, stats);
    render_billing_summary(b, t);
    for (int global = 0; global < 2; global++) {
        bool any = false;
        for (size_t i = 0; i < t->index_count; i++) {
            const index_def_t *ix = &t->indexes[i];
            if (ix->global != global) continue;
            buf_append_str(b, any ? ",{" : global ? ",\"GlobalSecondaryIndexes\":[{"
                                                  : ",\"LocalSecondaryIndexes\":[{");
            any = true;
            put_str(b, "IndexName", ix->name);
            buf_putc(b, ',');
            render_key_schema(b, &ix->keys);
            buf_putc(b, ',');
            render_projection(b, ix);
            if (global) {
                static const char *const statuses[] = {"ACTIVE", "CREATING", "DELETING"};
                buf_printf(b, ",\"IndexStatus\":\"%s\",", statuses[ix->status]);
                if (ix->status == INDEX_CREATING) buf_append_str(b, "\"Backfilling\":true,");
                render_throughput(b, t, t->pay_per_request ? 0 : ix->rcu,
                                  t->pay_per_request ? 0 : ix->wcu);
            }
            const stats_t *is = stats && stats->indexes ? &stats->indexes[i] : NULL;
            buf_printf(b, ",\"IndexSizeBytes\":%llu,\"ItemCount\":%llu,\"IndexArn\":\"",
                       is ? (unsigned long long)is->bytes : 0ULL,
                       is ? (unsigned long long)is->items : 0ULL);
            catalog_table_arn(t, b);
            buf_append_str(b, "/index/");
            buf_append_str(b, ix->name);
            buf_append_str(b, "\"}");
        }
        if (any) buf_putc(b, ']');
    }
    render_settings(b, t);
    if (t->restoring) {
        buf_append_str(b, ",\"RestoreSummary\":{");
        if (!t->restore_log) { /* a point-in-time restore's base is internal */
            put_str(b, "SourceBackupArn", t->restore_backup_arn);
            buf_putc(b, ',');
        }
        put_str(b, "SourceTableArn", t->restore_source_arn);
        buf_printf(b, ",\"RestoreDateTime\":%.3f,\"RestoreInProgress\":true}", t->restore_time);
    }
    buf_putc(b, '}');
}

void catalog_table_render_backup_source(buf_t *b, const table_t *t, const stats_t *s)
{
    buf_append_str(b, "\"SourceTableDetails\":{");
    put_str(b, "TableName", t->name);
    buf_putc(b, ',');
    put_str(b, "TableId", t->id);
    buf_append_str(b, ",\"TableArn\":\"");
    catalog_table_arn(t, b);
    buf_printf(b, "\",\"TableSizeBytes\":%llu,", (unsigned long long)s->bytes);
    render_key_schema(b, &t->keys);
    buf_printf(b, ",\"TableCreationDateTime\":%.3f,", t->created);
    buf_printf(b, "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":%lld,\"WriteCapacityUnits\":%lld}",
               (long long)(t->pay_per_request ? 0 : t->rcu),
               (long long)(t->pay_per_request ? 0 : t->wcu));
    buf_printf(b, ",\"ItemCount\":%llu,", (unsigned long long)s->items);
    put_str(b, "BillingMode", t->pay_per_request ? "PAY_PER_REQUEST" : "PROVISIONED");
    buf_append_str(b, "},\"SourceTableFeatureDetails\":{");
    bool first = true;
    for (int global = 0; global < 2; global++) {
        bool any = false;
        for (size_t i = 0; i < t->index_count; i++) {
            const index_def_t *ix = &t->indexes[i];
            if (ix->global != global) continue;
            if (!any) buf_append_str(b, first ? "" : ",");
            buf_append_str(b, any ? ",{" : global ? "\"GlobalSecondaryIndexes\":[{"
                                                  : "\"LocalSecondaryIndexes\":[{");
            any = true;
            first = false;
            put_str(b, "IndexName", ix->name);
            buf_putc(b, ',');
            render_key_schema(b, &ix->keys);
            buf_putc(b, ',');
            render_projection(b, ix);
            if (global)
                buf_printf(b, ",\"ProvisionedThroughput\":{\"ReadCapacityUnits\":%lld,"
                              "\"WriteCapacityUnits\":%lld}",
                           (long long)(t->pay_per_request ? 0 : ix->rcu),
                           (long long)(t->pay_per_request ? 0 : ix->wcu));
            buf_putc(b, '}');
        }
        if (any) buf_putc(b, ']');
    }
    if (t->stream_enabled) {
        buf_append_str(b, first ? "" : ",");
        buf_append_str(b, "\"StreamDescription\":{\"StreamEnabled\":true,");
        put_str(b, "StreamViewType", t->stream_view_type);
        buf_putc(b, '}');
        first = false;
    }
    buf_append_str(b, first ? "" : ",");
    buf_append_str(b, "\"TimeToLiveDescription\":{");
    if (t->ttl_attribute) {
        buf_append_str(b, "\"TimeToLiveStatus\":\"ENABLED\",");
        put_str(b, "AttributeName", t->ttl_attribute);
    } else {
        buf_append_str(b, "\"TimeToLiveStatus\":\"DISABLED\"");
    }
    buf_putc(b, '}');
    if (t->sse_enabled) {
        buf_append_str(b, ",\"SSEDescription\":{\"Status\":\"ENABLED\",");
        put_str(b, "SSEType", t->sse_type);
        buf_putc(b, '}');
    }
    buf_append_str(b, "}");
}

void catalog_table_render_deleting(buf_t *b, const table_t *t, const catalog_stats_t *stats)
{
    buf_putc(b, '{');
    put_str(b, "TableName", t->name);
    buf_append_str(b, ",\"TableStatus\":\"DELETING\",");
    render_throughput(b, t, t->pay_per_request ? 0 : t->rcu, t->pay_per_request ? 0 : t->wcu);
    render_identity(b, t, stats);
    render_billing_summary(b, t);
    render_settings(b, t);
    buf_putc(b, '}');
}

/* --- registry ------------------------------------------------------------------------- */

static struct {
    pthread_rwlock_t lock;
    table_t **tables; /* sorted by name */
    size_t count, cap;
    const char *region;
} reg = {.lock = PTHREAD_RWLOCK_INITIALIZER};

void catalog_init(const char *region) { reg.region = region; }
const char *catalog_region(void) { return reg.region ? reg.region : "us-east-1"; }

/* Index of the first table whose name is >= name. */
static size_t find_slot(const char *name, size_t len, bool *found)
{
    size_t lo = 0, hi = reg.count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *m = reg.tables[mid]->name;
        size_t mlen = strlen(m);
        int c = memcmp(m, name, mlen < len ? mlen : len);
        if (c == 0) c = mlen < len ? -1 : mlen > len;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    *found = lo < reg.count && strlen(reg.tables[lo]->name) == len &&
             memcmp(reg.tables[lo]->name, name, len) == 0;
    return lo;
}

table_t *catalog_acquire_any(const char *name, size_t len)
{
    pthread_rwlock_rdlock(&reg.lock);
    bool found;
    size_t i = find_slot(name, len, &found);
    table_t *t = found ? reg.tables[i] : NULL;
    if (t) atomic_fetch_add(&t->refs, 1);
    pthread_rwlock_unlock(&reg.lock);
    return t;
}

table_t *catalog_acquire(const char *name, size_t len)
{
    table_t *t = catalog_acquire_any(name, len);
    if (t && t->restoring) {
        catalog_release(t);
        return NULL;
    }
    return t;
}

void catalog_retain(table_t *t) { atomic_fetch_add(&t->refs, 1); }

void catalog_release(table_t *t)
{
    while (t && atomic_fetch_sub(&t->refs, 1) == 1) {
        table_t *next = t->next_version;
        catalog_table_free(t);
        t = next;
    }
}

bool catalog_exists(const char *name)
{
    table_t *t = catalog_acquire_any(name, strlen(name));
    catalog_release(t);
    return t != NULL;
}

void catalog_publish(table_t *t)
{
    atomic_fetch_add(&t->refs, 1); /* the registry's */
    pthread_rwlock_wrlock(&reg.lock);
    bool found;
    size_t i = find_slot(t->name, strlen(t->name), &found);
    if (reg.count == reg.cap) {
        reg.cap = reg.cap ? reg.cap * 2 : 64;
        reg.tables = realloc(reg.tables, reg.cap * sizeof *reg.tables);
        if (!reg.tables) abort();
    }
    memmove(&reg.tables[i + 1], &reg.tables[i], (reg.count - i) * sizeof *reg.tables);
    reg.tables[i] = t;
    reg.count++;
    pthread_rwlock_unlock(&reg.lock);
}

void catalog_unpublish(table_t *t)
{
    pthread_rwlock_wrlock(&reg.lock);
    bool found;
    size_t i = find_slot(t->name, strlen(t->name), &found);
    if (found && reg.tables[i] == t) {
        memmove(&reg.tables[i], &reg.tables[i + 1], (reg.count - i - 1) * sizeof *reg.tables);
        reg.count--;
    }
    pthread_rwlock_unlock(&reg.lock);
    catalog_release(t);
}

size_t catalog_list(arena_t *a, const char *after, size_t limit, const char ***names, bool *more)
{
    pthread_rwlock_rdlock(&reg.lock);
    size_t start = 0;
    if (after) {
        bool found;
        start = find_slot(after, strlen(after), &found);
        if (found) start++;
    }
    size_t n = reg.count - start < limit ? reg.count - start : limit;
    *names = arena_alloc(a, (n + 1) * sizeof(char *));
    for (size_t i = 0; i < n; i++)
        (*names)[i] = arena_strndup(a, reg.tables[start + i]->name, strlen(reg.tables[start + i]->name));
    *more = start + n < reg.count;
    pthread_rwlock_unlock(&reg.lock);
    return n;
}

/* A data directory written before counts were kept: count t and its
 * indexes once, and store the counts. */
static int count_once(MDB_txn *txn, const table_t *t, uint64_t *items_read)
{
    stats_t counted;
    int rc = stats_count(txn, t->dbi, &counted);
    if (!rc) rc = stats_put(txn, t->dbi_name, &counted);
    *items_read += counted.items;
    for (size_t i = 0; !rc && i < t->index_count; i++) {
        rc = stats_count(txn, t->indexes[i].dbi, &counted);
        if (!rc) rc = stats_put(txn, t->indexes[i].dbi_name, &counted);
        *items_read += counted.items;
    }
    return rc;
}

int catalog_load(MDB_txn *txn)
{
    bool uncounted;
    int rc = stats_open(txn, &uncounted);
    if (rc) return rc;
    MDB_cursor *c;
    if ((rc = mdb_cursor_open(txn, storage_catalog_dbi(), &c))) return rc;
    MDB_val k, v;
    arena_t *a = arena_new(0);
    size_t indexes = 0;
    uint64_t items_read = 0;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        arena_reset(a);
        json_value_t *def;
        table_t *t;
        if (json_parse(a, v.mv_data, v.mv_size, &def, NULL) != JSON_OK ||
            catalog_table_parse(a, def, true, &t) != NULL) {
            log_error("catalog: cannot read the definition of %.*s; skipped", (int)k.mv_size,
                      (const char *)k.mv_data);
            continue;
        }
        if ((rc = catalog_table_open_dbis(txn, t)) ||
            (uncounted && (rc = count_once(txn, t, &items_read)))) {
            catalog_release(t);
            break;
        }
        indexes += t->index_count;
        catalog_publish(t);
        catalog_release(t);
    }
    mdb_cursor_close(c);
    arena_free(a);
    if (uncounted && reg.count)
        log_info("catalog: counted the items of a data directory without stored counts, once");
    /* the items read here: 0 but for that one count */
    log_info("catalog: %zu tables, %zu indexes; items read at start-up: %llu", reg.count,
             indexes, (unsigned long long)items_read);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

void catalog_shutdown(void)
{
    pthread_rwlock_wrlock(&reg.lock);
    for (size_t i = 0; i < reg.count; i++) catalog_release(reg.tables[i]);
    free(reg.tables);
    reg.tables = NULL;
    reg.count = reg.cap = 0;
    pthread_rwlock_unlock(&reg.lock);
}

void catalog_replace(table_t *old, table_t *new_version)
{
    pthread_rwlock_wrlock(&reg.lock);
    bool found;
    size_t i = find_slot(old->name, strlen(old->name), &found);
    if (found && reg.tables[i] == old) {
        atomic_fetch_add(&new_version->refs, 1); /* the registry's */
        reg.tables[i] = new_version;
    }
    pthread_rwlock_unlock(&reg.lock);
    atomic_fetch_add(&new_version->refs, 1); /* old->next_version's */
    old->next_version = new_version;
    if (found) catalog_release(old); /* the registry's former reference */
}

table_t *catalog_latest(table_t *t)
{
    while (t->next_version) t = t->next_version;
    return t;
}
