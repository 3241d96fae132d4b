/* fuzz_expr: the expression language under libFuzzer.
 *
 * Input: an expression, then up to three placeholder values separated by
 * newlines (each DynamoDB JSON such as {"N":"1"}; one that does not parse
 * becomes a string).  The expression is parsed as every kind; whatever
 * parses is evaluated against a fixed item holding every type (and against
 * no item), applied as an update, or projected.  Anything the parser
 * accepts must evaluate without crashing, and every error must be a
 * ValidationException with a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

static const char item_json[] =
    "{\"a\":{\"M\":{\"a\":{\"L\":[{\"N\":\"1\"},{\"S\":\"x\"}]},\"b\":{\"S\":\"str\"}}},"
    "\"b\":{\"L\":[{\"S\":\"y\"},{\"M\":{\"a\":{\"N\":\"-2.5\"}}},{\"B\":\"AQID\"}]},"
    "\"n\":{\"N\":\"42\"},\"s\":{\"S\":\"hello\"},\"t\":{\"BOOL\":true},\"z\":{\"NULL\":true},"
    "\"ss\":{\"SS\":[\"a\",\"b\"]},\"ns\":{\"NS\":[\"1\",\"2\"]},\"bs\":{\"BS\":[\"AQ==\"]},"
    "\"c\":{\"N\":\"99999999999999999999999999999999999999\"}}";

static void check_error(const ddb_error_t *e)
{
    if (e && (e->kind != ERR_VALIDATION || !e->message || !e->message[0])) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static arena_t *a;
    if (!a) a = arena_new(0);
    arena_reset(a);
    if (size > 8192) return 0;

    /* split: expression \n value \n value \n value */
    const char *parts[4] = {NULL, NULL, NULL, NULL};
    size_t lens[4] = {0, 0, 0, 0};
    const char *p = (const char *)data, *end = p + size;
    for (int i = 0; i < 4; i++) {
        const char *nl = i < 3 ? memchr(p, '\n', (size_t)(end - p)) : NULL;
        parts[i] = p;
        lens[i] = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (!nl) break;
        p = nl + 1;
    }

    /* placeholder values as a JSON object built from the parts */
    buf_t vb;
    buf_init(&vb);
    buf_putc(&vb, '{');
    static const char *const keys[] = {":a", ":b", ":c"};
    for (int i = 0; i < 3; i++) {
        if (i) buf_putc(&vb, ',');
        buf_printf(&vb, "\"%s\":", keys[i]);
        json_value_t *probe;
        const char *v = parts[i + 1];
        if (v && lens[i + 1] && json_parse(a, v, lens[i + 1], &probe, NULL) == JSON_OK &&
            probe->type == JSON_OBJECT) {
            buf_append(&vb, v, lens[i + 1]);
        } else {
            buf_append_str(&vb, "{\"S\":");
            json_write_string(&vb, v ? v : "", v ? lens[i + 1] : 0);
            buf_putc(&vb, '}');
        }
    }
    buf_putc(&vb, '}');
    json_value_t *values = NULL, *names = NULL, *itemj = NULL;
    const char names_json[] = "{\"#a\":\"a\",\"#b\":\"b.c\",\"#n\":\"n\"}";
    int ok = json_parse(a, vb.data, vb.len, &values, NULL) == JSON_OK;
    buf_free(&vb);
    if (!ok) values = NULL;
    if (json_parse(a, names_json, sizeof names_json - 1, &names, NULL) != JSON_OK) abort();
    if (json_parse(a, item_json, sizeof item_json - 1, &itemj, NULL) != JSON_OK) abort();
    value_t item;
    if (value_map_from_json(a, itemj, &item)) abort();

    static const expr_kind_t kinds[] = {EXPR_CONDITION, EXPR_FILTER, EXPR_KEY_CONDITION,
                                        EXPR_PROJECTION, EXPR_UPDATE};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        expr_env_t env;
        ddb_error_t *e = expr_env_init(&env, a, names, values);
        if (e) {
            /* a bad value (its JSON types: SerializationException): carry on
             * without values */
            if (e->kind != ERR_SERIALIZATION) check_error(e);
            if ((e = expr_env_init(&env, a, names, NULL))) abort();
        }
        expr_t *x = NULL;
        e = expr_parse(&env, kinds[k], parts[0], lens[0], &x);
        check_error(e);
        if (e) continue;
        if (!x) abort();
        check_error(expr_env_check_unused(&env));
        const expr_path_t *paths;
        size_t npaths = expr_paths(x, &paths);
        bool r;
        value_t out;
        switch (kinds[k]) {
        case EXPR_PROJECTION:
            expr_project(a, &item, paths, npaths, &out);
            if (out.type != VALUE_M) abort();
            break;
        case EXPR_UPDATE:
            e = expr_update_apply(&env, x, &item, &out);
            check_error(e);
            if (!e) {
                if (out.type != VALUE_M) abort();
                expr_project(a, &out, paths, npaths, &out); /* UPDATED_NEW */
            }
            check_error(expr_update_apply(&env, x, NULL, &out));
            break;
        default:
            if (expr_condition_eval(&env, x, &item, &r)) abort();
            if (expr_condition_eval(&env, x, NULL, &r)) abort();
            break;
        }
    }
    return 0;
}
