/* partiql_parse: recursive descent over partiql_lex's tokens into a
 * partiql_statement_t; see partiql.h.  Grammar (spec/partiql.md §3):
 *
 *   SELECT (* | path {, path}) FROM name[.name] [WHERE cond] [ORDER BY name [ASC|DESC]]
 *   INSERT INTO name VALUE tuple
 *   UPDATE name (SET path = value | REMOVE path)... WHERE cond [RETURNING ...]
 *   DELETE FROM name WHERE cond [RETURNING ALL OLD *]
 *   cond: OR < AND < NOT < predicate (comparison, BETWEEN, IN [...], IS [NOT]
 *         MISSING|NULL|type, function call)
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "json.h"
#include "number.h"
#include "partiql.h"

typedef struct {
    arena_t *a;
    const char *text;
    partiql_token_t *toks;
    size_t pos, count;
    size_t nparams;
    int depth;
    ddb_error_t *error;
} parser_t;

/* Words that name parts of a statement: a bare name spelled like one of
 * them is read as the keyword (quote it to use it as a name).  Grouped by
 * length, each group one string of its words run together: a statement asks
 * about its names many times, and most names match no length or few words. */
/* clang-format off */
static const char *const keywords_by_length[] = {
    [2] = "as" "by" "in" "is" "on" "or",
    [3] = "all" "and" "asc" "new" "not" "old" "pad" "set",
    [4] = "desc" "from" "into" "join" "null" "true",
    [5] = "false" "group" "inner" "limit" "order" "union" "value" "where",
    [6] = "delete" "exists" "having" "insert" "offset" "remove" "select" "update" "values",
    [7] = "between" "missing",
    [8] = "distinct" "modified",
    [9] = "returning",
};
/* clang-format on */

static const partiql_token_t *peek(parser_t *p) { return &p->toks[p->pos]; }
static const partiql_token_t *peek_at(parser_t *p, size_t k)
{
    size_t i = p->pos + k < p->count ? p->pos + k : p->count - 1;
    return &p->toks[i];
}

/* text[0..len) equals the lower-case word, ignoring case (a bare name has
 * only letters, digits, _ and $, so folding with 0x20 cannot make a
 * non-letter equal a letter). */
static inline bool word_equal(const char *text, const char *word, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((text[i] | 0x20) != word[i]) return false;
    return true;
}

static inline bool tok_is_word(const parser_t *p, const partiql_token_t *t, const char *word)
{
    return t->kind == PQT_IDENT && strlen(word) == t->len && word_equal(p->text + t->start, word, t->len);
}

static bool tok_is_keyword(const parser_t *p, const partiql_token_t *t)
{
    size_t n = sizeof keywords_by_length / sizeof keywords_by_length[0];
    if (t->kind != PQT_IDENT || t->len >= n || !keywords_by_length[t->len]) return false;
    for (const char *w = keywords_by_length[t->len]; *w; w += t->len)
        if (word_equal(p->text + t->start, w, t->len)) return true;
    return false;
}

static bool accept_word(parser_t *p, const char *word)
{
    if (!tok_is_word(p, peek(p), word)) return false;
    p->pos++;
    return true;
}

static bool accept(parser_t *p, int kind)
{
    if (peek(p)->kind != kind) return false;
    p->pos++;
    return true;
}

/* Record the first error; returns NULL so callers can `return fail(...)`. */
static void *fail(parser_t *p, ddb_error_t *e)
{
    if (!p->error) p->error = e;
    return NULL;
}

static void *syntax(parser_t *p, partiql_syntax_t what)
{
    return fail(p, err_partiql_syntax(p->a, what));
}

/* The error for a token where something else was expected. */
static void *unexpected(parser_t *p)
{
    const partiql_token_t *t = peek(p);
    if (t->kind == PQT_UNKNOWN || t->kind == PQT_UNTERMINATED) return syntax(p, PQ_SYNTAX_EMPTY);
    if (t->kind == PQT_EOF) return syntax(p, PQ_SYNTAX_UNEXPECTED_TERM);
    if (tok_is_keyword(p, t)) return syntax(p, PQ_SYNTAX_UNEXPECTED_KEYWORD);
    return syntax(p, PQ_SYNTAX_UNEXPECTED_TOKEN);
}

static partiql_node_t *node_new(parser_t *p, partiql_node_kind_t kind, const partiql_token_t *t)
{
    partiql_node_t *n = arena_calloc(p->a, sizeof *n);
    n->kind = (uint8_t)kind;
    n->pos = t->start;
    n->len = t->len;
    return n;
}

