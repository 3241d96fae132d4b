/* fuzz_partiql: the PartiQL tokenizer and parser under libFuzzer.
 *
 * Input: a statement.  Whatever parses must have a table name, kids where
 * its node kinds promise them, and literals whose JSON (parameters bound to
 * a fixed value) parses when the statement is ASCII (requests carry valid
 * UTF-8, which the JSON reader checked before); every error must be a ValidationException with a
 * message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "partiql.h"

static bool ascii;

static void check_node(arena_t *a, const partiql_node_t *n, size_t nparams)
{
    if (!n) abort();
    static const size_t min_kids[] = {[PQN_CMP] = 2, [PQN_BETWEEN] = 3, [PQN_IN] = 2,
                                      [PQN_AND] = 2, [PQN_OR] = 2,      [PQN_NOT] = 1,
                                      [PQN_IS] = 1,  [PQN_ARITH] = 2};
    if (n->kind < sizeof min_kids / sizeof min_kids[0] && n->nkids < min_kids[n->kind]) abort();
    if (n->kind == PQN_PATH && (n->path.count == 0 || n->path.steps[0].is_index)) abort();
    if (n->kind == PQN_PARAM && n->param >= nparams) abort();
    if (n->kind == PQN_LITERAL && ascii) {
        static const char one[] = "{\"S\":\"p\"}";
        const char *params[64];
        size_t lens[64];
        for (size_t i = 0; i < 64; i++) params[i] = one, lens[i] = sizeof one - 1;
        if (nparams <= 64) {
            buf_t b;
            buf_init(&b);
            if (!partiql_literal_render(&b, n->json, n->json_len, params, lens, nparams)) abort();
            json_value_t *j;
            char *text = arena_strndup(a, b.data, b.len);
            if (json_parse(a, text, b.len, &j, NULL) != JSON_OK) abort();
            buf_free(&b);
        }
    }
    for (size_t i = 0; i < n->nkids; i++) check_node(a, n->kids[i], nparams);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static arena_t *a;
    if (!a) a = arena_new(0);
    arena_reset(a);
    if (size > PARTIQL_MAX_LENGTH) return 0;
    char *text = arena_strndup(a, (const char *)data, size);
    ascii = true;
    for (size_t i = 0; i < size; i++) ascii &= data[i] < 0x80;
    partiql_statement_t *s;
    ddb_error_t *e = partiql_parse(a, text, size, &s);
    if (e) {
        if (e->kind != ERR_VALIDATION || !e->message) abort();
        return 0;
    }
    if (!s->table) abort();
    if (s->where) check_node(a, s->where, s->nparams);
    if (s->item) check_node(a, s->item, s->nparams);
    for (size_t i = 0; i < s->nprojection; i++) check_node(a, s->projection[i], s->nparams);
    for (size_t i = 0; i < s->nactions; i++) {
        check_node(a, s->actions[i].path, s->nparams);
        if (!s->actions[i].remove) check_node(a, s->actions[i].value, s->nparams);
    }
    return 0;
}
