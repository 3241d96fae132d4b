/* ops/tags: TagResource, UntagResource, ListTagsOfResource.
 *
 * Tags belong to a table's definition (catalog.h): a change is an
 * exclusive write that publishes the new set and stores the definition (the
 * old set is put back if the commit fails), so tags survive restarts and go
 * with DeleteTable.  Changes apply at once (the
 * service makes them visible a second or two later; clients poll). */
#include <string.h>

#include "arn.h"
#include "ops/ops.h"
#include "tags.h"
#include "wire.h"

#define RESOURCE_ARN_MAX 1283

/* ResourceArn: a string of 1 to 1283 characters, required. */
static void check_resource_arn(constraint_list_t *cl, const char *arn, size_t len)
{
    if (constraint_required(cl, arn != NULL, "resourceArn"))
        constraint_length(cl, arn, len, 1, RESOURCE_ARN_MAX, "resourceArn");
}

/* The table an ARN of the tag APIs names, with a reference held. */
static ddb_error_t *resolve(arena_t *a, const char *text, table_t **out)
{
    arn_t arn;
    ddb_error_t *e = arn_parse(a, text, &arn);
    if (e) return e;
    if (strcmp(arn.service, "dynamodb") != 0 || arn.kind == ARN_OTHER)
        return err_arn_not_dynamodb(a, text);
    if (arn.kind == ARN_INDEX) return err_arn_not_table_or_stream(a, text);
    if (strcmp(arn.account, CATALOG_ACCOUNT) != 0) return err_access_denied(a);
    if (strcmp(arn.partition, "aws") != 0 || strcmp(arn.region, arn_region()) != 0)
        return err_tag_arn_invalid(a, text);
    /* streams carry no tags of their own */
    if (arn.kind == ARN_STREAM) return err_tag_resource_not_found(a, text);
    *out = catalog_acquire(arn.table, strlen(arn.table));
    return *out ? NULL : err_tag_resource_not_found(a, text);
}

/* --- the change, on the writer ------------------------------------------------------ */

typedef struct {
    storage_write_t w;
    api_call_t *call;
    table_t *table;
    const tag_t *added;
    size_t added_count;
    const char *const *removed;
    size_t removed_count;
    const char *arn;
    ddb_error_t *error; /* found against the current tags */
    bool gone;
    /* The version whose tags apply replaced, and the set they replaced: put
     * back by done if the commit fails. */
    table_t *changed;
    const tag_set_t *previous;
} tag_write_t;

static int tag_write_apply(storage_write_t *w, MDB_txn *txn)
{
    tag_write_t *tw = (tag_write_t *)w;
    table_t *t = catalog_latest(tw->table);
    arena_t *a = tw->call->arena;
    tw->error = NULL;
    tw->changed = NULL;
    if ((tw->gone = t->dropped)) return 0;
    tag_set_t *merged = tags_merge(a, atomic_load(&t->tags), tw->added, tw->added_count,
                                   tw->removed, tw->removed_count);
    if (merged->count > TAGS_MAX) {
        tw->error = err_tags_limit(a);
        return 0;
    }
    tw->changed = t;
    tw->previous = atomic_exchange(&t->tags, tags_merge(t->arena, merged, NULL, 0, NULL, 0));
    return catalog_table_store(txn, t);
}

static void tag_write_done(storage_write_t *w, int status)
{
    tag_write_t *tw = (tag_write_t *)w;
    api_call_t *call = tw->call;
    if (status && tw->changed) atomic_store(&tw->changed->tags, tw->previous);
    if (status) op_reply_error(call, err_internal(call->arena));
    else if (tw->gone) op_reply_error(call, err_tag_resource_not_found(call->arena, tw->arn));
    else if (tw->error) op_reply_error(call, tw->error);
    else {
        buf_append_str(call->out, "{}");
        op_reply_ok(call);
    }
    catalog_release(tw->table);
    op_complete(call);
}

static api_result_t tag_write_submit(api_call_t *call, table_t *t, const char *arn,
                                     const tag_t *added, size_t added_count,
                                     const char *const *removed, size_t removed_count)
{
    tag_write_t *tw = arena_calloc(call->arena, sizeof *tw);
    tw->w.apply = tag_write_apply;
    tw->w.done = tag_write_done;
    tw->w.exclusive = true; /* done() sees no other change of the definition */
    tw->call = call;
    tw->table = t;
    tw->arn = arn;
    tw->added = added;
    tw->added_count = added_count;
    tw->removed = removed;
    tw->removed_count = removed_count;
    storage_submit(&tw->w);
    return API_PENDING;
}

/* --- TagResource ----------------------------------------------------------------------- */

/* Tags: each element a structure of two strings; an absent Key or Value
 * stays NULL (the rules name it "null"). */