static void node_add(parser_t *p, partiql_node_t *n, partiql_node_t *kid)
{
    partiql_node_t **kids = arena_alloc(p->a, (n->nkids + 1) * sizeof *kids);
    if (n->nkids) memcpy(kids, n->kids, n->nkids * sizeof *kids);
    kids[n->nkids++] = kid;
    n->kids = kids;
}

/* The text of a quoted token without its quotes, doubled quotes undone. */
static const char *unquote(parser_t *p, const partiql_token_t *t, size_t *len)
{
    const char *s = p->text + t->start + 1;
    size_t n = t->len - 2, o = 0;
    char *out = arena_alloc(p->a, n + 1);
    for (size_t i = 0; i < n; i++) {
        out[o++] = s[i];
        if (s[i] == p->text[t->start] && i + 1 < n) i++;
    }
    out[o] = 0;
    *len = o;
    return out;
}

/* A name: a bare identifier that is not a keyword, or a quoted one. */
static const char *read_name(parser_t *p, size_t *len)
{
    const partiql_token_t *t = peek(p);
    if (t->kind == PQT_QIDENT) {
        p->pos++;
        return unquote(p, t, len);
    }
    if (t->kind != PQT_IDENT || tok_is_keyword(p, t)) return NULL;
    p->pos++;
    *len = t->len;
    return arena_strndup(p->a, p->text + t->start, t->len);
}

/* --- paths ---------------------------------------------------------------------- */

static void path_push(parser_t *p, expr_path_t *path, expr_path_step_t step)
{
    expr_path_step_t *steps = arena_alloc(p->a, (path->count + 1) * sizeof *steps);
    if (path->count) memcpy(steps, path->steps, path->count * sizeof *steps);
    steps[path->count++] = step;
    path->steps = steps;
}

/* The rest of a path after its first name: .name and [n] steps. */
static partiql_node_t *path_rest(parser_t *p, partiql_node_t *n)
{
    for (;;) {
        if (accept(p, PQT_DOT)) {
            if (peek(p)->kind == PQT_STAR) return fail(p, err_partiql_unpivot_path(p->a));
            size_t len;
            const char *name = read_name(p, &len);
            if (!name) return syntax(p, PQ_SYNTAX_INVALID_PATH_DOT);
            path_push(p, &n->path, (expr_path_step_t){false, 0, name, len});
        } else if (accept(p, PQT_LBRACKET)) {
            const partiql_token_t *t = peek(p);
            if (t->kind == PQT_STAR) return fail(p, err_partiql_wildcard_path(p->a));
            if (t->kind != PQT_NUMBER || memchr(p->text + t->start, '.', t->len) ||
                memchr(p->text + t->start, 'e', t->len) || memchr(p->text + t->start, 'E', t->len))
                return unexpected(p);
            size_t index = 0;
            for (size_t i = 0; i < t->len && index < 100000000; i++)
                index = index * 10 + (size_t)(p->text[t->start + i] - '0');
            p->pos++;
            if (!accept(p, PQT_RBRACKET)) return unexpected(p);
            path_push(p, &n->path, (expr_path_step_t){true, index, NULL, 0});
        } else {
            n->len = peek_at(p, 0)->start - n->pos;
            return n;
        }
    }
}

static partiql_node_t *path(parser_t *p)
{
    const partiql_token_t *t = peek(p);
    size_t len;
    const char *name = read_name(p, &len);
    if (!name) return unexpected(p);
    partiql_node_t *n = node_new(p, PQN_PATH, t);
    path_push(p, &n->path, (expr_path_step_t){false, 0, name, len});
    return path_rest(p, n);
}

/* --- literals -------------------------------------------------------------------- */

static value_type_t literal(parser_t *p, buf_t *b, char *under, size_t under_len);

#define TYPE_ERROR ((value_type_t)-1)
#define TYPE_PARAM ((value_type_t)100) /* a ? inside a literal */

static value_type_t literal_fail(parser_t *p, ddb_error_t *e)
{
    fail(p, e);
    return TYPE_ERROR;
}

