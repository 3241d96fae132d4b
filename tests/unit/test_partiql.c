/* test_partiql: the PartiQL tokenizer and parser — tokens, statement
 * shapes, precedence, literals as AttributeValue JSON, parameters, and the
 * error texts of what does not parse. */
#include <stdlib.h>
#include <string.h>

#include "partiql.h"
#include "unit.h"

static arena_t *A;

static const char *parse(const char *text, partiql_statement_t **out)
{
    ddb_error_t *e = partiql_parse(A, text, strlen(text), out);
    return e ? e->message : "OK";
}

static partiql_statement_t *ok(const char *text)
{
    partiql_statement_t *s = NULL;
    const char *m = parse(text, &s);
    if (strcmp(m, "OK")) fprintf(stderr, "unexpected error for %s: %s\n", text, m);
    return s;
}

static const char *literal_json(const char *value)
{
    char text[512];
    snprintf(text, sizeof text, "INSERT INTO t VALUE {'a': %s}", value);
    partiql_statement_t *s = ok(text);
    if (!s) return "(error)";
    return arena_strndup(A, s->item->json, s->item->json_len);
}

static void test_lex(void)
{
    const char *text = "SELECT \"a\"\"b\", 'x''y' -- c\n /* d */ <<1.5e3>> <> != ? .5";
    partiql_token_t toks[64];
    size_t n = partiql_lex(text, strlen(text), toks);
    static const int want[] = {PQT_IDENT, PQT_QIDENT, PQT_COMMA,   PQT_STRING, PQT_BAG_OPEN,
                               PQT_NUMBER, PQT_BAG_CLOSE, PQT_NE,  PQT_NE,     PQT_PARAM,
                               PQT_NUMBER, PQT_EOF};
    CHECK(n == sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n && i < sizeof want / sizeof want[0]; i++) CHECK(toks[i].kind == want[i]);
    n = partiql_lex("a /* open", 9, toks);
    CHECK(toks[n - 1].kind == PQT_UNTERMINATED);
    n = partiql_lex("'open", 5, toks);
    CHECK(toks[n - 1].kind == PQT_UNTERMINATED);
}

static void test_select_shapes(void)
{
    partiql_statement_t *s = ok("select a.b[2], \"c d\" FROM \"T-1\".\"idx\" WHERE x = 1 "
                                "ORDER BY sk DESC;");
    CHECK(s && s->kind == PQ_SELECT && !s->star && s->nprojection == 2);
    CHECK_STR(s->table, "T-1");
    CHECK_STR(s->index, "idx");
    CHECK_STR(s->order_by, "sk");
    CHECK(s->order_desc);
    CHECK(s->projection[0]->path.count == 3 && s->projection[0]->path.steps[2].is_index &&
          s->projection[0]->path.steps[2].index == 2);
    CHECK_STR(s->projection[1]->path.steps[0].name, "c d");
    s = ok("SELECT * FROM t");
    CHECK(s && s->star && !s->where && !s->index);
}

static void test_precedence(void)
{
    /* a OR b AND NOT c: OR(a, AND(b, NOT c)) */
    partiql_statement_t *s = ok("SELECT * FROM t WHERE a = 1 OR b = 2 AND NOT c = 3");
    CHECK(s && s->where->kind == PQN_OR);
    CHECK(s->where->kids[1]->kind == PQN_AND);
    CHECK(s->where->kids[1]->kids[1]->kind == PQN_NOT);
    s = ok("SELECT * FROM t WHERE (a = 1 OR b = 2) AND c BETWEEN 1 AND 2");
    CHECK(s && s->where->kind == PQN_AND && s->where->kids[0]->kind == PQN_OR);
    CHECK(s->where->kids[1]->kind == PQN_BETWEEN && s->where->kids[1]->nkids == 3);
    s = ok("SELECT * FROM t WHERE x IS NOT MISSING AND y IS string AND z IN [1, ?]");
    CHECK(s && s->nparams == 1);
    const partiql_node_t *is = s->where->kids[0]->kids[0];
    CHECK(is->kind == PQN_IS && is->negated && is->is_type == NULL);
    CHECK_STR(s->where->kids[0]->kids[1]->is_type, "S");
    CHECK(s->where->kids[1]->kind == PQN_IN && s->where->kids[1]->nkids == 3);
    s = ok("SELECT * FROM t WHERE BEGINS_WITH(a, 'x') AND size(b) > 2");
    CHECK(s && s->where->kids[0]->kind == PQN_FUNC);
    CHECK_STR(s->where->kids[0]->name, "begins_with");
    CHECK(s->where->kids[1]->kind == PQN_CMP && s->where->kids[1]->kids[0]->kind == PQN_FUNC);
}