static ddb_error_t *read_tags(arena_t *a, const json_value_t *list, tag_t **out)
{
    ddb_error_t *e = NULL;
    size_t n = list->u.array.count;
    tag_t *tags = arena_calloc(a, (n + 1) * sizeof *tags);
    for (size_t i = 0; i < n; i++) {
        const json_value_t *el = list->u.array.items[i];
        if (el->type == JSON_NULL) continue;
        if ((e = wire_check(a, el, WIRE_STRUCT))) return e;
        wire_string(a, el, "Key", &tags[i].key, NULL, &e);
        if (!e) wire_string(a, el, "Value", &tags[i].value, NULL, &e);
        if (e) return e;
    }
    *out = tags;
    return NULL;
}

api_result_t op_tag_resource(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    const char *arn = NULL;
    size_t arn_len = 0;
    tag_t *tags = NULL;
    wire_string(a, req, "ResourceArn", &arn, &arn_len, &e);
    const json_value_t *list = e ? NULL : wire_container(a, req, "Tags", WIRE_LIST, &e);
    if (!e && list) e = read_tags(a, list, &tags);
    if (e) return op_reply_error(call, e);
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    check_resource_arn(&cl, arn, arn_len);
    constraint_required(&cl, list != NULL, "tags");
    if ((e = constraint_list_finish(&cl))) return op_reply_error(call, e);

    table_t *t = NULL;
    size_t n = list->u.array.count;
    arn_t parsed;
    if ((e = arn_parse(a, arn, &parsed))) return op_reply_error(call, e);
    if (n == 0) return op_reply_error(call, err_tags_empty(a, false));
    if ((e = tags_check_list(a, tags, n))) return op_reply_error(call, e);
    if (n > TAGS_MAX) return op_reply_error(call, err_tags_limit(a));
    if ((e = resolve(a, arn, &t))) return op_reply_error(call, e);
    return tag_write_submit(call, t, arn, tags, n, NULL, 0);
}

/* --- UntagResource ---------------------------------------------------------------------- */

api_result_t op_untag_resource(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    const char *arn = NULL;
    size_t arn_len = 0;
    wire_string(a, req, "ResourceArn", &arn, &arn_len, &e);
    const json_value_t *list = e ? NULL : wire_container(a, req, "TagKeys", WIRE_LIST, &e);
    size_t n = list ? list->u.array.count : 0;
    const char **keys = arena_calloc(a, (n + 1) * sizeof *keys);
    for (size_t i = 0; !e && i < n; i++) {
        const json_value_t *el = list->u.array.items[i];
        if (el->type == JSON_NULL) continue; /* an absent key: "Key: null" below */
        if (!(e = wire_check(a, el, WIRE_STRING))) keys[i] = wire_c_string(a, el, NULL);
    }
    if (e) return op_reply_error(call, e);
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    check_resource_arn(&cl, arn, arn_len);
    constraint_required(&cl, list != NULL, "tagKeys");
    if ((e = constraint_list_finish(&cl))) return op_reply_error(call, e);

    arn_t parsed;
    if ((e = arn_parse(a, arn, &parsed))) return op_reply_error(call, e);
    if (n == 0) return op_reply_error(call, err_tags_empty(a, true));
    /* the tag-count text even though the call removes tags */
    if (n > TAGS_MAX) return op_reply_error(call, err_tags_limit(a));
    for (size_t i = 0; i < n; i++)
        if ((e = tags_check_key(a, keys[i]))) return op_reply_error(call, e);
    table_t *t = NULL;
    if ((e = resolve(a, arn, &t))) return op_reply_error(call, e);
    return tag_write_submit(call, t, arn, NULL, 0, keys, n);
}

/* --- ListTagsOfResource ----------------------------------------------------------------- */

api_result_t op_list_tags_of_resource(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    const char *arn = NULL, *token = NULL;
    size_t arn_len = 0;
    wire_string(a, req, "ResourceArn", &arn, &arn_len, &e);
    if (!e) wire_string(a, req, "NextToken", &token, NULL, &e);
    if (e) return op_reply_error(call, e);
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    check_resource_arn(&cl, arn, arn_len);
    if ((e = constraint_list_finish(&cl))) return op_reply_error(call, e);
    table_t *t = NULL;
    if ((e = resolve(a, arn, &t))) return op_reply_error(call, e);
    /* One page holds every tag a resource can have (TAGS_MAX), so no
     * answer carries a NextToken and a NextToken sent has nothing after
     * it to skip to: the set is answered whole. */
    const tag_set_t *tags = atomic_load(&t->tags);
    buf_append_str(call->out, "{\"Tags\":[");
    for (size_t i = 0; i < tags->count; i++) {
        buf_append_str(call->out, i ? ",{\"Key\":" : "{\"Key\":");
        json_write_string(call->out, tags->items[i].key, strlen(tags->items[i].key));
        buf_append_str(call->out, ",\"Value\":");
        json_write_string(call->out, tags->items[i].value, strlen(tags->items[i].value));
        buf_putc(call->out, '}');
    }
    buf_append_str(call->out, "]}");
    catalog_release(t);
    return op_reply_ok(call);
}