static value_type_t literal_number(parser_t *p, buf_t *b, bool negative, const char *under)
{
    const partiql_token_t *t = peek(p);
    char text[PARTIQL_MAX_LENGTH + 2];
    size_t n = 0;
    if (negative) text[n++] = '-';
    memcpy(text + n, p->text + t->start, t->len);
    n += t->len;
    number_t num;
    number_status_t st = number_parse(text, n, &num);
    if (st == NUMBER_INVALID) return literal_fail(p, err_partiql_syntax(p->a, PQ_SYNTAX_EMPTY));
    if (st != NUMBER_OK) return literal_fail(p, err_partiql_number(p->a, st, under));
    p->pos++;
    char out[NUMBER_MAX_TEXT];
    size_t olen = number_format(&num, out);
    buf_append_str(b, "{\"N\":\"");
    buf_append(b, out, olen);
    buf_append_str(b, "\"}");
    return VALUE_N;
}

/* Elements of a list or bag up to the closing token. */
static bool literal_elements(parser_t *p, buf_t *b, int close, char *under, size_t under_len,
                             value_type_t *bag_type, size_t *count)
{
    size_t base = strlen(under);
    *count = 0;
    if (accept(p, close)) return true;
    do {
        snprintf(under + base, under_len - base, "[%zu]", *count);
        size_t mark = b->len;
        if (*count) buf_putc(b, ',');
        value_type_t t = literal(p, b, under, under_len);
        if (p->error) return false;
        if (bag_type) { /* a bag holds the bare strings or numbers */
            if ((t != VALUE_S && t != VALUE_N) || (*count && t != *bag_type)) {
                fail(p, err_partiql_bag_type(p->a));
                return false;
            }
            *bag_type = t;
            size_t at = mark + (*count ? 1 : 0), vlen = b->len - at;
            /* {"S":x} -> x */
            memmove(b->data + at, b->data + at + 5, vlen - 6);
            b->len = at + vlen - 6;
        }
        (*count)++;
    } while (accept(p, PQT_COMMA));
    under[base] = 0;
    if (!accept(p, close)) {
        unexpected(p);
        return false;
    }
    return true;
}

static value_type_t literal_tuple(parser_t *p, buf_t *b, char *under, size_t under_len)
{
    size_t base = strlen(under);
    buf_append_str(b, "{\"M\":{");
    const char **keys = NULL;
    size_t nkeys = 0;
    if (!accept(p, PQT_RBRACE)) {
        do {
            const partiql_token_t *t = peek(p);
            if (t->kind != PQT_STRING) {
                if (t->kind == PQT_NUMBER || t->kind == PQT_LBRACE || t->kind == PQT_LBRACKET ||
                    t->kind == PQT_PARAM)
                    return literal_fail(p, err_partiql_tuple_key_type(
                                               p->a, t->kind == PQT_NUMBER ? "DECIMAL" : "STRUCT",
                                               under));
                unexpected(p);
                return TYPE_ERROR;
            }
            size_t klen;
            const char *key = unquote(p, t, &klen);
            p->pos++;
            for (size_t i = 0; i < nkeys; i++)
                if (strcmp(keys[i], key) == 0)
                    return literal_fail(p, err_partiql_tuple_duplicate_key(p->a, key, under));
            const char **grown = arena_alloc(p->a, (nkeys + 1) * sizeof *grown);
            if (nkeys) memcpy(grown, keys, nkeys * sizeof *grown);
            grown[nkeys++] = key;
            keys = grown;
            if (!accept(p, PQT_COLON)) return literal_fail(p, err_partiql_syntax(p->a, PQ_SYNTAX_UNEXPECTED_TOKEN));
            if (nkeys > 1) buf_putc(b, ',');
            json_write_string(b, key, klen);
            buf_putc(b, ':');
            snprintf(under + base, under_len - base, ".%s", key);
            literal(p, b, under, under_len);
            under[base] = 0;
            if (p->error) return TYPE_ERROR;
        } while (accept(p, PQT_COMMA));
        if (!accept(p, PQT_RBRACE)) {
            unexpected(p);
            return TYPE_ERROR;
        }
    }
    buf_append_str(b, "}}");
    return VALUE_M;
}

/* One value literal written as AttributeValue JSON into b; returns its
 * type, or (value_type_t)-1 after an error.  A ? is written as a mark
 * (type VALUE_NULL + 100, only meaningful to the caller). */