static void test_literals(void)
{
    CHECK_STR(literal_json("'it''s'"), "{\"M\":{\"a\":{\"S\":\"it's\"}}}");
    CHECK_STR(literal_json("7.31E+6"), "{\"M\":{\"a\":{\"N\":\"7310000\"}}}");
    CHECK_STR(literal_json("1e50"), "{\"M\":{\"a\":{\"N\":\"100000000000000000000000000000000000000000000000000\"}}}");
    CHECK_STR(literal_json("-.73e1"), "{\"M\":{\"a\":{\"N\":\"-7.3\"}}}");
    CHECK_STR(literal_json("<<'x', 'y'>>"), "{\"M\":{\"a\":{\"SS\":[\"x\",\"y\"]}}}");
    CHECK_STR(literal_json("<<1, 2.50>>"), "{\"M\":{\"a\":{\"NS\":[\"1\",\"2.5\"]}}}");
    CHECK_STR(literal_json("[true, null, {'b': []}]"),
              "{\"M\":{\"a\":{\"L\":[{\"BOOL\":true},{\"NULL\":true},{\"M\":{\"b\":{\"L\":[]}}}]}}}");
    partiql_statement_t *s = ok("INSERT INTO t VALUE {'a': ?, 'b': [?]}");
    CHECK(s && s->nparams == 2 && s->item->has_param);
    const char *params[] = {"{\"N\":\"1\"}", "{\"S\":\"z\"}"};
    size_t lens[] = {9, 9};
    buf_t b;
    buf_init(&b);
    CHECK(partiql_literal_render(&b, s->item->json, s->item->json_len, params, lens, 2));
    buf_putc(&b, 0);
    CHECK_STR(b.data, "{\"M\":{\"a\":{\"N\":\"1\"},\"b\":{\"L\":[{\"S\":\"z\"}]}}}");
    b.len = 0;
    CHECK(!partiql_literal_render(&b, s->item->json, s->item->json_len, params, lens, 1));
    buf_free(&b);
}

static void test_writes(void)
{
    partiql_statement_t *s = ok("UPDATE t SET a = a + 1 SET b = list_append(b, [1]) REMOVE c, d "
                                "WHERE pk = ? RETURNING MODIFIED OLD *");
    CHECK(s && s->kind == PQ_UPDATE && s->nactions == 4 && s->returning == PQ_RETURN_MODIFIED_OLD);
    CHECK(s->actions[0].value->kind == PQN_ARITH && s->actions[2].remove && s->actions[3].remove);
    s = ok("DELETE FROM \"t\" WHERE pk = 'a' RETURNING ALL OLD *");
    CHECK(s && s->kind == PQ_DELETE && s->returning == PQ_RETURN_ALL_OLD);
}

#define SYN "Statement wasn't well formed, can't be processed: "
static void test_errors(void)
{
    static const char *const cases[][2] = {
        {"", SYN "Unexpected term"},
        {"SELECT * FROM t WHERE", SYN "Unexpected term"},
        {"SELECT * FROM t WHERE a = 1 OR", SYN "Missing right-hand side expression of infix operator"},
        {"SELECT * FROM t; SELECT * FROM t", SYN "Unexpected token after expression"},
        {"SELECT * FROM t WHERE pad = 1", SYN "Unexpected keyword"},
        {"SELECT * FROM t WHERE a.order = 1", SYN "Invalid path dot component"},
        {"SELECT * FROM t WHERE a = 'x", SYN},
        {"SELECT * FROM t WHERE a = 1e", SYN "Unexpected token after expression"},
        {"SELECT * FROM t WHERE nope(a)", "Unrecognized function: nope at 1:23:4"},
        {"SELECT * FROM t\n WHERE\n  exists(a)", "Unrecognized function: exists at 3:3:6"},
        {"SELECT size(a) FROM t", "Unexpected path component at 1:8:4"},
        {"SELECT * FROM t WHERE a.*.b = 1", "Unpivot path component like a.*.b are not supported"},
        {"SELECT * FROM t GROUP BY a", "Unsupported clause: GROUP"},
        {"SELECT DISTINCT a FROM t", "Unsupported clause: DISTINCT"},
        {"INSERT INTO t VALUE {'a': 1} WHERE a = 1",
         "Unsupported FROM ... WHERE ... clause in INSERT statement."},
        {"INSERT INTO t VALUE {'a': <<?>>}",
         "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags"},
        {"INSERT INTO t VALUE {'a': {'b': 1, 'b': 2}}", "Duplicate keys in tuple. Key: b under root.a"},
        {"INSERT INTO t VALUE {'a': 1e-999999}", "Number underflow. Attempting to store a number "
                                                  "with magnitude smaller than supported range under root.a"},
        {"DROP TABLE t", "Unsupported operation: DROP"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        partiql_statement_t *s;
        CHECK_STR(parse(cases[i][0], &s), cases[i][1]);
    }
    /* nesting is bounded, not a stack overflow */
    char deep[4096];
    size_t n = 0;
    n += (size_t)snprintf(deep, sizeof deep, "SELECT * FROM t WHERE ");
    for (int i = 0; i < 1000; i++) deep[n++] = '(';
    deep[n] = 0;
    partiql_statement_t *s;
    CHECK_STR(parse(deep, &s), SYN);
}

/* EXISTS(SELECT ...): the SELECT's members, kind PQ_EXISTS; nothing after
 * the closing parenthesis, and "exists" alone is no statement. */
static void test_exists(void)
{
    partiql_statement_t *s = ok("exists (SELECT * FROM \"T\" WHERE pk = 'a' AND x IS MISSING);");
    CHECK(s && s->kind == PQ_EXISTS && s->star && s->where && s->where->kind == PQN_AND);
    CHECK_STR(s->table, "T");
    partiql_statement_t *bad;
    CHECK(strcmp(parse("EXISTS(SELECT * FROM t WHERE a = 1", &bad), "OK") != 0);
    CHECK(strcmp(parse("EXISTS(SELECT * FROM t) x", &bad), "OK") != 0);
    CHECK(strcmp(parse("EXISTS(DELETE FROM t WHERE a = 1)", &bad), "OK") != 0);
    CHECK(strcmp(parse("EXISTS", &bad), "OK") != 0);
}

int main(void)
{
    A = arena_new(0);
    RUN(test_lex);
    RUN(test_select_shapes);
    RUN(test_precedence);
    RUN(test_literals);
    RUN(test_writes);
    RUN(test_errors);
    RUN(test_exists);
    arena_free(A);
    return unit_report("partiql");
}