static value_type_t literal(parser_t *p, buf_t *b, char *under, size_t under_len)
{
    const partiql_token_t *t = peek(p);
    if (++p->depth > PARTIQL_MAX_DEPTH) return literal_fail(p, err_partiql_syntax(p->a, PQ_SYNTAX_EMPTY));
    value_type_t type = TYPE_ERROR;
    size_t len;
    if (t->kind == PQT_STRING) {
        const char *s = unquote(p, t, &len);
        p->pos++;
        buf_append_str(b, "{\"S\":");
        json_write_string(b, s, len);
        buf_putc(b, '}');
        type = VALUE_S;
    } else if (t->kind == PQT_NUMBER) {
        type = literal_number(p, b, false, under);
    } else if (t->kind == PQT_MINUS && peek_at(p, 1)->kind == PQT_NUMBER) {
        p->pos++;
        type = literal_number(p, b, true, under);
    } else if (tok_is_word(p, t, "true") || tok_is_word(p, t, "false")) {
        p->pos++;
        buf_printf(b, "{\"BOOL\":%s}", tok_is_word(p, t, "true") ? "true" : "false");
        type = VALUE_BOOL;
    } else if (tok_is_word(p, t, "null")) {
        p->pos++;
        buf_append_str(b, "{\"NULL\":true}");
        type = VALUE_NULL;
    } else if (t->kind == PQT_PARAM) {
        p->pos++;
        buf_printf(b, "%c%zu%c", PARTIQL_PARAM_MARK, p->nparams++, PARTIQL_PARAM_MARK);
        type = TYPE_PARAM;
    } else if (accept(p, PQT_LBRACKET)) {
        size_t count;
        buf_append_str(b, "{\"L\":[");
        if (literal_elements(p, b, PQT_RBRACKET, under, under_len, NULL, &count)) {
            buf_append_str(b, "]}");
            type = VALUE_L;
        }
    } else if (accept(p, PQT_BAG_OPEN)) {
        size_t count, mark = b->len;
        value_type_t elem = VALUE_S;
        buf_append_str(b, "{\"SS\":[");
        if (literal_elements(p, b, PQT_BAG_CLOSE, under, under_len, &elem, &count)) {
            if (count == 0) fail(p, err_partiql_bag_empty(p->a));
            b->data[mark + 2] = elem == VALUE_N ? 'N' : 'S';
            buf_append_str(b, "]}");
            type = elem == VALUE_N ? VALUE_NS : VALUE_SS;
        }
    } else if (accept(p, PQT_LBRACE)) {
        type = literal_tuple(p, b, under, under_len);
    } else if (tok_is_word(p, t, "missing")) {
        fail(p, err_partiql_missing_is(p->a));
    } else {
        unexpected(p);
    }
    p->depth--;
    return p->error ? TYPE_ERROR : type;
}

static bool starts_literal(parser_t *p)
{
    const partiql_token_t *t = peek(p);
    switch (t->kind) {
    case PQT_STRING:
    case PQT_NUMBER:
    case PQT_PARAM:
    case PQT_LBRACKET:
    case PQT_LBRACE:
    case PQT_BAG_OPEN: return true;
    case PQT_MINUS: return peek_at(p, 1)->kind == PQT_NUMBER;
    default:
        return tok_is_word(p, t, "true") || tok_is_word(p, t, "false") ||
               tok_is_word(p, t, "null") || tok_is_word(p, t, "missing");
    }
}

/* A literal, or a lone ? (a PQN_PARAM node). */
static partiql_node_t *value_node(parser_t *p)
{
    const partiql_token_t *t = peek(p);
    if (t->kind == PQT_PARAM) {
        partiql_node_t *n = node_new(p, PQN_PARAM, t);
        n->param = p->nparams++;
        p->pos++;
        return n;
    }
    buf_t b;
    buf_init(&b);
    char under[512]; /* "root" and the path inside the literal, for its errors */
    memcpy(under, "root", sizeof "root");
    size_t params = p->nparams;
    value_type_t type = literal(p, &b, under, sizeof under);
    partiql_node_t *n = NULL;
    if (!p->error) {
        n = node_new(p, PQN_LITERAL, t);
        n->len = peek(p)->start - t->start;
        n->json = arena_strndup(p->a, b.data, b.len);
        n->json_len = b.len;
        n->type = type;
        n->has_param = p->nparams > params;
    }
    buf_free(&b);
    return n;
}

/* --- conditions -------------------------------------------------------------------- */

static partiql_node_t *cond(parser_t *p);
static bool starts_function(parser_t *p);

static partiql_node_t *function(parser_t *p)
{
    const partiql_token_t *t = peek(p);
    partiql_node_t *n = node_new(p, PQN_FUNC, t);
    char *name = arena_strndup(p->a, p->text + t->start, t->len);
    for (char *c = name; *c; c++) *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
    n->name = name;
    static const char *const known[] = {"begins_with",    "contains", "attribute_exists",
                                        "attribute_not_exists", "attribute_type", "size",
                                        "list_append",    "set_add",  "set_delete", NULL};
    bool ok = false;
    for (const char *const *k = known; *k; k++) ok |= strcmp(*k, name) == 0;
    if (!ok)
        return fail(p, err_partiql_unrecognized_function(p->a, name, p->text, t->start, t->len));
    p->pos += 2; /* name ( */
    if (!accept(p, PQT_RPAREN)) {
        do {
            partiql_node_t *arg = starts_literal(p) ? value_node(p) : path(p);
            if (!arg) return NULL;
            node_add(p, n, arg);
        } while (accept(p, PQT_COMMA));
        if (!accept(p, PQT_RPAREN)) return unexpected(p);
    }
    n->len = peek(p)->start - n->pos;
    return n;
}

static bool starts_function(parser_t *p)
{
    return peek(p)->kind == PQT_IDENT && peek_at(p, 1)->kind == PQT_LPAREN;
}

/* A path, a value or a function call. */
static partiql_node_t *operand(parser_t *p)
{
    if (starts_function(p)) return function(p);
    if (starts_literal(p)) return value_node(p);
    if (peek(p)->kind == PQT_LBRACKET) return value_node(p);
    return path(p);
}

static int comparator(const partiql_token_t *t)
{
    switch (t->kind) {
    case PQT_EQ: return PQ_EQ;
    case PQT_NE: return PQ_NE;
    case PQT_LT: return PQ_LT;
    case PQT_LE: return PQ_LE;
    case PQT_GT: return PQ_GT;
    case PQT_GE: return PQ_GE;
    default: return -1;
    }
}

static const char *is_type(parser_t *p)
{
    static const char *const names[][2] = {
        {"null", "NULL"},     {"bool", "BOOL"},     {"boolean", "BOOL"}, {"string", "S"},
        {"numeric", "N"},     {"number", "N"},      {"blob", "B"},       {"struct", "M"},
        {"tuple", "M"},       {"list", "L"},        {NULL, NULL}};
    for (size_t i = 0; names[i][0]; i++)
        if (accept_word(p, names[i][0])) return names[i][1];
    return NULL;
}

static partiql_node_t *predicate_rest(parser_t *p, partiql_node_t *left)
{
    const partiql_token_t *t = peek(p);
    int op = comparator(t);
    if (op >= 0) {
        p->pos++;
        partiql_node_t *n = node_new(p, PQN_CMP, t), *right;
        n->op = (uint8_t)op;
        node_add(p, n, left);
        if (peek(p)->kind == PQT_EOF) return syntax(p, PQ_SYNTAX_MISSING_RHS);
        if (!(right = operand(p))) return NULL;
        node_add(p, n, right);
        return n;
    }
    if (accept_word(p, "between")) {
        partiql_node_t *n = node_new(p, PQN_BETWEEN, t), *lo, *hi;
        node_add(p, n, left);
        if (!(lo = operand(p))) return NULL;
        if (!accept_word(p, "and")) return unexpected(p);
        if (!(hi = operand(p))) return NULL;
        node_add(p, n, lo);
        node_add(p, n, hi);
        return n;
    }
    if (accept_word(p, "in")) {
        partiql_node_t *n = node_new(p, PQN_IN, t);
        node_add(p, n, left);
        int close = accept(p, PQT_LBRACKET) ? PQT_RBRACKET : accept(p, PQT_LPAREN) ? PQT_RPAREN : 0;
        if (!close || left->kind != PQN_PATH || peek(p)->kind == close)
            return fail(p, err_partiql_in_operands(p->a));
        do {
            partiql_node_t *v = value_node(p);
            if (!v) return NULL;
            node_add(p, n, v);
        } while (accept(p, PQT_COMMA));
        if (!accept(p, close)) return unexpected(p);
        return n;
    }
    if (accept_word(p, "is")) {
        partiql_node_t *n = node_new(p, PQN_IS, t);
        n->negated = accept_word(p, "not");
        node_add(p, n, left);
        if (accept_word(p, "missing")) return n;
        if (!(n->is_type = is_type(p))) return syntax(p, PQ_SYNTAX_EXPECTED_TYPE_NAME);
        return n;
    }
    if (left->kind == PQN_FUNC) return left; /* a boolean function */
    return fail(p, err_partiql_not_boolean(p->a));
}

static partiql_node_t *predicate(parser_t *p)
{
    if (peek(p)->kind == PQT_LPAREN) {
        p->pos++;
        partiql_node_t *n = cond(p);
        if (!n) return NULL;
        if (!accept(p, PQT_RPAREN)) return unexpected(p);
        return n;
    }
    if (peek(p)->kind == PQT_EOF) return syntax(p, PQ_SYNTAX_UNEXPECTED_TERM);
    partiql_node_t *left = operand(p);
    return left ? predicate_rest(p, left) : NULL;
}

static partiql_node_t *not_cond(parser_t *p)
{
    const partiql_token_t *t = peek(p);
    if (!accept_word(p, "not")) return predicate(p);
    if (++p->depth > PARTIQL_MAX_DEPTH) return syntax(p, PQ_SYNTAX_EMPTY);
    partiql_node_t *n = node_new(p, PQN_NOT, t), *kid = not_cond(p);
    p->depth--;
    if (!kid) return NULL;
    node_add(p, n, kid);
    return n;
}

/* Left-associative chains of AND (level 1) or OR (level 0). */
static partiql_node_t *logical(parser_t *p, int level)
{
    if (++p->depth > PARTIQL_MAX_DEPTH) return syntax(p, PQ_SYNTAX_EMPTY);
    const char *word = level ? "and" : "or";
    partiql_node_t *left = level ? not_cond(p) : logical(p, 1);
    while (left && tok_is_word(p, peek(p), word)) {
        partiql_node_t *n = node_new(p, level ? PQN_AND : PQN_OR, peek(p));
        p->pos++;
        if (peek(p)->kind == PQT_EOF) return syntax(p, PQ_SYNTAX_MISSING_RHS);
        partiql_node_t *right = level ? not_cond(p) : logical(p, 1);
        if (!right) return NULL;
        node_add(p, n, left);
        node_add(p, n, right);
        left = n;
    }
    p->depth--;
    return left;
}

static partiql_node_t *cond(parser_t *p) { return logical(p, 0); }

/* --- statements --------------------------------------------------------------------- */

static const char *table_name(parser_t *p)
{
    size_t len;
    const char *name = read_name(p, &len);
    if (!name) syntax(p, PQ_SYNTAX_EXPECTED_IDENTIFIER);
    return name;
}

static bool where(parser_t *p, partiql_statement_t *s)
{
    if (!accept_word(p, "where")) return true;
    if (peek(p)->kind == PQT_EOF) return syntax(p, PQ_SYNTAX_UNEXPECTED_TERM), false;
    if (tok_is_keyword(p, peek(p)) && !tok_is_word(p, peek(p), "not") &&
        !starts_literal(p) && !starts_function(p))
        return syntax(p, PQ_SYNTAX_UNEXPECTED_KEYWORD), false;
    s->where = cond(p);
    return s->where != NULL;
}

static bool projection(parser_t *p, partiql_statement_t *s)
{
    if (accept(p, PQT_STAR)) {
        s->star = true;
        if (peek(p)->kind == PQT_COMMA) return fail(p, err_partiql_star_with_others(p->a)), false;
        return true;
    }
    do {
        if (starts_function(p) || starts_literal(p)) {
            const partiql_token_t *t = peek(p);
            return fail(p, err_partiql_unexpected_path_component(p->a, p->text, t->start, t->len)),
                   false;
        }
        partiql_node_t *n = path(p);
        if (!n) return false;
        /* results are named by the last step: two alike would collide */
        const expr_path_step_t *last = &n->path.steps[n->path.count - 1];
        for (size_t k = 0; k < s->nprojection && !last->is_index; k++) {
            const expr_path_t *q = &s->projection[k]->path;
            const expr_path_step_t *ql = &q->steps[q->count - 1];
            if (!ql->is_index && last->name_len == ql->name_len &&
                !memcmp(last->name, ql->name, ql->name_len))
                return fail(p, err_partiql_duplicate_projection(p->a, last->name, last->name_len)),
                       false;
        }
        partiql_node_t **grown = arena_alloc(p->a, (s->nprojection + 1) * sizeof *grown);
        if (s->nprojection) memcpy(grown, s->projection, s->nprojection * sizeof *grown);
        grown[s->nprojection++] = n;
        s->projection = grown;
    } while (accept(p, PQT_COMMA));
    return true;
}

static bool unsupported_clause(parser_t *p)
{
    static const char *const clauses[] = {"limit", "group", "having", "offset", NULL};
    for (const char *const *c = clauses; *c; c++)
        if (tok_is_word(p, peek(p), *c)) {
            char upper[16];
            size_t i = 0;
            for (; (*c)[i]; i++) upper[i] = (char)((*c)[i] - 32);
            upper[i] = 0;
            fail(p, err_partiql_unsupported_clause(p->a, upper));
            return true;
        }
    return false;
}

static bool select_statement(parser_t *p, partiql_statement_t *s)
{
    s->kind = PQ_SELECT;
    if (tok_is_word(p, peek(p), "distinct")) return fail(p, err_partiql_unsupported_clause(p->a, "DISTINCT")), false;
    if (!projection(p, s)) return false;
    if (!accept_word(p, "from")) return unexpected(p), false;
    if (peek(p)->kind == PQT_EOF) return syntax(p, PQ_SYNTAX_UNEXPECTED_TERM), false;
    if (!(s->table = table_name(p))) return false;
    if (accept(p, PQT_DOT)) {
        size_t len;
        if (!(s->index = read_name(p, &len))) return syntax(p, PQ_SYNTAX_INVALID_PATH_DOT), false;
    }
    if (peek(p)->kind == PQT_COMMA || tok_is_word(p, peek(p), "join") ||
        tok_is_word(p, peek(p), "inner"))
        return fail(p, err_partiql_single_source(p->a)), false;
    if (tok_is_word(p, peek(p), "as") ||
        ((peek(p)->kind == PQT_IDENT || peek(p)->kind == PQT_QIDENT) && !tok_is_keyword(p, peek(p))))
        return fail(p, err_partiql_alias(p->a)), false;
    if (!where(p, s)) return false;
    if (unsupported_clause(p)) return false;
    if (accept_word(p, "order")) {
        if (!accept_word(p, "by")) return unexpected(p), false;
        size_t len;
        if (!(s->order_by = read_name(p, &len))) return unexpected(p), false;
        s->order_desc = accept_word(p, "desc");
        if (!s->order_desc) accept_word(p, "asc");
    }
    return !unsupported_clause(p);
}

static bool insert_statement(parser_t *p, partiql_statement_t *s)
{
    s->kind = PQ_INSERT;
    if (!accept_word(p, "into")) return unexpected(p), false;
    if (!(s->table = table_name(p))) return false;
    if (tok_is_word(p, peek(p), "values")) return fail(p, err_partiql_insert_values(p->a)), false;
    if (!accept_word(p, "value")) return unexpected(p), false;
    if (peek(p)->kind != PQT_LBRACE) return unexpected(p), false;
    if (!(s->item = value_node(p))) return false;
    if (tok_is_word(p, peek(p), "returning")) return fail(p, err_partiql_insert_returning(p->a)), false;
    if (tok_is_word(p, peek(p), "where")) return fail(p, err_partiql_insert_where(p->a)), false;
    return true;
}

static partiql_node_t *set_value(parser_t *p)
{
    partiql_node_t *left = operand(p);
    if (!left) return NULL;
    const partiql_token_t *t = peek(p);
    if (t->kind != PQT_PLUS && t->kind != PQT_MINUS) return left;
    p->pos++;
    partiql_node_t *n = node_new(p, PQN_ARITH, t), *right = operand(p);
    if (!right) return NULL;
    n->op = t->kind == PQT_PLUS ? PQ_PLUS : PQ_MINUS;
    node_add(p, n, left);
    node_add(p, n, right);
    return n;
}

static bool action(parser_t *p, partiql_statement_t *s, bool remove)
{
    partiql_action_t act = {remove, NULL, NULL};
    if (!(act.path = path(p))) return false;
    if (!remove) {
        if (!accept(p, PQT_EQ)) return unexpected(p), false;
        if (!(act.value = set_value(p))) return false;
    }
    partiql_action_t *grown = arena_alloc(p->a, (s->nactions + 1) * sizeof *grown);
    if (s->nactions) memcpy(grown, s->actions, s->nactions * sizeof *grown);
    grown[s->nactions++] = act;
    s->actions = grown;
    return true;
}

static bool actions(parser_t *p, partiql_statement_t *s)
{
    bool any = false;
    for (;;) {
        bool remove = tok_is_word(p, peek(p), "remove");
        if (!remove && !tok_is_word(p, peek(p), "set")) {
            if (tok_is_word(p, peek(p), "add") || tok_is_word(p, peek(p), "delete"))
                return fail(p, err_partiql_only_set_remove(p->a)), false;
            if (!any) return unexpected(p), false;
            return true;
        }
        p->pos++;
        do {
            if (!action(p, s, remove)) return false;
        } while (accept(p, PQT_COMMA));
        any = true;
    }
}

static bool returning(parser_t *p, partiql_statement_t *s)
{
    if (!accept_word(p, "returning")) return true;
    bool all = accept_word(p, "all");
    if (!all && !accept_word(p, "modified")) return unexpected(p), false;
    bool old = accept_word(p, "old");
    if (!old && !accept_word(p, "new")) return unexpected(p), false;
    if (!accept(p, PQT_STAR)) return fail(p, err_partiql_returning_star(p->a)), false;
    s->returning = all ? (old ? PQ_RETURN_ALL_OLD : PQ_RETURN_ALL_NEW)
                       : (old ? PQ_RETURN_MODIFIED_OLD : PQ_RETURN_MODIFIED_NEW);
    if (s->kind == PQ_DELETE && s->returning != PQ_RETURN_ALL_OLD)
        return fail(p, err_partiql_delete_returning(p->a, all ? "ALL" : "MODIFIED",
                                                      old ? "OLD" : "NEW")),
               false;
    return true;
}

static bool update_statement(parser_t *p, partiql_statement_t *s)
{
    s->kind = PQ_UPDATE;
    if (!(s->table = table_name(p))) return false;
    if (!actions(p, s) || !where(p, s)) return false;
    return returning(p, s);
}

/* EXISTS(SELECT ... WHERE ...): a condition check of ExecuteTransaction. */
static bool exists_statement(parser_t *p, partiql_statement_t *s)
{
    if (!accept(p, PQT_LPAREN)) return unexpected(p), false;
    if (!accept_word(p, "select")) return unexpected(p), false;
    if (!select_statement(p, s)) return false;
    if (!accept(p, PQT_RPAREN)) return unexpected(p), false;
    s->kind = PQ_EXISTS;
    return true;
}

static bool delete_statement(parser_t *p, partiql_statement_t *s)
{
    s->kind = PQ_DELETE;
    if (!accept_word(p, "from")) return unexpected(p), false;
    if (!(s->table = table_name(p))) return false;
    if (!where(p, s)) return false;
    return returning(p, s);
}

ddb_error_t *partiql_parse(arena_t *a, const char *text, size_t len, partiql_statement_t **out)
{
    parser_t p = {.a = a, .text = text};
    p.toks = arena_alloc(a, (len + 1) * sizeof *p.toks);
    p.count = partiql_lex(text, len, p.toks);
    partiql_statement_t *s = arena_calloc(a, sizeof *s);
    bool ok;
    if (accept_word(&p, "select")) ok = select_statement(&p, s);
    else if (accept_word(&p, "insert")) ok = insert_statement(&p, s);
    else if (accept_word(&p, "update")) ok = update_statement(&p, s);
    else if (accept_word(&p, "delete")) ok = delete_statement(&p, s);
    else if (peek_at(&p, 1)->kind == PQT_LPAREN && accept_word(&p, "exists"))
        ok = exists_statement(&p, s);
    else if (accept_word(&p, "upsert") || accept_word(&p, "replace") ||
             accept_word(&p, "create") || accept_word(&p, "drop") || accept_word(&p, "alter"))
        ok = fail(&p, err_partiql_unsupported_operation(a, text + p.toks[0].start,
                                                        p.toks[0].len)) != NULL;
    else ok = unexpected(&p) != NULL;
    if (ok && !p.error) {
        accept(&p, PQT_SEMICOLON);
        if (peek(&p)->kind == PQT_UNKNOWN || peek(&p)->kind == PQT_UNTERMINATED)
            syntax(&p, PQ_SYNTAX_EMPTY);
        else if (peek(&p)->kind != PQT_EOF)
            syntax(&p, PQ_SYNTAX_UNEXPECTED_TOKEN);
    }
    if (p.error) return p.error;
    if (!ok) return err_partiql_syntax(a, PQ_SYNTAX_EMPTY);
    s->nparams = p.nparams;
    *out = s;
    return NULL;
}

bool partiql_literal_render(buf_t *out, const char *json, size_t len, const char *const *params,
                            const size_t *param_lens, size_t nparams)
{
    for (size_t i = 0; i < len; i++) {
        if (json[i] != PARTIQL_PARAM_MARK) {
            buf_putc(out, json[i]);
            continue;
        }
        size_t k = 0;
        for (i++; i < len && json[i] != PARTIQL_PARAM_MARK; i++) k = k * 10 + (size_t)(json[i] - '0');
        if (k >= nparams) return false;
        buf_append(out, params[k], param_lens[k]);
    }
    return true;
}
