/* test_expr: the expression language — tokenizer and parser (precedence,
 * every function, every error text), evaluation across all types, updates
 * (every clause, list shifting, nested paths, sets), projections, the legacy
 * parameters, and a property test: whatever parses evaluates without
 * crashing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "expr.h"
#include "expr_internal.h"
#include "unit.h"

static arena_t *A;

static json_value_t *J(const char *text)
{
    if (!text) return NULL;
    json_value_t *v;
    if (json_parse(A, text, strlen(text), &v, NULL) != JSON_OK) {
        fprintf(stderr, "bad test JSON: %s\n", text);
        abort();
    }
    return v;
}

static const char *msg(ddb_error_t *e) { return e ? (e->message ? e->message : "(none)") : "OK"; }

/* Parse `text` of `kind` with the placeholder maps; returns the error text
 * or "OK" (and the expression in *out). */
static const char *parse_with(expr_env_t *env, expr_kind_t kind, const char *text,
                              const char *names, const char *values, expr_t **out)
{
    ddb_error_t *e = expr_env_init(env, A, J(names), J(values));
    expr_t *x = NULL;
    if (!e) e = expr_parse(env, kind, text, strlen(text), &x);
    if (out) *out = x;
    return msg(e);
}

static const char *perr(expr_kind_t kind, const char *text, const char *names, const char *values)
{
    expr_env_t env;
    return parse_with(&env, kind, text, names, values, NULL);
}

static const char *cerr(const char *text) { return perr(EXPR_CONDITION, text, NULL, NULL); }
static const char *ferr(const char *text, const char *names, const char *values)
{
    return perr(EXPR_FILTER, text, names, values);
}
static const char *uerr(const char *text, const char *names, const char *values)
{
    return perr(EXPR_UPDATE, text, names, values);
}

static value_t *item_of(const char *json)
{
    if (!json) return NULL;
    value_t *v = arena_alloc(A, sizeof *v);
    ddb_error_t *e = value_map_from_json(A, J(json), v);
    if (e) {
        fprintf(stderr, "bad test item: %s: %s\n", json, msg(e));
        abort();
    }
    return v;
}

/* 1 true, 0 false, -1 parse error (printed). */
static int cond(const char *text, const char *item, const char *values, const char *names)
{
    expr_env_t env;
    expr_t *x;
    const char *m = parse_with(&env, EXPR_CONDITION, text, names, values, &x);
    if (strcmp(m, "OK") != 0) {
        fprintf(stderr, "  parse of \"%s\": %s\n", text, m);
        return -1;
    }
    bool r = false;
    ddb_error_t *e = expr_condition_eval(&env, x, item_of(item), &r);
    if (e) return -1;
    return r;
}

static char *json_of(const value_t *map)
{
    buf_t b;
    buf_init(&b);
    value_map_write_json(&b, map);
    char *s = arena_strndup(A, b.data, b.len);
    buf_free(&b);
    return s;
}

/* The updated item as JSON, or the error text. */
static const char *update(const char *text, const char *item, const char *values, const char *names)
{
    expr_env_t env;
    expr_t *x;
    const char *m = parse_with(&env, EXPR_UPDATE, text, names, values, &x);
    if (strcmp(m, "OK") != 0) return m;
    value_t out;
    ddb_error_t *e = expr_update_apply(&env, x, item_of(item), &out);
    if (e) return msg(e);
    return json_of(&out);
}

static const char *project(const char *text, const char *item, const char *names)
{
    expr_env_t env;
    expr_t *x;
    const char *m = parse_with(&env, EXPR_PROJECTION, text, names, NULL, &x);
    if (strcmp(m, "OK") != 0) return m;
    const expr_path_t *paths;
    size_t n = expr_paths(x, &paths);
    value_t out;
    expr_project(A, item_of(item), paths, n, &out);
    return json_of(&out);
}

/* --- tokenizer ------------------------------------------------------------- */

static void test_lex_tokens(void)
{
    expr_token_t t[64];
    const char *s = "a.b[10] <> #x AND :v_1 <= size(c) - 007 ü";
    size_t n = expr_lex(s, strlen(s), t);
    int want[] = {TOK_ID,     TOK_DOT,   TOK_ID,    TOK_LBRACKET, TOK_INDEX, TOK_RBRACKET, TOK_NE,
                  TOK_NAME,   TOK_AND,   TOK_VALUE, TOK_LE,       TOK_ID,    TOK_LPAREN,   TOK_ID,
                  TOK_RPAREN, TOK_MINUS, TOK_INDEX, TOK_INDEX,    TOK_INDEX, TOK_UNKNOWN,  TOK_EOF};
    CHECK(n == sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n && i < sizeof want / sizeof want[0]; i++)
        CHECK(t[i].kind == want[i]);
    CHECK(t[19].len == 2); /* one UTF-8 character */
    CHECK(t[12].match == 14);
}

static void test_lex_keywords_and_placeholders(void)
{
    expr_token_t t[16];
    const char *s = "and ANDY Between # : #_ :9 _a";
    size_t n = expr_lex(s, strlen(s), t);
    int want[] = {TOK_AND,  TOK_ID,    TOK_BETWEEN, TOK_UNKNOWN, TOK_UNKNOWN,
                  TOK_NAME, TOK_VALUE, TOK_UNKNOWN, TOK_ID,      TOK_EOF};
    CHECK(n == sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n && i < sizeof want / sizeof want[0]; i++)
        CHECK(t[i].kind == want[i]);
}

static void test_reserved_words(void)
{
    CHECK(expr_reserved_word("ABORT", 5));
    CHECK(expr_reserved_word("abOrt", 5));
    CHECK(expr_reserved_word("zone", 4));
    CHECK(expr_reserved_word("Status", 6));
    CHECK(expr_reserved_word("LOCALTIMESTAMP", 14));
    CHECK(!expr_reserved_word("abortx", 6));
    CHECK(!expr_reserved_word("pk", 2));
    CHECK(!expr_reserved_word("", 0));
    CHECK(!expr_reserved_word("zzzz", 4));
    CHECK(!expr_reserved_word("AAA", 3));
}

/* --- syntax errors ------------------------------------------------------------ */

static void test_syntax_errors(void)
{
    CHECK_STR(
        uerr("INVALID SYNTAX HERE", NULL, NULL),
        "Invalid UpdateExpression: Syntax error; token: \"INVALID\", near: \"INVALID SYNTAX\"");
    CHECK_STR(uerr("ADD hits : incr", NULL, "{\":incr\":{\"N\":\"1\"}}"),
              "Invalid UpdateExpression: Syntax error; token: \":\", near: \"hits : incr\"");
    CHECK_STR(uerr("SET a = b +", NULL, NULL),
              "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \"+\"");
    CHECK_STR(uerr("SET", NULL, NULL),
              "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \"SET\"");
    CHECK_STR(uerr("SET numx / :v", NULL, NULL),
              "Invalid UpdateExpression: Syntax error; token: \"/\", near: \"numx / :v\"");
    CHECK_STR(uerr("SET a = ", NULL, NULL),
              "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \"= \"");
    CHECK_STR(uerr("SET #a, #,", NULL, NULL),
              "Invalid UpdateExpression: Syntax error; token: \",\", near: \"#a, #\"");
    CHECK_STR(perr(EXPR_PROJECTION, "a b", NULL, NULL),
              "Invalid ProjectionExpression: Syntax error; token: \"b\", near: \"a b\"");
    CHECK_STR(perr(EXPR_PROJECTION, "a,", NULL, NULL),
              "Invalid ProjectionExpression: Syntax error; token: \"<EOF>\", near: \",\"");
    CHECK_STR(perr(EXPR_KEY_CONDITION, "pk = :type", NULL, NULL),
              "Invalid KeyConditionExpression: An expression attribute value used in expression is "
              "not defined; attribute value: :type");
    CHECK_STR(perr(EXPR_KEY_CONDITION, "pk = :t AND", NULL, NULL),
              "Invalid KeyConditionExpression: Syntax error; token: \"<EOF>\", near: \"AND\"");
    CHECK_STR(cerr("a > 4"),
              "Invalid ConditionExpression: Syntax error; token: \"4\", near: \"> 4\"");
    CHECK_STR(cerr("!!"), "Invalid ConditionExpression: Syntax error; token: \"!\", near: \"!!\"");
    CHECK_STR(cerr("a = b c"),
              "Invalid ConditionExpression: Syntax error; token: \"c\", near: \"b c\"");
    CHECK_STR(cerr("ü > a"),
              "Invalid ConditionExpression: Syntax error; token: \"ü\", near: \"ü >\"");
    CHECK_STR(cerr("(a = b"),
              "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"b\"");
    CHECK_STR(cerr("a."),
              "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \".\"");
    CHECK_STR(cerr("a[x] = b"),
              "Invalid ConditionExpression: Syntax error; token: \"x\", near: \"[x]\"");
    CHECK_STR(cerr("a in b"),
              "Invalid ConditionExpression: Syntax error; token: \"b\", near: \"in b\"");
    CHECK_STR(cerr("a = set"),
              "Invalid ConditionExpression: Syntax error; token: \"set\", near: \"= set\"");
    /* every one of these is a syntax error (cases the service rejects) */
    const char *conditions[] = {
        "things are not gonna be ok",
        "attribute_exists(Pictures-RearView)",
        "attribute_exists(\"Pictures.RearView\")",
        "attribute_exists(Pictures..RearView)",
        "attribute_exists(Pi#ctures.RearView)",
        "attribute_exists(asdf[a])",
        "a.:a < b.:b",
        "a in b, c",
        "a > between",
        "a in (b,c,)",
        "(a)between(b.(c.d))and(c)",
        "(a)between(b.c.d)and((c)",
        "#$.b > a",
        "a > :things.stuff",
        "b[:a] > a",
        "b[#_] > a",
        "(a)between(b.c[4.5].#d)and(:a)",
        "size(a).b > a",
        "(size(a)).b > a",
        "size(a)[0] > a",
        "(size(a))[0] > a",
        "a = b = c",
        "NOT",
        "a BETWEEN b",
        "(a)",
        "_a = b",
        "a = 'x'",
        "a == b",
        "a != b",
    };
    for (size_t i = 0; i < sizeof conditions / sizeof conditions[0]; i++) {
        const char *m = ferr(conditions[i], NULL, NULL);
        if (strncmp(m, "Invalid FilterExpression: Syntax error; ", 40) != 0) {
            fprintf(stderr, "  %s -> %s\n", conditions[i], m);
            CHECK(0);
        }
    }
    const char *updates[] = {
        "whatever",
        "set a",
        "add a",
        "delete a",
        "set a=set",
        "remove a = b",
        "add a = b",
        "delete a = b",
        "delete a b",
        "delete a if_not_exist(b)",
        "add abort b",
        "add a if_not_exist(b)",
        "remove a b",
        "set a b",
        "set :a = b",
        "add :a b",
        "delete :a b",
        "remove :a",
        "set a = b / c",
        "set a = b * c",
        "set a[1] = \"eight\"",
        "set a[1] = 1",
        "SET a = if_not_exist(a, 100)",
        "SET if_not_exist(a, b) = a",
        "set (a = (b + c))",
        "set a = (b.c).d + e",
        "set a = (b.c)[0] + e",
        "set a = b + c + d",
        "set a = (b + c) + d",
        "SET a = :x,",
        "SET a = :x REMOVE",
        "REMOVE a,",
        "ADD a :x, b",
    };
    for (size_t i = 0; i < sizeof updates / sizeof updates[0]; i++) {
        const char *m = uerr(updates[i], NULL, NULL);
        if (strncmp(m, "Invalid UpdateExpression: Syntax error; ", 40) != 0) {
            fprintf(stderr, "  %s -> %s\n", updates[i], m);
            CHECK(0);
        }
    }
}

static void test_empty_and_too_long(void)
{
    CHECK_STR(cerr(""), "Invalid ConditionExpression: The expression can not be empty;");
    CHECK_STR(uerr("", NULL, NULL), "Invalid UpdateExpression: The expression can not be empty;");
    CHECK_STR(perr(EXPR_PROJECTION, "", NULL, NULL),
              "Invalid ProjectionExpression: The expression can not be empty;");
    CHECK_STR(perr(EXPR_KEY_CONDITION, "", NULL, NULL),
              "Invalid KeyConditionExpression: The expression can not be empty;");
    CHECK_STR(cerr("   "),
              "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"   \"");
    char *big = arena_alloc(A, 5000);
    memset(big, 'a', 4097);
    big[4097] = 0;
    CHECK_STR(ferr(big, NULL, NULL), "Invalid FilterExpression: Expression size has exceeded the "
                                     "maximum allowed size; expression size: 4097");
    CHECK_STR(uerr(big, NULL, NULL),
              "Invalid UpdateExpression: Expression size has exceeded the maximum allowed size;");
    big[4096] = 0; /* exactly 4 KB: reaches the parser */
    CHECK(strstr(ferr(big, NULL, NULL), "Syntax error") != NULL);
}

static void test_redundant_parentheses(void)
{
    const char *cases[] = {
        "a=a and a > ((views))",
        "(a)between(((b.c)).d)and(c)",
        "a > whatever((:things), ((a)))",
        "a=a AND ((a=a AND a=a)) AND a=a",
        "a=a OR ((a=a OR a=a)) OR a=a",
        "a=a AND ((a=a AND (a=a AND a=a)))",
        "a=a OR ((a=a OR (a=a OR a=a)))",
        "((a = b))",
        "NOT ((a = b))",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK_STR(ferr(cases[i], NULL, NULL),
                  "Invalid FilterExpression: The expression has redundant parentheses;");
    CHECK_STR(uerr("SET a = ((b + c))", NULL, NULL),
              "Invalid UpdateExpression: The expression has redundant parentheses;");
    CHECK_STR(uerr("SET a = ((b)) + c", NULL, NULL),
              "Invalid UpdateExpression: The expression has redundant parentheses;");
    /* single parentheses are fine */
    const char *names = "{\"#s\":\"s\"}";
    CHECK_STR(perr(EXPR_CONDITION, "(attribute_not_exists(pk)) AND (attribute_not_exists(#s))",
                   names, NULL),
              "OK");
    CHECK_STR(perr(EXPR_CONDITION, "(attribute_not_exists(pk) AND attribute_not_exists(#s))", names,
                   NULL),
              "OK");
    CHECK_STR(perr(EXPR_CONDITION, "(attribute_not_exists(pk) AND (attribute_not_exists(#s)))",
                   names, NULL),
              "OK");
    CHECK_STR(perr(EXPR_CONDITION, "((a) = (b)) OR (size(c)) > (d)", NULL, NULL), "OK");
    CHECK_STR(uerr("SET a = (b + c), d = (e) - f, g = (h)", NULL, NULL), "OK");
}

static void test_function_errors(void)
{
    CHECK_STR(ferr("a=a and whatever((:things)) > a", NULL, NULL),
              "Invalid FilterExpression: Invalid function name; function: whatever");
    CHECK_STR(ferr("attRIbute_exIsts((views), #a)", NULL, NULL),
              "Invalid FilterExpression: Invalid function name; function: attRIbute_exIsts");
    const char *misused[][2] = {
        {"a=a and attribute_exists((views), (#a)) > b", "attribute_exists"},
        {"attribute_not_exists(things) > b", "attribute_not_exists"},
        {"attribute_type(things, :a) > b", "attribute_type"},
        {"begins_with(things, a) > b", "begins_with"},
        {"contains(:things, c) > b", "contains"},
        {"size(contains(a, b)) > a", "contains"},
        {"size(things)", "size"},
        {"a between b and attribute_exists(things)", "attribute_exists"},
        {"a in (b, attribute_exists(things))", "attribute_exists"},
    };
    for (size_t i = 0; i < sizeof misused / sizeof misused[0]; i++) {
        char want[256];
        snprintf(want, sizeof want,
                 "Invalid FilterExpression: The function is not allowed to be used this way in "
                 "an expression; function: %s",
                 misused[i][1]);
        CHECK_STR(ferr(misused[i][0], NULL, NULL), want);
    }
    CHECK_STR(cerr("if_not_exists(a, b) = c"),
              "Invalid ConditionExpression: The function is not allowed in a condition "
              "expression; function: if_not_exists");
    CHECK_STR(uerr("SET a = size(b)", NULL, NULL),
              "Invalid UpdateExpression: The function is not allowed in an update expression; "
              "function: size");
    CHECK_STR(uerr("SET a = list_append(list_append(a, b), c)", NULL, NULL),
              "Invalid UpdateExpression: The function is not allowed to be used this way in an "
              "expression; function: list_append");
    CHECK_STR(uerr("set #c = if_not_exist(:c) set c = d", NULL, NULL),
              "Invalid UpdateExpression: Invalid function name; function: if_not_exist");
}

static void test_reserved_keywords(void)
{
    CHECK_STR(ferr("attribute_exists(views, #a)", NULL, NULL),
              "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: "
              "views");
    CHECK_STR(ferr(":a < abOrT", NULL, NULL),
              "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: "
              "abOrT");
    CHECK_STR(ferr("a.b.status = :v", NULL, NULL),
              "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: "
              "status");
    CHECK_STR(uerr(" set #c = :c set abOrt = true ", "{\"#a\":\"a\"}", "{\":a\":{\"S\":\"a\"}}"),
              "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: "
              "abOrt");
    CHECK_STR(uerr(" remove Absolute ", NULL, NULL),
              "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: "
              "Absolute");
    CHECK_STR(perr(EXPR_PROJECTION, "a, name", NULL, NULL),
              "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved "
              "keyword: name");
    /* through a placeholder it is fine */
    CHECK_STR(perr(EXPR_PROJECTION, "a, #n", "{\"#n\":\"name\"}", NULL), "OK");
}

static void test_list_index_range(void)
{
    CHECK_STR(cerr("a[2147483648] = :v"),
              "Invalid ConditionExpression: List index is not within the allowable range; index: "
              "[2147483648]");
    CHECK_STR(perr(EXPR_PROJECTION, "a[99999999999999999999]", NULL, NULL),
              "Invalid ProjectionExpression: List index is not within the allowable range; "
              "index: [99999999999999999999]");
    CHECK_STR(perr(EXPR_PROJECTION, "a[2147483647]", NULL, NULL), "OK");
}

static void test_sections(void)
{
    const char *values = "{\":a\":{\"S\":\"a\"}}", *names = "{\"#a\":\"a\"}";
    CHECK_STR(uerr("set a = #c set c = :d", names, values),
              "Invalid UpdateExpression: The \"SET\" section can only be used once in an update "
              "expression;");
    CHECK_STR(uerr("remove #d set a = b remove e", names, values),
              "Invalid UpdateExpression: The \"REMOVE\" section can only be used once in an "
              "update expression;");
    CHECK_STR(uerr("add #d :e set a = b add e :f", names, values),
              "Invalid UpdateExpression: The \"ADD\" section can only be used once in an update "
              "expression;");
    CHECK_STR(uerr("delete #d :e set a = b delete #e :f", names, values),
              "Invalid UpdateExpression: The \"DELETE\" section can only be used once in an "
              "update expression;");
}

static void test_placeholders(void)
{
    const char *names = "{\"#a\":\"a\",\"#b\":\"b\"}";
    const char *values = "{\":a\":{\"S\":\"a\"},\":b\":{\"S\":\"a\"}}";
    CHECK_STR(uerr("SET #c = if_not_exists(:c)", names, values),
              "Invalid UpdateExpression: An expression attribute name used in the document path "
              "is not defined; attribute name: #c");
    CHECK_STR(uerr("SET #a = if_not_exists(:c)", names, values),
              "Invalid UpdateExpression: An expression attribute value used in expression is not "
              "defined; attribute value: :c");
    const char *absent_names[][2] = {
        {"attribute_exists(#Pictures.RearView, :a) and a=a", "#Pictures"},
        {"begins_with(Pictures.#RearView)", "#RearView"},
        {"(#P between :lo and :hi) and (#PC in (:cat1, :cat2))", "#P"},
        {"#4g > a", "#4g"},
        {"#_ > a", "#_"},
        {"(a)between(b.c[45].#d)and(:a)", "#d"},
    };
    for (size_t i = 0; i < sizeof absent_names / sizeof absent_names[0]; i++) {
        char want[256];
        snprintf(want, sizeof want,
                 "Invalid FilterExpression: An expression attribute name used in the document "
                 "path is not defined; attribute name: %s",
                 absent_names[i][1]);
        CHECK_STR(ferr(absent_names[i][0], NULL, NULL), want);
    }
    const char *absent_values[][2] = {
        {"begins_with(:hello, #a, #b)", ":hello"}, {":a < :b", ":a"}, {":_ > a", ":_"}};
    for (size_t i = 0; i < 3; i++) {
        char want[256];
        snprintf(want, sizeof want,
                 "Invalid FilterExpression: An expression attribute value used in expression is "
                 "not defined; attribute value: %s",
                 absent_values[i][1]);
        CHECK_STR(ferr(absent_values[i][0], "{\"#a\":\"a\",\"#b\":\"b\"}", NULL), want);
    }
}

static void test_placeholder_maps(void)
{
    expr_env_t env;
    CHECK_STR(msg(expr_env_init(&env, A, J("{}"), NULL)),
              "ExpressionAttributeNames must not be empty");
    CHECK_STR(msg(expr_env_init(&env, A, NULL, J("{}"))),
              "ExpressionAttributeValues must not be empty");
    CHECK_STR(msg(expr_env_init(&env, A, J("{}"), J("{}"))),
              "ExpressionAttributeNames must not be empty");
    CHECK_STR(msg(expr_env_init(&env, A, J("{\"a\":\"a\"}"), NULL)),
              "ExpressionAttributeNames contains invalid key: Syntax error; key: \"a\"");
    CHECK_STR(msg(expr_env_init(&env, A, J("{\"#sryLiyD8D-\":\"a\"}"), NULL)),
              "ExpressionAttributeNames contains invalid key: Syntax error; key: \"#sryLiyD8D-\"");
    CHECK_STR(msg(expr_env_init(&env, A, NULL, J("{\":b\":{\"a\":\"\"},\"b\":{\"S\":\"a\"}}"))),
              "ExpressionAttributeValues contains invalid key: Syntax error; key: \"b\"");
    CHECK_STR(msg(expr_env_init(&env, A, J("{\"#a\":\"\"}"), NULL)),
              "ExpressionAttributeNames contains invalid value: Empty attribute name for key #a");
    CHECK_STR(msg(expr_env_init(&env, A, NULL, J("{\":b\":{}}"))),
              "ExpressionAttributeValues contains invalid value: Supplied AttributeValue is "
              "empty, must contain exactly one of the supported datatypes for key :b");
    CHECK_STR(msg(expr_env_init(&env, A, NULL, J("{\":b\":{\"NULL\":false}}"))),
              "ExpressionAttributeValues contains invalid value: One or more parameter values "
              "were invalid: Null attribute value types must have the value of true for key :b");
    CHECK_STR(msg(expr_env_init(&env, A, NULL, J("{\":b\":{\"N\":\"x\"}}"))),
              "ExpressionAttributeValues contains invalid value: The parameter cannot be "
              "converted to a numeric value: x for key :b");
    char key[300] = "#";
    memset(key + 1, 'k', 255);
    key[256] = 0;
    char *json = arena_sprintf(A, "{\"%s\":\"x\"}", key);
    CHECK_STR(msg(expr_env_init(&env, A, J(json), NULL)),
              "ExpressionAttributeNames contains invalid key: The expression attribute map "
              "contains a key that is too long; size of key: 256");
    key[0] = ':';
    json = arena_sprintf(A, "{\"%s\":{\"S\":\"x\"}}", key);
    CHECK_STR(msg(expr_env_init(&env, A, NULL, J(json))),
              "ExpressionAttributeValues contains invalid key: The expression attribute map "
              "contains a key that is too long;");
    /* unused */
    expr_t *x;
    CHECK_STR(parse_with(&env, EXPR_UPDATE, "remove a set b = list_append(b, if_not_exists(a, :a))",
                         "{\"#a\":\"a\",\"#b\":\"b\"}", "{\":a\":{\"S\":\"a\"}}", &x),
              "OK");
    CHECK_STR(msg(expr_env_check_unused(&env)),
              "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}");
    CHECK_STR(parse_with(&env, EXPR_CONDITION, "a = :b", NULL,
                         "{\":a\":{\"S\":\"a\"},\":b\":{\"S\":\"a\"},\":c\":{\"S\":\"a\"}}", &x),
              "OK");
    CHECK_STR(msg(expr_env_check_unused(&env)),
              "Value provided in ExpressionAttributeValues unused in expressions: keys: {:a, :c}");
    CHECK_STR(
        parse_with(&env, EXPR_CONDITION, "#a = :b", "{\"#a\":\"a\"}", "{\":b\":{\"S\":\"a\"}}", &x),
        "OK");
    CHECK_STR(msg(expr_env_check_unused(&env)), "OK");
}

static void test_operand_counts_and_types(void)
{
    const char *counts[][3] = {
        {"attribute_exists(things, a) and a=a", "attribute_exists", "2"},
        {"attribute_not_exists(things, b)", "attribute_not_exists", "2"},
        {"attribute_type(things)", "attribute_type", "1"},
        {"begins_with(things)", "begins_with", "1"},
        {"begins_with(things, size(a), b)", "begins_with", "3"},
        {"contains(things)", "contains", "1"},
        {"size(things, a) > b", "size", "2"},
    };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        char want[256];
        snprintf(want, sizeof want,
                 "Invalid FilterExpression: Incorrect number of operands for operator or "
                 "function; operator or function: %s, number of operands: %s",
                 counts[i][1], counts[i][2]);
        CHECK_STR(ferr(counts[i][0], NULL, NULL), want);
    }
    CHECK_STR(uerr("set a = if_not_exists(c)", NULL, NULL),
              "Invalid UpdateExpression: Incorrect number of operands for operator or function; "
              "operator or function: if_not_exists, number of operands: 1");
    const char *types[][3] = {
        {"attribute_type(a, size(a)) and a=a and a=:a", "attribute_type", "{\"N\":\"1\"}"},
        {"attribute_type(a, :a)", "attribute_type", "{\"N\":\"1\"}"},
        {"attribute_type(a, :a)", "attribute_type", "{\"BOOL\":true}"},
        {"attribute_type(a, :a)", "attribute_type", "{\"SS\":[\"1\"]}"},
        {"begins_with(a, size(a)) and a=:a", "begins_with", "{\"N\":\"1\"}"},
        {"begins_with(a, :a)", "begins_with", "{\"NULL\":true}"},
        {"begins_with(:a, a)", "begins_with", "{\"L\":[]}"},
        {"begins_with(:a, a)", "begins_with", "{\"M\":{}}"},
        {"size(size(a)) > :a", "size", "{\"N\":\"1\"}"},
        {"attribute_not_exists(size(:a))", "size", "{\"N\":\"1\"}"},
        {"size(:a) > a", "size", "{\"BOOL\":true}"},
        {"a < :a", "<", "{\"BOOL\":true}"},
        {"a BETWEEN :a AND :a", "BETWEEN", "{\"SS\":[\"x\"]}"},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        const char *t = strchr(types[i][2], '"') + 1;
        char type[8];
        size_t n = (size_t)(strchr(t, '"') - t);
        memcpy(type, t, n);
        type[n] = 0;
        char want[256], values[128];
        snprintf(want, sizeof want,
                 "Invalid FilterExpression: Incorrect operand type for operator or function; "
                 "operator or function: %s, operand type: %s",
                 types[i][1], type);
        snprintf(values, sizeof values, "{\":a\":%s}", types[i][2]);
        CHECK_STR(ferr(types[i][0], NULL, values), want);
    }
    CHECK_STR(ferr("attribute_type(a, b)", NULL, NULL),
              "Invalid FilterExpression: Incorrect operand type for operator or function; "
              "operator or function: attribute_type, operand type: "
              "{SS,M,DECIMAL,DOUBLESET,HDS,N,B,DICT,INTSET,BOOL,HD,BS,INT,DECIMALSET,NULL,FLOAT,"
              "FS,S,L,NS,DOUBLE}");
    CHECK_STR(ferr("attribute_type(a, :a)", NULL, "{\":a\":{\"S\":\"1\"}}"),
              "Invalid FilterExpression: Invalid attribute type name found; type: 1, valid types: "
              "{N,BS,L,B,NULL,M,S,SS,NS,BOOL}");
    CHECK_STR(ferr("attribute_exists(:a) and a=a", NULL, "{\":a\":{\"S\":\"1\"}}"),
              "Invalid FilterExpression: Operator or function requires a document path; operator "
              "or function: attribute_exists");
    CHECK_STR(ferr("attribute_not_exists(size(:a))", NULL, "{\":a\":{\"S\":\"1\"}}"),
              "Invalid FilterExpression: Operator or function requires a document path; operator "
              "or function: attribute_not_exists");
    CHECK_STR(uerr("set a = if_not_exists(:a, c)", NULL, "{\":a\":{\"S\":\"1\"}}"),
              "Invalid UpdateExpression: Operator or function requires a document path; operator "
              "or function: if_not_exists");
}

static void test_update_operand_types(void)
{
    const char *values = "{\":a\":{\"S\":\"a\"},\":b\":{\"N\":\"1\"},\":c\":{\"B\":\"YQ==\"},"
                         "\":d\":{\"BOOL\":false},\":e\":{\"NULL\":true},\":f\":{\"SS\":[\"a\"]},"
                         "\":g\":{\"NS\":[\"1\"]},\":h\":{\"BS\":[\"YQ==\"]},\":i\":{\"M\":{}},"
                         "\":j\":{\"L\":[]}}";
    const char *cases[][3] = {
        {"set a = list_append(:a, a)", "list_append", "S"},
        {"set a = list_append(a, :b)", "list_append", "N"},
        {"set a = list_append(:i, a)", "list_append", "M"},
        {"set a = a + :a", "+", "S"},
        {"set a = :a + :c", "+", "S"},
        {"set a = :c + a", "+", "B"},
        {"set a = a + :j", "+", "L"},
        {"set a = a - :d", "-", "BOOL"},
        {"set a = a - :h", "-", "BS"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char want[256];
        snprintf(want, sizeof want,
                 "Invalid UpdateExpression: Incorrect operand type for operator or function; "
                 "operator or function: %s, operand type: %s",
                 cases[i][1], cases[i][2]);
        expr_env_t env;
        CHECK_STR(parse_with(&env, EXPR_UPDATE, cases[i][0], NULL, values, NULL), want);
    }
    const char *actions[][4] = {
        {"set b = list_append(:a, a), c = if_not_exists(a) add a.b :a", "{\"S\":\"a\"}", "ADD",
         "STRING"},
        {"delete a.b :a", "{\"S\":\"a\"}", "DELETE", "STRING"},
        {"add a.b :a", "{\"NULL\":true}", "ADD", "NULL"},
        {"add a.b :a", "{\"BOOL\":false}", "ADD", "BOOLEAN"},
        {"delete a.b :a", "{\"B\":\"YQ==\"}", "DELETE", "BINARY"},
        {"add a.b :a", "{\"M\":{}}", "ADD", "MAP"},
        {"add a.b :a", "{\"L\":[]}", "ADD", "LIST"},
        {"delete a.b :a", "{\"N\":\"1\"}", "DELETE", "NUMBER"},
    };
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
        char want[256], vals[128];
        snprintf(want, sizeof want,
                 "Invalid UpdateExpression: Incorrect operand type for operator or function; "
                 "operator: %s, operand type: %s, typeSet: ALLOWED_FOR_%s_OPERAND",
                 actions[i][2], actions[i][3], actions[i][2]);
        snprintf(vals, sizeof vals, "{\":a\":%s}", actions[i][1]);
        CHECK_STR(uerr(actions[i][0], NULL, vals), want);
    }
}

static void test_distinct_operands(void)
{
    const char *cases[][3] = {
        {"a = a AND #a = b AND :views > a", "=", "[a]"},
        {"#a <> a", "<>", "[a]"},
        {"a > #a", ">", "[a]"},
        {"((a=a) OR (a=a))", "=", "[a]"},
        {"contains(ab.bc[1].a, ab.bc[1].#a)", "contains", "[ab, bc, [1], a]"},
        {"attribute_type(ab.bc[1].#a, ab.bc[1].a)", "attribute_type", "[ab, bc, [1], a]"},
        {"begins_with(ab.bc[1].a, ab.bc[1].#a)", "begins_with", "[ab, bc, [1], a]"},
        {"a BETWEEN b AND a", "BETWEEN", "[a]"},
        {"a IN (b, a)", "IN", "[a]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char want[256];
        snprintf(want, sizeof want,
                 "Invalid FilterExpression: The first operand must be distinct from the remaining "
                 "operands for this operator or function; operator: %s, first operand: %s",
                 cases[i][1], cases[i][2]);
        CHECK_STR(ferr(cases[i][0], "{\"#a\":\"a\"}", NULL), want);
    }
    CHECK_STR(ferr(":a > :a", NULL, "{\":a\":{\"N\":\"1\"}}"), "OK");
    CHECK_STR(uerr("SET a = if_not_exists(a, a)", NULL, NULL),
              "Invalid UpdateExpression: The first operand must be distinct from the remaining "
              "operands for this operator or function; operator: if_not_exists, first operand: "
              "[a]");
    CHECK_STR(uerr("SET a = list_append(a, a)", NULL, NULL), "OK");
}

static void test_between_and_in(void)
{
    CHECK_STR(cerr("a BETWEEN :x AND :y"),
              "Invalid ConditionExpression: An expression attribute value used in expression is "
              "not defined; attribute value: :x");
    expr_env_t env;
    CHECK_STR(parse_with(&env, EXPR_CONDITION, "a BETWEEN :x AND :y", NULL,
                         "{\":x\":{\"N\":\"5\"},\":y\":{\"N\":\"1\"}}", NULL),
              "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be "
              "greater than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, "
              "upper bound operand: AttributeValue: {N:1}");
    CHECK_STR(parse_with(&env, EXPR_CONDITION, "a BETWEEN :x AND :y", NULL,
                         "{\":x\":{\"N\":\"1\"},\":y\":{\"S\":\"a\"}}", NULL),
              "Invalid ConditionExpression: The BETWEEN operator requires same data type for "
              "lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound "
              "operand: AttributeValue: {S:a}");
    CHECK_STR(parse_with(&env, EXPR_CONDITION, "a BETWEEN :x AND :y", NULL,
                         "{\":x\":{\"S\":\"b\"},\":y\":{\"S\":\"a\"}}", NULL),
              "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be "
              "greater than or equal to lower bound; lower bound operand: AttributeValue: {S:b}, "
              "upper bound operand: AttributeValue: {S:a}");
    CHECK_STR(parse_with(&env, EXPR_CONDITION, "a BETWEEN :x AND :x", NULL,
                         "{\":x\":{\"S\":\"b\"}}", NULL),
              "OK");
    /* IN: 100 operands are fine, 101 are not */
    buf_t b;
    buf_init(&b);
    buf_append_str(&b, "a IN (");
    for (int i = 0; i < 101; i++)
        buf_printf(&b, "%s:v%d", i ? ", " : "", i);
    buf_append_str(&b, ")");
    buf_t v;
    buf_init(&v);
    buf_putc(&v, '{');
    for (int i = 0; i < 101; i++)
        buf_printf(&v, "%s\":v%d\":{\"N\":\"%d\"}", i ? "," : "", i, i);
    buf_append_str(&v, "}");
    buf_putc(&b, 0);
    buf_putc(&v, 0);
    CHECK_STR(parse_with(&env, EXPR_CONDITION, b.data, NULL, v.data, NULL),
              "Invalid ConditionExpression: The IN operator is provided with too many operands; "
              "number of operands: 101");
    buf_free(&b);
    buf_free(&v);
}

static void test_path_limits_and_operators(void)
{
    buf_t b;
    buf_init(&b);
    buf_append_str(&b, "attribute_exists(a");
    for (int i = 0; i < 32; i++)
        buf_append_str(&b, ".b");
    buf_append_str(&b, ")");
    buf_putc(&b, 0);
    CHECK_STR(cerr(b.data), "Invalid ConditionExpression: The document path has too many nesting "
                            "levels; nesting levels: 33");
    b.len = 0;
    buf_append_str(&b, "attribute_exists(a");
    for (int i = 0; i < 31; i++)
        buf_append_str(&b, "[0]");
    buf_append_str(&b, ")");
    buf_putc(&b, 0);
    CHECK_STR(cerr(b.data), "OK");
    /* 301 operators: 151 comparisons joined by 150 ANDs */
    b.len = 0;
    for (int i = 0; i < 151; i++)
        buf_printf(&b, "%sa%d = :v", i ? " AND " : "", i);
    buf_putc(&b, 0);
    expr_env_t env;
    CHECK_STR(parse_with(&env, EXPR_CONDITION, b.data, NULL, "{\":v\":{\"N\":\"1\"}}", NULL),
              "Invalid ConditionExpression: The expression contains too many operators; operator "
              "count: 301");
    b.len = 0;
    for (int i = 0; i < 149; i++)
        buf_printf(&b, "%sa%d = :v", i ? " AND " : "", i);
    buf_append_str(&b, " AND NOT x = :v"); /* 300 */
    buf_putc(&b, 0);
    CHECK_STR(parse_with(&env, EXPR_CONDITION, b.data, NULL, "{\":v\":{\"N\":\"1\"}}", NULL), "OK");
    /* nesting far beyond what 300 operators allow */
    b.len = 0;
    for (int i = 0; i < 1020; i++)
        buf_append_str(&b, "NOT ");
    buf_append_str(&b, "a = b");
    buf_putc(&b, 0);
    const char *deep = cerr(b.data);
    if (!strstr(deep, "too many operators")) {
        fprintf(stderr, "  %s\n", deep);
        CHECK(0);
    }
    b.len = 0;
    for (int i = 0; i < 2000; i++)
        buf_append_str(&b, "(");
    buf_putc(&b, 0);
    CHECK(strncmp(cerr(b.data), "Invalid ConditionExpression: ", 29) == 0);
    buf_free(&b);
}

static void test_overlapping_paths(void)
{
    const char *names = "{\"#c\":\"c\",\"#d\":\"[3]\"}";
    const char *overlaps[][3] = {
        {"set d[1] = a, d.b = a, c[1].a = a, #c = if_not_exists(a)", "[c, [1], a]", "[c]"},
        {"set c.b.#c = a, c = a, #d = a", "[c, b, c]", "[c]"},
        {"set a = b remove a, #c, #d", "[a]", "[a]"},
        {"set #c[3].#d = a, #c[3] = a", "[c, [3], [3]]", "[c, [3]]"},
        {"remove c, #c.a, #d", "[c]", "[c, a]"},
        {"remove a, #c, a, #d", "[a]", "[a]"},
    };
    for (size_t i = 0; i < sizeof overlaps / sizeof overlaps[0]; i++) {
        char want[256];
        snprintf(want, sizeof want,
                 "Invalid UpdateExpression: Two document paths overlap with each other; must "
                 "remove or rewrite one of these paths; path one: %s, path two: %s",
                 overlaps[i][1], overlaps[i][2]);
        CHECK_STR(uerr(overlaps[i][0], names, NULL), want);
    }
    const char *conflicts[][3] = {
        {"set #c[3].#d = a, #c.#d[3] = if_not_exists(a)", "[c, [3], [3]]", "[c, [3], [3]]"},
        {"remove a.#c set a[1] = #d", "[a, c]", "[a, [1]]"},
    };
    for (size_t i = 0; i < 2; i++) {
        char want[256];
        snprintf(want, sizeof want,
                 "Invalid UpdateExpression: Two document paths conflict with each other; must "
                 "remove or rewrite one of these paths; path one: %s, path two: %s",
                 conflicts[i][1], conflicts[i][2]);
        CHECK_STR(uerr(conflicts[i][0], "{\"#b\":\"b\",\"#c\":\"c\",\"#d\":\"[3]\"}", NULL), want);
    }
    CHECK_STR(uerr("SET #v = :a, #v = :b", "{\"#v\":\"val\"}",
                   "{\":a\":{\"S\":\"x\"},\":b\":{\"S\":\"y\"}}"),
              "Invalid UpdateExpression: Two document paths overlap with each other; must "
              "remove or rewrite one of these paths; path one: [val], path two: [val]");
    CHECK_STR(perr(EXPR_PROJECTION, "a.b, a", NULL, NULL),
              "Invalid ProjectionExpression: Two document paths overlap with each other; must "
              "remove or rewrite one of these paths; path one: [a, b], path two: [a]");
    CHECK_STR(perr(EXPR_PROJECTION, "a[1], a.b", NULL, NULL),
              "Invalid ProjectionExpression: Two document paths conflict with each other; must "
              "remove or rewrite one of these paths; path one: [a, [1]], path two: [a, b]");
    CHECK_STR(perr(EXPR_PROJECTION, "a.b, a.c, a[0].x", NULL, NULL),
              "Invalid ProjectionExpression: Two document paths conflict with each other; must "
              "remove or rewrite one of these paths; path one: [a, c], path two: [a, [0], x]");
    CHECK_STR(perr(EXPR_PROJECTION, "a.b, a.c, d[0], d[1].e", NULL, NULL), "OK");
    /* the earlier path in the text is "path one" */
    const char *more[][4] = {
        {"u", "SET m = :v, m.x = :v", "[m]", "[m, x]"},
        {"u", "SET m.x = :v REMOVE m", "[m, x]", "[m]"},
        {"u", "SET m.x.y = :v, m.x = :v", "[m, x, y]", "[m, x]"},
        {"u", "SET l[0] = :v REMOVE l", "[l, [0]]", "[l]"},
        {"u", "ADD n :v SET n = :v", "[n]", "[n]"},
        {"p", "m, m.x", "[m]", "[m, x]"},
        {"p", "m.x, m", "[m, x]", "[m]"},
        {"p", "l, l[0]", "[l]", "[l, [0]]"},
        {"c", "SET l[0] = :v, l.x = :v", "[l, [0]]", "[l, x]"},
        {"c", "SET m.x = :v REMOVE m[1]", "[m, x]", "[m, [1]]"},
        {"q", "l.x, l[1]", "[l, x]", "[l, [1]]"},
    };
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
        bool update = more[i][0][0] == 'u' || more[i][0][0] == 'c';
        bool conflict = more[i][0][0] == 'c' || more[i][0][0] == 'q';
        char want[300];
        snprintf(want, sizeof want,
                 "Invalid %s: Two document paths %s with each other; must remove or rewrite one "
                 "of these paths; path one: %s, path two: %s",
                 update ? "UpdateExpression" : "ProjectionExpression",
                 conflict ? "conflict" : "overlap", more[i][2], more[i][3]);
        CHECK_STR(perr(update ? EXPR_UPDATE : EXPR_PROJECTION, more[i][1], NULL,
                       update ? "{\":v\":{\"N\":\"1\"}}" : NULL),
                  want);
    }
}

/* --- parsing: precedence and shapes --------------------------------------------- */

static void test_precedence(void)
{
    const char *v = "{\":t\":{\"BOOL\":true}}";
    const char *item = "{\"t\":{\"BOOL\":true},\"f\":{\"BOOL\":false}}";
    /* OR is weakest: T OR T AND F = T OR (T AND F) */
    CHECK(cond("t = :t OR t = :t AND f = :t", item, v, NULL) == 1);
    CHECK(cond("(t = :t OR t = :t) AND f = :t", item, v, NULL) == 0);
    /* NOT binds tighter than AND */
    CHECK(cond("NOT f = :t AND t = :t", item, v, NULL) == 1);
    CHECK(cond("NOT t = :t AND t = :t", item, v, NULL) == 0);
    CHECK(cond("NOT (t = :t AND f = :t)", item, v, NULL) == 1);
    CHECK(cond("NOT NOT t = :t", item, v, NULL) == 1);
    CHECK(cond("f = :t OR NOT f = :t", item, v, NULL) == 1);
    /* keywords in any case */
    CHECK(cond("t = :t and not f = :t or f = :t", item, v, NULL) == 1);
    CHECK_STR(perr(EXPR_CONDITION, "t BeTwEeN :t AnD :t", NULL, v),
              "Invalid ConditionExpression: Incorrect operand type for operator or function; "
              "operator or function: BETWEEN, operand type: BOOL");
    /* BETWEEN's AND is not a logical AND */
    const char *nv = "{\":a\":{\"N\":\"1\"},\":b\":{\"N\":\"9\"},\":c\":{\"N\":\"5\"}}";
    CHECK(cond("n BETWEEN :a AND :b AND n = :c", "{\"n\":{\"N\":\"5\"}}", nv, NULL) == 1);
    CHECK(cond("n BETWEEN :a AND :b AND n <> :c", "{\"n\":{\"N\":\"5\"}}", nv, NULL) == 0);
}

static void test_condition_terms(void)
{
    expr_env_t env;
    expr_t *x;
    CHECK_STR(parse_with(&env, EXPR_KEY_CONDITION, "(#pk = :p) AND begins_with(sk, :s)",
                         "{\"#pk\":\"pk\"}", "{\":p\":{\"S\":\"a\"},\":s\":{\"S\":\"b\"}}", &x),
              "OK");
    expr_term_t t[4];
    CHECK(expr_condition_terms(x, t, 4) == 2);
    CHECK_STR(t[0].op, "=");
    CHECK(t[0].noperands == 2 && t[0].operands[0].path && t[0].operands[1].value);
    CHECK(t[0].operands[0].path->steps[0].name_len == 2);
    CHECK(memcmp(t[0].operands[0].path->steps[0].name, "pk", 2) == 0);
    CHECK_STR(t[1].op, "begins_with");
    CHECK(t[1].operands[1].value->type == VALUE_S);
    CHECK_STR(parse_with(&env, EXPR_KEY_CONDITION, "pk = :p AND sk BETWEEN :p AND :s OR x = :p",
                         NULL, "{\":p\":{\"S\":\"a\"},\":s\":{\"S\":\"b\"}}", &x),
              "OK");
    CHECK(expr_condition_terms(x, t, 4) == 1);
    CHECK_STR(t[0].op, "OR");
    CHECK_STR(parse_with(&env, EXPR_KEY_CONDITION, "a = :p AND b = :p AND c BETWEEN :p AND :s",
                         NULL, "{\":p\":{\"S\":\"a\"},\":s\":{\"S\":\"b\"}}", &x),
              "OK");
    CHECK(expr_condition_terms(x, t, 2) == 3);
    CHECK_STR(t[1].op, "=");
}

/* --- evaluation ------------------------------------------------------------------- */

static const char *ITEM =
    "{\"s\":{\"S\":\"hello\"},\"n\":{\"N\":\"5\"},\"b\":{\"B\":\"AQID\"},\"t\":{\"BOOL\":true},"
    "\"z\":{\"NULL\":true},\"ss\":{\"SS\":[\"a\",\"bb\"]},\"ns\":{\"NS\":[\"1\",\"2.5\"]},"
    "\"bs\":{\"BS\":[\"AQ==\"]},\"l\":{\"L\":[{\"S\":\"x\"},{\"N\":\"1\"},{\"L\":[]}]},"
    "\"m\":{\"M\":{\"k\":{\"S\":\"v\"},\"deep\":{\"M\":{\"er\":{\"N\":\"7\"}}}}},"
    "\"u\":{\"S\":\"h\u00e9\"},\"e\":{\"S\":\"\"}}";

static void test_eval_comparisons(void)
{
    const char *v = "{\":n5\":{\"N\":\"5.0\"},\":n6\":{\"N\":\"6\"},\":s\":{\"S\":\"hello\"},"
                    "\":sa\":{\"S\":\"hellp\"},\":sn\":{\"S\":\"5\"},\":b\":{\"B\":\"AQID\"},"
                    "\":bh\":{\"B\":\"gA==\"}}";
    CHECK(cond("n = :n5", ITEM, v, NULL) == 1);
    CHECK(cond("n <> :n5", ITEM, v, NULL) == 0);
    CHECK(cond("n < :n6", ITEM, v, NULL) == 1);
    CHECK(cond("n <= :n5", ITEM, v, NULL) == 1);
    CHECK(cond("n > :n5", ITEM, v, NULL) == 0);
    CHECK(cond("n >= :n5", ITEM, v, NULL) == 1);
    CHECK(cond("s = :s", ITEM, v, NULL) == 1);
    CHECK(cond("s < :sa", ITEM, v, NULL) == 1);
    CHECK(cond("b = :b", ITEM, v, NULL) == 1);
    CHECK(cond("b < :bh", ITEM, v, NULL) == 1); /* unsigned bytes */
    /* across types: false, except <> */
    CHECK(cond("n = :sn", ITEM, v, NULL) == 0);
    CHECK(cond("n <> :sn", ITEM, v, NULL) == 1);
    CHECK(cond("n < :sn", ITEM, v, NULL) == 0);
    CHECK(cond("n >= :sn", ITEM, v, NULL) == 0);
    CHECK(cond("s < b", ITEM, v, NULL) == 0);
    /* absent attributes */
    CHECK(cond("absent = :s", ITEM, v, NULL) == 0);
    CHECK(cond("absent <> :s", ITEM, v, NULL) == 1);
    CHECK(cond("absent < :s", ITEM, v, NULL) == 0);
    /* unordered types with a path: false, not an error */
    CHECK(cond("t < ss", ITEM, v, NULL) == 0);
    CHECK(cond("l > m", ITEM, v, NULL) == 0);
    /* equality of documents and sets */
    CHECK(cond("ss = :x", ITEM, "{\":x\":{\"SS\":[\"bb\",\"a\"]}}", NULL) == 1);
    CHECK(cond("ns = :x", ITEM, "{\":x\":{\"NS\":[\"2.50\",\"1\"]}}", NULL) == 1);
    CHECK(cond("l = :x", ITEM, "{\":x\":{\"L\":[{\"S\":\"x\"},{\"N\":\"1.0\"},{\"L\":[]}]}}",
               NULL) == 1);
    CHECK(cond("l = :x", ITEM, "{\":x\":{\"L\":[{\"N\":\"1\"},{\"S\":\"x\"},{\"L\":[]}]}}", NULL) ==
          0);
    CHECK(cond("m.deep = :x", ITEM, "{\":x\":{\"M\":{\"er\":{\"N\":\"7\"}}}}", NULL) == 1);
    CHECK(cond("z = :x", ITEM, "{\":x\":{\"NULL\":true}}", NULL) == 1);
    CHECK(cond("t = :x", ITEM, "{\":x\":{\"BOOL\":true}}", NULL) == 1);
    CHECK(cond("t = :x", ITEM, "{\":x\":{\"BOOL\":false}}", NULL) == 0);
    /* nested paths */
    CHECK(cond("m.deep.er = :x", ITEM, "{\":x\":{\"N\":\"7\"}}", NULL) == 1);
    CHECK(cond("l[1] = :x", ITEM, "{\":x\":{\"N\":\"1\"}}", NULL) == 1);
    CHECK(cond("l[7] = :x", ITEM, "{\":x\":{\"N\":\"1\"}}", NULL) == 0);
    CHECK(cond("s[0] = :x", ITEM, "{\":x\":{\"S\":\"h\"}}", NULL) == 0);
    CHECK(cond("m.k.x = :x", ITEM, "{\":x\":{\"S\":\"v\"}}", NULL) == 0);
    CHECK(cond("#m.#k = :x", ITEM, "{\":x\":{\"S\":\"v\"}}", "{\"#m\":\"m\",\"#k\":\"k\"}") == 1);
    /* an attribute named with a dot is one name, through a placeholder */
    CHECK(cond("#d = :x", "{\"a.b\":{\"N\":\"1\"}}", "{\":x\":{\"N\":\"1\"}}",
               "{\"#d\":\"a.b\"}") == 1);
    /* a absent item */
    CHECK(cond("attribute_not_exists(s)", NULL, NULL, NULL) == 1);
    CHECK(cond("s <> :x", NULL, "{\":x\":{\"S\":\"v\"}}", NULL) == 1);
}

static void test_eval_between_in(void)
{
    const char *v = "{\":a\":{\"N\":\"1\"},\":b\":{\"N\":\"5\"},\":c\":{\"N\":\"9\"},"
                    "\":s\":{\"S\":\"a\"},\":t\":{\"S\":\"z\"}}";
    CHECK(cond("n BETWEEN :a AND :c", ITEM, v, NULL) == 1);
    CHECK(cond("n BETWEEN :b AND :b", ITEM, v, NULL) == 1);
    CHECK(cond("n BETWEEN :a AND :a", ITEM, v, NULL) == 0);
    CHECK(cond("s BETWEEN :s AND :t", ITEM, v, NULL) == 1);
    CHECK(cond("s BETWEEN :a AND :c", ITEM, v, NULL) == 0);
    CHECK(cond("absent BETWEEN :a AND :c", ITEM, v, NULL) == 0);
    /* bounds from the item: high < low is simply false */
    CHECK(cond(":b BETWEEN m.deep.er AND n", ITEM, v, NULL) == 0);
    CHECK(cond("n IN (:a, :b)", ITEM, v, NULL) == 1);
    CHECK(cond("n IN (:a, :c)", ITEM, v, NULL) == 0);
    CHECK(cond("n IN (:s)", ITEM, v, NULL) == 0);
    CHECK(cond("absent IN (:a)", ITEM, v, NULL) == 0);
    CHECK(cond("ss IN (:x)", ITEM, "{\":x\":{\"SS\":[\"bb\",\"a\"]}}", NULL) == 1);
}

static void test_eval_functions(void)
{
    CHECK(cond("attribute_exists(s) AND attribute_exists(m.deep.er)", ITEM, NULL, NULL) == 1);
    CHECK(cond("attribute_exists(m.nope)", ITEM, NULL, NULL) == 0);
    CHECK(cond("attribute_not_exists(l[3])", ITEM, NULL, NULL) == 1);
    CHECK(cond("attribute_not_exists(l[2])", ITEM, NULL, NULL) == 0);
    const char *types[][2] = {{"s", "S"},    {"n", "N"},   {"b", "B"},   {"t", "BOOL"},
                              {"z", "NULL"}, {"ss", "SS"}, {"ns", "NS"}, {"bs", "BS"},
                              {"l", "L"},    {"m", "M"}};
    for (size_t i = 0; i < 10; i++) {
        char e[64], v[64];
        snprintf(e, sizeof e, "attribute_type(%s, :t)", types[i][0]);
        snprintf(v, sizeof v, "{\":t\":{\"S\":\"%s\"}}", types[i][1]);
        CHECK(cond(e, ITEM, v, NULL) == 1);
        snprintf(v, sizeof v, "{\":t\":{\"S\":\"%s\"}}", i ? "S" : "N");
        CHECK(cond(e, ITEM, v, NULL) == 0);
    }
    CHECK(cond("attribute_type(absent, :t)", ITEM, "{\":t\":{\"S\":\"S\"}}", NULL) == 0);
    /* begins_with */
    CHECK(cond("begins_with(s, :p)", ITEM, "{\":p\":{\"S\":\"hel\"}}", NULL) == 1);
    CHECK(cond("begins_with(s, :p)", ITEM, "{\":p\":{\"S\":\"hello\"}}", NULL) == 1);
    CHECK(cond("begins_with(s, :p)", ITEM, "{\":p\":{\"S\":\"hello!\"}}", NULL) == 0);
    CHECK(cond("begins_with(s, :p)", ITEM, "{\":p\":{\"S\":\"\"}}", NULL) == 1);
    CHECK(cond("begins_with(b, :p)", ITEM, "{\":p\":{\"B\":\"AQ==\"}}", NULL) == 1);
    CHECK(cond("begins_with(b, :p)", ITEM, "{\":p\":{\"S\":\"A\"}}", NULL) == 0);
    CHECK(cond("begins_with(l, :p)", ITEM, "{\":p\":{\"S\":\"x\"}}", NULL) == 0);
    CHECK(cond("begins_with(absent, :p)", ITEM, "{\":p\":{\"S\":\"x\"}}", NULL) == 0);
    /* contains */
    CHECK(cond("contains(s, :p)", ITEM, "{\":p\":{\"S\":\"ell\"}}", NULL) == 1);
    CHECK(cond("contains(s, :p)", ITEM, "{\":p\":{\"S\":\"elo\"}}", NULL) == 0);
    CHECK(cond("contains(b, :p)", ITEM, "{\":p\":{\"B\":\"AgM=\"}}", NULL) == 1);
    CHECK(cond("contains(ss, :p)", ITEM, "{\":p\":{\"S\":\"bb\"}}", NULL) == 1);
    CHECK(cond("contains(ss, :p)", ITEM, "{\":p\":{\"S\":\"b\"}}", NULL) == 0);
    CHECK(cond("contains(ns, :p)", ITEM, "{\":p\":{\"N\":\"2.50\"}}", NULL) == 1);
    CHECK(cond("contains(ns, :p)", ITEM, "{\":p\":{\"S\":\"1\"}}", NULL) == 0);
    CHECK(cond("contains(bs, :p)", ITEM, "{\":p\":{\"B\":\"AQ==\"}}", NULL) == 1);
    CHECK(cond("contains(l, :p)", ITEM, "{\":p\":{\"N\":\"1.00\"}}", NULL) == 1);
    CHECK(cond("contains(l, :p)", ITEM, "{\":p\":{\"L\":[]}}", NULL) == 1);
    CHECK(cond("contains(l, :p)", ITEM, "{\":p\":{\"S\":\"y\"}}", NULL) == 0);
    CHECK(cond("contains(m, :p)", ITEM, "{\":p\":{\"S\":\"k\"}}", NULL) == 0);
    CHECK(cond("contains(n, :p)", ITEM, "{\":p\":{\"N\":\"5\"}}", NULL) == 0);
    CHECK(cond("contains(s, n)", ITEM, NULL, NULL) == 0);
    /* size */
    const char *sizes[][2] = {{"s", "5"}, {"b", "3"}, {"ss", "2"}, {"ns", "2"}, {"bs", "1"},
                              {"l", "3"}, {"m", "2"}, {"u", "3"},  {"e", "0"},  {"l[2]", "0"}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char e[64], v[64];
        snprintf(e, sizeof e, "size(%s) = :n", sizes[i][0]);
        snprintf(v, sizeof v, "{\":n\":{\"N\":\"%s\"}}", sizes[i][1]);
        if (cond(e, ITEM, v, NULL) != 1) {
            fprintf(stderr, "  %s\n", e);
            CHECK(0);
        }
    }
    CHECK(cond("size(n) = :n", ITEM, "{\":n\":{\"N\":\"1\"}}", NULL) == 0);
    CHECK(cond("size(n) <> :n", ITEM, "{\":n\":{\"N\":\"1\"}}", NULL) == 1);
    CHECK(cond("size(t) >= :n", ITEM, "{\":n\":{\"N\":\"0\"}}", NULL) == 0);
    CHECK(cond("size(absent) < :n", ITEM, "{\":n\":{\"N\":\"0\"}}", NULL) == 0);
    CHECK(cond("size(absent) <> :n", ITEM, "{\":n\":{\"N\":\"0\"}}", NULL) == 1);
    CHECK(cond("size(l) > n", ITEM, NULL, NULL) == 0);
    CHECK(cond("size(s) = n", ITEM, NULL, NULL) == 1);
    CHECK(cond("size(s) BETWEEN :a AND :b", ITEM, "{\":a\":{\"N\":\"1\"},\":b\":{\"N\":\"5\"}}",
               NULL) == 1);
    CHECK(cond("size(m) IN (:a, :b)", ITEM, "{\":a\":{\"N\":\"1\"},\":b\":{\"N\":\"2\"}}", NULL) ==
          1);
    CHECK(cond("size(:v) = :n", ITEM, "{\":v\":{\"S\":\"abc\"},\":n\":{\"N\":\"3\"}}", NULL) == 1);
}

/* --- updates ------------------------------------------------------------------------- */

static void test_update_set(void)
{
    const char *item = "{\"k\":{\"S\":\"key\"},\"a\":{\"N\":\"1\"},\"b\":{\"N\":\"2\"}}";
    CHECK_STR(update("SET a = :v", item, "{\":v\":{\"S\":\"x\"}}", NULL),
              "{\"k\":{\"S\":\"key\"},\"a\":{\"S\":\"x\"},\"b\":{\"N\":\"2\"}}");
    CHECK_STR(
        update("SET c = :v", item, "{\":v\":{\"S\":\"x\"}}", NULL),
        "{\"k\":{\"S\":\"key\"},\"a\":{\"N\":\"1\"},\"b\":{\"N\":\"2\"},\"c\":{\"S\":\"x\"}}");
    /* right-hand sides read the old item: a swap */
    CHECK_STR(update("SET a = b, b = a", item, NULL, NULL),
              "{\"k\":{\"S\":\"key\"},\"a\":{\"N\":\"2\"},\"b\":{\"N\":\"1\"}}");
    CHECK_STR(update("SET a = a + :v", item, "{\":v\":{\"N\":\"0.5\"}}", NULL),
              "{\"k\":{\"S\":\"key\"},\"a\":{\"N\":\"1.5\"},\"b\":{\"N\":\"2\"}}");
    CHECK_STR(update("SET a = b - a", item, NULL, NULL),
              "{\"k\":{\"S\":\"key\"},\"a\":{\"N\":\"1\"},\"b\":{\"N\":\"2\"}}");
    CHECK_STR(update("SET a = (b - :v)", item, "{\":v\":{\"N\":\"10\"}}", NULL),
              "{\"k\":{\"S\":\"key\"},\"a\":{\"N\":\"-8\"},\"b\":{\"N\":\"2\"}}");
    CHECK_STR(
        update("SET c = if_not_exists(c, :v), a = if_not_exists(a, :v)", item,
               "{\":v\":{\"N\":\"9\"}}", NULL),
        "{\"k\":{\"S\":\"key\"},\"a\":{\"N\":\"1\"},\"b\":{\"N\":\"2\"},\"c\":{\"N\":\"9\"}}");
    CHECK_STR(
        update("SET c = if_not_exists(c, :z) + :v", item,
               "{\":v\":{\"N\":\"1\"},\":z\":{\"N\":\"0\"}}", NULL),
        "{\"k\":{\"S\":\"key\"},\"a\":{\"N\":\"1\"},\"b\":{\"N\":\"2\"},\"c\":{\"N\":\"1\"}}");
    CHECK_STR(
        update("set b2 = if_not_exists(b2, k)", item, NULL, NULL),
        "{\"k\":{\"S\":\"key\"},\"a\":{\"N\":\"1\"},\"b\":{\"N\":\"2\"},\"b2\":{\"S\":\"key\"}}");
    /* a absent operand */
    CHECK_STR(update("SET c = absent", item, NULL, NULL),
              "The provided expression refers to an attribute that does not exist in the item");
    CHECK_STR(update("SET c = absent + a", item, NULL, NULL),
              "The provided expression refers to an attribute that does not exist in the item");
    CHECK_STR(update("SET a = if_not_exists(a, absent)", item, NULL, NULL),
              "The provided expression refers to an attribute that does not exist in the item");
    CHECK_STR(update("SET e = list_append(absent, :l)", item, "{\":l\":{\"L\":[]}}", NULL),
              "The provided expression refers to an attribute that does not exist in the item");
    /* wrong types found in the item */
    CHECK_STR(update("SET c = k + :v", item, "{\":v\":{\"N\":\"1\"}}", NULL),
              "An operand in the update expression has an incorrect data type");
    CHECK_STR(update("SET c = list_append(a, :l)", item, "{\":l\":{\"L\":[]}}", NULL),
              "An operand in the update expression has an incorrect data type");
    /* number limits */
    CHECK_STR(update("SET a = :v + :v", item,
                     "{\":v\":{\"N\":\"9.9999999999999999999999999999999999999E+125\"}}", NULL),
              "Number overflow. Attempting to store a number with magnitude larger than "
              "supported range");
    CHECK_STR(update("SET a = a + :v", item,
                     "{\":v\":{\"N\":\"0.10000000000000000000000000000000000001\"}}", NULL),
              "Attempting to store more than 38 significant digits in a Number");
    /* a new item */
    CHECK_STR(update("SET a = :v", NULL, "{\":v\":{\"N\":\"1\"}}", NULL), "{\"a\":{\"N\":\"1\"}}");
}

static void test_update_lists(void)
{
    const char *item = "{\"l\":{\"L\":[{\"S\":\"a\"},{\"S\":\"b\"},{\"S\":\"c\"},{\"S\":\"d\"}]}}";
    CHECK_STR(update("REMOVE l[1]", item, NULL, NULL),
              "{\"l\":{\"L\":[{\"S\":\"a\"},{\"S\":\"c\"},{\"S\":\"d\"}]}}");
    /* several indexes all refer to the original list */
    CHECK_STR(update("REMOVE l[1], l[2]", item, NULL, NULL),
              "{\"l\":{\"L\":[{\"S\":\"a\"},{\"S\":\"d\"}]}}");
    CHECK_STR(update("REMOVE l[3], l[0]", item, NULL, NULL),
              "{\"l\":{\"L\":[{\"S\":\"b\"},{\"S\":\"c\"}]}}");
    CHECK_STR(update("REMOVE l[9]", item, NULL, NULL), item);
    /* past the end appends, in index order */
    CHECK_STR(update("SET l[9] = :x, l[6] = :y", item,
                     "{\":x\":{\"S\":\"x\"},\":y\":{\"S\":\"y\"}}", NULL),
              "{\"l\":{\"L\":[{\"S\":\"a\"},{\"S\":\"b\"},{\"S\":\"c\"},{\"S\":\"d\"},"
              "{\"S\":\"y\"},{\"S\":\"x\"}]}}");
    CHECK_STR(update("SET l[1] = :x REMOVE l[0]", item, "{\":x\":{\"S\":\"x\"}}", NULL),
              "{\"l\":{\"L\":[{\"S\":\"x\"},{\"S\":\"c\"},{\"S\":\"d\"}]}}");
    CHECK_STR(update("SET l[0] = :x", "{\"l\":{\"L\":[]}}", "{\":x\":{\"S\":\"x\"}}", NULL),
              "{\"l\":{\"L\":[{\"S\":\"x\"}]}}");
    /* list_append both orders */
    const char *v = "{\":x\":{\"L\":[{\"N\":\"1\"},{\"N\":\"2\"}]}}";
    CHECK_STR(update("SET l = list_append(l, :x)", "{\"l\":{\"L\":[{\"S\":\"a\"}]}}", v, NULL),
              "{\"l\":{\"L\":[{\"S\":\"a\"},{\"N\":\"1\"},{\"N\":\"2\"}]}}");
    CHECK_STR(update("SET l = list_append(:x, l)", "{\"l\":{\"L\":[{\"S\":\"a\"}]}}", v, NULL),
              "{\"l\":{\"L\":[{\"N\":\"1\"},{\"N\":\"2\"},{\"S\":\"a\"}]}}");
    CHECK_STR(update("SET l = list_append(if_not_exists(l, :e), :x)", "{}",
                     "{\":x\":{\"L\":[{\"N\":\"1\"}]},\":e\":{\"L\":[]}}", NULL),
              "{\"l\":{\"L\":[{\"N\":\"1\"}]}}");
    /* the service's worked case: b = {a:1,b:2,c:3}, c = [1,3] */
    const char *it = "{\"a\":{\"S\":\"K\"},\"b\":{\"M\":{\"a\":{\"N\":\"1\"},\"b\":{\"N\":\"2\"},"
                     "\"c\":{\"N\":\"3\"}}},\"c\":{\"L\":[{\"N\":\"1\"},{\"N\":\"3\"}]}}";
    CHECK_STR(update("set b.c=((c[1])+(b.a)),b.a = a,c[1] = a, c[4] = b.a - b.b, c[2] = b.c "
                     "add c[8] :b, c[6] :a",
                     it, "{\":a\":{\"N\":\"2\"},\":b\":{\"SS\":[\"a\"]}}", NULL),
              "{\"a\":{\"S\":\"K\"},\"b\":{\"M\":{\"a\":{\"S\":\"K\"},\"b\":{\"N\":\"2\"},"
              "\"c\":{\"N\":\"4\"}}},\"c\":{\"L\":[{\"N\":\"1\"},{\"S\":\"K\"},{\"N\":\"3\"},"
              "{\"N\":\"-1\"},{\"N\":\"2\"},{\"SS\":[\"a\"]}]}}");
}

static void test_update_nested(void)
{
    const char *item = "{\"m\":{\"M\":{\"x\":{\"N\":\"1\"},\"l\":{\"L\":[{\"M\":{}}]}}},"
                       "\"s\":{\"S\":\"v\"},\"c\":{\"M\":{\"1\":{\"S\":\"a\"}}},"
                       "\"d\":{\"L\":[{\"S\":\"a\"},{\"S\":\"b\"}]}}";
    const char *v = "{\":v\":{\"N\":\"2\"}}";
    CHECK_STR(update("SET m.y = :v", item, v, NULL),
              "{\"m\":{\"M\":{\"x\":{\"N\":\"1\"},\"l\":{\"L\":[{\"M\":{}}]},\"y\":{\"N\":\"2\"}}},"
              "\"s\":{\"S\":\"v\"},\"c\":{\"M\":{\"1\":{\"S\":\"a\"}}},"
              "\"d\":{\"L\":[{\"S\":\"a\"},{\"S\":\"b\"}]}}");
    CHECK_STR(update("SET m.l[0].z = :v REMOVE m.x", item, v, NULL),
              "{\"m\":{\"M\":{\"l\":{\"L\":[{\"M\":{\"z\":{\"N\":\"2\"}}}]}}},"
              "\"s\":{\"S\":\"v\"},\"c\":{\"M\":{\"1\":{\"S\":\"a\"}}},"
              "\"d\":{\"L\":[{\"S\":\"a\"},{\"S\":\"b\"}]}}");
    CHECK_STR(update("REMOVE m.nope, m.l[5]", item, NULL, NULL), json_of(item_of(item)));
    /* paths that cannot be updated */
    const char *bad[] = {
        "SET q.a = :v",    "SET q[1] = :v",     "SET s.a = :v", "SET s[1] = :v", "SET c[1] = :v",
        "SET d.#1 = :v",   "REMOVE s.a",        "REMOVE q.a",   "REMOVE q[1]",   "REMOVE c[1]",
        "REMOVE d.#1",     "ADD s.a :v",        "ADD q[1] :v",  "ADD d.#1 :v",   "DELETE q.a :ss",
        "DELETE c[1] :ss", "SET m.l[3].z = :v",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *got = update(bad[i], item, "{\":v\":{\"N\":\"2\"},\":ss\":{\"SS\":[\"a\"]}}",
                                 strstr(bad[i], "#1") ? "{\"#1\":\"1\"}" : NULL);
        if (strcmp(got, "The document path provided in the update expression is invalid for "
                        "update") != 0) {
            fprintf(stderr, "  %s -> %s\n", bad[i], got);
            CHECK(0);
        }
    }
    CHECK_STR(update("SET b.a = a", NULL, NULL, NULL),
              "The document path provided in the update expression is invalid for update");
    /* nesting beyond the limit */
    buf_t b;
    buf_init(&b);
    buf_append_str(&b, "{\":v\":");
    for (int i = 0; i < 31; i++)
        buf_append_str(&b, "{\"M\":{\"x\":");
    buf_append_str(&b, "{\"N\":\"1\"}");
    for (int i = 0; i < 31; i++)
        buf_append_str(&b, "}}");
    buf_append_str(&b, "}");
    buf_putc(&b, 0);
    CHECK(strncmp(update("SET a = :v", "{}", b.data, NULL), "{\"a\"", 4) == 0);
    CHECK_STR(update("SET m.a = :v", item, b.data, NULL),
              "Nesting Levels have exceeded supported limits: Attributes in the item have nested "
              "levels beyond supported limit");
    buf_free(&b);
}

static void test_update_add_delete(void)
{
    const char *item = "{\"n\":{\"N\":\"5\"},\"ss\":{\"SS\":[\"a\",\"b\"]},\"ns\":{\"NS\":[\"1\"]},"
                       "\"s\":{\"S\":\"x\"},\"m\":{\"M\":{}}}";
    CHECK_STR(update("ADD n :v", item, "{\":v\":{\"N\":\"-7\"}}", NULL),
              "{\"n\":{\"N\":\"-2\"},\"ss\":{\"SS\":[\"a\",\"b\"]},\"ns\":{\"NS\":[\"1\"]},"
              "\"s\":{\"S\":\"x\"},\"m\":{\"M\":{}}}");
    CHECK_STR(update("ADD fresh :v", "{}", "{\":v\":{\"N\":\"3\"}}", NULL),
              "{\"fresh\":{\"N\":\"3\"}}");
    CHECK_STR(update("ADD ss :v", item, "{\":v\":{\"SS\":[\"b\",\"c\"]}}", NULL),
              "{\"n\":{\"N\":\"5\"},\"ss\":{\"SS\":[\"a\",\"b\",\"c\"]},\"ns\":{\"NS\":[\"1\"]},"
              "\"s\":{\"S\":\"x\"},\"m\":{\"M\":{}}}");
    CHECK_STR(update("ADD ns :v", item, "{\":v\":{\"NS\":[\"1.0\",\"2\"]}}", NULL),
              "{\"n\":{\"N\":\"5\"},\"ss\":{\"SS\":[\"a\",\"b\"]},\"ns\":{\"NS\":[\"1\",\"2\"]},"
              "\"s\":{\"S\":\"x\"},\"m\":{\"M\":{}}}");
    CHECK_STR(update("ADD m.c :v", item, "{\":v\":{\"NS\":[\"1\"]}}", NULL),
              "{\"n\":{\"N\":\"5\"},\"ss\":{\"SS\":[\"a\",\"b\"]},\"ns\":{\"NS\":[\"1\"]},"
              "\"s\":{\"S\":\"x\"},\"m\":{\"M\":{\"c\":{\"NS\":[\"1\"]}}}}");
    CHECK_STR(update("DELETE ss :v", item, "{\":v\":{\"SS\":[\"a\",\"z\"]}}", NULL),
              "{\"n\":{\"N\":\"5\"},\"ss\":{\"SS\":[\"b\"]},\"ns\":{\"NS\":[\"1\"]},"
              "\"s\":{\"S\":\"x\"},\"m\":{\"M\":{}}}");
    /* the set becomes empty: the attribute goes */
    CHECK_STR(update("DELETE ss :v", item, "{\":v\":{\"SS\":[\"a\",\"b\"]}}", NULL),
              "{\"n\":{\"N\":\"5\"},\"ns\":{\"NS\":[\"1\"]},\"s\":{\"S\":\"x\"},\"m\":{\"M\":{}}}");
    CHECK_STR(update("DELETE absent :v", item, "{\":v\":{\"SS\":[\"a\"]}}", NULL),
              json_of(item_of(item)));
    /* type mismatches found in the item */
    CHECK_STR(update("ADD ss :v", item, "{\":v\":{\"NS\":[\"1\"]}}", NULL),
              "An operand in the update expression has an incorrect data type");
    CHECK_STR(update("ADD ns :v", item, "{\":v\":{\"N\":\"1\"}}", NULL),
              "An operand in the update expression has an incorrect data type");
    CHECK_STR(update("ADD m :v", item, "{\":v\":{\"NS\":[\"1\"]}}", NULL),
              "An operand in the update expression has an incorrect data type");
    CHECK_STR(update("DELETE n :v", item, "{\":v\":{\"NS\":[\"1\"]}}", NULL),
              "An operand in the update expression has an incorrect data type");
    /* clauses in any order, several actions per clause */
    CHECK_STR(update("REMOVE b DELETE c :c ADD d :d, e :e SET f = :f", "{}",
                     "{\":c\":{\"SS\":[\"a\"]},\":d\":{\"N\":\"5\"},\":e\":{\"SS\":[\"a\"]},"
                     "\":f\":{\"L\":[{\"S\":\"a\"}]}}",
                     NULL),
              "{\"d\":{\"N\":\"5\"},\"e\":{\"SS\":[\"a\"]},\"f\":{\"L\":[{\"S\":\"a\"}]}}");
}

static void test_update_paths_listed(void)
{
    expr_env_t env;
    expr_t *x;
    CHECK_STR(parse_with(&env, EXPR_UPDATE, "SET a.b = :v, #c[2] = :v REMOVE d ADD e :v",
                         "{\"#c\":\"c\"}", "{\":v\":{\"N\":\"1\"}}", &x),
              "OK");
    const expr_path_t *p;
    CHECK(expr_paths(x, &p) == 4);
    CHECK(p[0].count == 2 && p[0].steps[1].name_len == 1 && p[0].steps[1].name[0] == 'b');
    CHECK(p[1].count == 2 && p[1].steps[0].name[0] == 'c' && p[1].steps[1].is_index &&
          p[1].steps[1].index == 2);
    CHECK(p[2].count == 1 && p[2].steps[0].name[0] == 'd');
    CHECK(p[3].steps[0].name[0] == 'e');
}

/* --- projections ----------------------------------------------------------------------- */

static void test_projection(void)
{
    const char *item =
        "{\"a\":{\"N\":\"1\"},\"b\":{\"M\":{\"c\":{\"S\":\"x\"},\"d\":{\"S\":\"y\"}}},"
        "\"l\":{\"L\":[{\"S\":\"0\"},{\"M\":{\"p\":{\"N\":\"1\"},\"q\":{\"N\":\"2\"}}},"
        "{\"S\":\"2\"},{\"S\":\"3\"}]},\"s\":{\"S\":\"str\"}}";
    CHECK_STR(project("a", item, NULL), "{\"a\":{\"N\":\"1\"}}");
    CHECK_STR(project("s, a", item, NULL), "{\"a\":{\"N\":\"1\"},\"s\":{\"S\":\"str\"}}");
    CHECK_STR(project("b.d", item, NULL), "{\"b\":{\"M\":{\"d\":{\"S\":\"y\"}}}}");
    CHECK_STR(project("l[3], l[0]", item, NULL), "{\"l\":{\"L\":[{\"S\":\"0\"},{\"S\":\"3\"}]}}");
    CHECK_STR(project("l[1].q, l[9]", item, NULL),
              "{\"l\":{\"L\":[{\"M\":{\"q\":{\"N\":\"2\"}}}]}}");
    CHECK_STR(project("b.zz, s.x, l[0].p, absent", item, NULL), "{}");
    CHECK_STR(project("#b.#c", item, "{\"#b\":\"b\",\"#c\":\"c\"}"),
              "{\"b\":{\"M\":{\"c\":{\"S\":\"x\"}}}}");
    /* overlapping paths passed by the caller: the shorter covers */
    expr_path_step_t s1[1] = {{false, 0, "b", 1}};
    expr_path_step_t s2[2] = {{false, 0, "b", 1}, {false, 0, "c", 1}};
    expr_path_t paths[2] = {{s2, 2}, {s1, 1}};
    value_t out;
    expr_project(A, item_of(item), paths, 2, &out);
    CHECK_STR(json_of(&out), "{\"b\":{\"M\":{\"c\":{\"S\":\"x\"},\"d\":{\"S\":\"y\"}}}}");
    expr_project(A, NULL, paths, 2, &out);
    CHECK_STR(json_of(&out), "{}");
}

/* --- legacy ------------------------------------------------------------------------------- */

static const char *expected(const char *json, const char *op, const char *item)
{
    expr_env_t env;
    expr_env_init(&env, A, NULL, NULL);
    expr_t *x;
    ddb_error_t *e = expr_from_expected(&env, J(json), op, &x);
    if (e) return msg(e);
    bool r;
    expr_condition_eval(&env, x, item_of(item), &r);
    return r ? "true" : "false";
}

static void test_legacy_expected(void)
{
    const char *item = "{\"a\":{\"S\":\"x\"},\"n\":{\"N\":\"5\"},\"ss\":{\"SS\":[\"p\",\"q\"]}}";
    CHECK_STR(expected("{\"a\":{\"Value\":{\"S\":\"x\"}}}", NULL, item), "true");
    CHECK_STR(expected("{\"a\":{\"Value\":{\"S\":\"y\"}}}", NULL, item), "false");
    CHECK_STR(expected("{\"a\":{\"Exists\":true,\"Value\":{\"S\":\"x\"}}}", NULL, item), "true");
    CHECK_STR(expected("{\"b\":{\"Exists\":false}}", NULL, item), "true");
    CHECK_STR(expected("{\"a\":{\"Exists\":false}}", NULL, item), "false");
    CHECK_STR(expected("{\"a\":{\"Value\":{\"S\":\"x\"}}}", NULL, NULL), "false");
    CHECK_STR(expected("{}", NULL, item), "true");
    const char *ops[][3] = {
        {"EQ", "[{\"N\":\"5\"}]", "true"},
        {"NE", "[{\"N\":\"5\"}]", "false"},
        {"LT", "[{\"N\":\"6\"}]", "true"},
        {"LE", "[{\"N\":\"5\"}]", "true"},
        {"GT", "[{\"N\":\"5\"}]", "false"},
        {"GE", "[{\"N\":\"5\"}]", "true"},
        {"NOT_NULL", "[]", "true"},
        {"NULL", "[]", "false"},
        {"IN", "[{\"N\":\"1\"},{\"N\":\"5\"}]", "true"},
        {"BETWEEN", "[{\"N\":\"1\"},{\"N\":\"5\"}]", "true"},
        {"BETWEEN", "[{\"N\":\"6\"},{\"N\":\"9\"}]", "false"},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        char *j =
            arena_sprintf(A, "{\"n\":{\"ComparisonOperator\":\"%s\",\"AttributeValueList\":%s}}",
                          ops[i][0], ops[i][1]);
        if (strcmp(ops[i][1], "[]") == 0)
            j = arena_sprintf(A, "{\"n\":{\"ComparisonOperator\":\"%s\"}}", ops[i][0]);
        const char *got = expected(j, NULL, item);
        if (strcmp(got, ops[i][2]) != 0) {
            fprintf(stderr, "  %s -> %s\n", j, got);
            CHECK(0);
        }
    }
    CHECK_STR(
        expected(
            "{\"ss\":{\"ComparisonOperator\":\"CONTAINS\",\"AttributeValueList\":[{\"S\":\"p\"}]}}",
            NULL, item),
        "true");
    CHECK_STR(expected("{\"ss\":{\"ComparisonOperator\":\"NOT_CONTAINS\",\"AttributeValueList\":[{"
                       "\"S\":\"p\"}]}}",
                       NULL, item),
              "false");
    CHECK_STR(expected("{\"a\":{\"ComparisonOperator\":\"BEGINS_WITH\",\"Value\":{\"S\":\"x\"}}}",
                       NULL, item),
              "true");
    CHECK_STR(expected("{\"a\":{\"ComparisonOperator\":\"EQ\",\"Value\":{\"S\":\"x\"}},"
                       "\"n\":{\"Value\":{\"N\":\"6\"}}}",
                       "AND", item),
              "false");
    CHECK_STR(expected("{\"a\":{\"ComparisonOperator\":\"EQ\",\"Value\":{\"S\":\"x\"}},"
                       "\"n\":{\"Value\":{\"N\":\"6\"}}}",
                       "OR", item),
              "true");
    /* validation */
    CHECK_STR(expected("{\"a\":{}}", NULL, item),
              "One or more parameter values were invalid: Value must be provided when Exists is "
              "null for Attribute: a");
    CHECK_STR(expected("{\"a\":{\"Exists\":true}}", NULL, item),
              "One or more parameter values were invalid: Value must be provided when Exists is "
              "true for Attribute: a");
    CHECK_STR(expected("{\"a\":{\"Exists\":false,\"Value\":{\"S\":\"a\"}}}", NULL, item),
              "One or more parameter values were invalid: Value cannot be used when Exists is "
              "false for Attribute: a");
    CHECK_STR(expected("{\"a\":{\"ComparisonOperator\":\"LT\"}}", NULL, item),
              "One or more parameter values were invalid: Value or AttributeValueList must be "
              "used with ComparisonOperator: LT for Attribute: a");
    CHECK_STR(expected("{\"a\":{\"Exists\":true,\"ComparisonOperator\":\"LT\"}}", NULL, item),
              "One or more parameter values were invalid: Exists and ComparisonOperator cannot "
              "be used together for Attribute: a");
    CHECK_STR(expected("{\"a\":{\"AttributeValueList\":[{\"S\":\"a\"}],\"Value\":{\"S\":\"a\"},"
                       "\"ComparisonOperator\":\"LT\"}}",
                       NULL, item),
              "One or more parameter values were invalid: Value and AttributeValueList cannot be "
              "used together for Attribute: a");
    CHECK_STR(expected("{\"a\":{\"AttributeValueList\":[{\"S\":\"a\"}]}}", NULL, item),
              "One or more parameter values were invalid: AttributeValueList can only be used "
              "with a ComparisonOperator for Attribute: a");
    CHECK_STR(
        expected("{\"a\":{\"Exists\":true,\"AttributeValueList\":[{\"S\":\"a\"}]}}", NULL, item),
        "One or more parameter values were invalid: AttributeValueList can only be used "
        "with a ComparisonOperator for Attribute: a");
    const char *counts[][2] = {
        {"EQ", "[]"},
        {"NULL", "[{\"S\":\"a\"}]"},
        {"IN", "[]"},
        {"BETWEEN", "[{\"N\":\"1\"},{\"N\":\"10\"},{\"N\":\"12\"}]"},
        {"NE", "[{\"S\":\"a\"},{\"S\":\"a\"}]"},
    };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        char *j =
            arena_sprintf(A, "{\"a\":{\"ComparisonOperator\":\"%s\",\"AttributeValueList\":%s}}",
                          counts[i][0], counts[i][1]);
        char *want = arena_sprintf(A,
                                   "One or more parameter values were invalid: Invalid number "
                                   "of argument(s) for the %s ComparisonOperator",
                                   counts[i][0]);
        CHECK_STR(expected(j, NULL, item), want);
    }
    CHECK_STR(expected("{\"a\":{\"ComparisonOperator\":\"BETWEEN\",\"Value\":{\"S\":\"a\"}}}", NULL,
                       item),
              "One or more parameter values were invalid: Invalid number of argument(s) for the "
              "BETWEEN ComparisonOperator");
    CHECK_STR(
        expected("{\"a\":{\"ComparisonOperator\":\"LT\",\"AttributeValueList\":[{\"BOOL\":true}]}}",
                 NULL, item),
        "One or more parameter values were invalid: ComparisonOperator LT is not valid for "
        "BOOL AttributeValue type");
    CHECK_STR(expected("{\"a\":{\"ComparisonOperator\":\"CONTAINS\",\"AttributeValueList\":[{"
                       "\"SS\":[\"a\"]}]}}",
                       NULL, item),
              "One or more parameter values were invalid: ComparisonOperator CONTAINS is not "
              "valid for SS AttributeValue type");
    CHECK_STR(expected("{\"a\":{\"ComparisonOperator\":\"BEGINS_WITH\",\"AttributeValueList\":[{"
                       "\"N\":\"1\"}]}}",
                       NULL, item),
              "One or more parameter values were invalid: ComparisonOperator BEGINS_WITH is not "
              "valid for N AttributeValue type");
    /* one AttributeValueList: one type, BETWEEN's bounds in order */
    CHECK_STR(expected("{\"n\":{\"ComparisonOperator\":\"IN\",\"AttributeValueList\":[{"
                       "\"N\":\"5\"},{\"S\":\"5\"}]}}",
                       NULL, item),
              "One or more parameter values were invalid: AttributeValues inside "
              "AttributeValueList must be of same type");
    CHECK_STR(expected("{\"n\":{\"ComparisonOperator\":\"BETWEEN\",\"AttributeValueList\":[{"
                       "\"N\":\"10\"},{\"N\":\"9\"}]}}",
                       NULL, item),
              "The BETWEEN condition was provided a range where the lower bound is greater than "
              "the upper bound");
    CHECK_STR(expected("{\"n\":{\"ComparisonOperator\":\"BETWEEN\",\"AttributeValueList\":[{"
                       "\"N\":\"5\"},{\"N\":\"5.0\"}]}}",
                       NULL, item),
              "true");
    CHECK_STR(expected("{\"n\":{\"ComparisonOperator\":\"IN\",\"AttributeValueList\":[{"
                       "\"N\":\"5\"},{\"SS\":[\"5\"]}]}}",
                       NULL, item),
              "One or more parameter values were invalid: ComparisonOperator IN is not valid for "
              "SS AttributeValue type");
    CHECK_STR(expected("{\"a\":{\"Value\":{}}}", NULL, item),
              "Supplied AttributeValue is empty, must contain exactly one of the supported "
              "datatypes");
}

static const char *attribute_updates(const char *json, const char *item)
{
    expr_env_t env;
    expr_env_init(&env, A, NULL, NULL);
    expr_t *x;
    ddb_error_t *e = expr_from_attribute_updates(&env, J(json), &x);
    if (e) return msg(e);
    value_t out;
    if ((e = expr_update_apply(&env, x, item_of(item), &out))) return msg(e);
    return json_of(&out);
}

static void test_legacy_attribute_updates(void)
{
    const char *item = "{\"k\":{\"S\":\"x\"},\"n\":{\"N\":\"1\"},\"ss\":{\"SS\":[\"a\",\"b\"]},"
                       "\"l\":{\"L\":[{\"S\":\"a\"}]}}";
    CHECK_STR(attribute_updates("{\"n\":{\"Value\":{\"S\":\"v\"}}}", item),
              "{\"k\":{\"S\":\"x\"},\"n\":{\"S\":\"v\"},\"ss\":{\"SS\":[\"a\",\"b\"]},"
              "\"l\":{\"L\":[{\"S\":\"a\"}]}}");
    CHECK_STR(attribute_updates("{\"n\":{\"Action\":\"ADD\",\"Value\":{\"N\":\"3\"}},"
                                "\"ss\":{\"Action\":\"ADD\",\"Value\":{\"SS\":[\"c\"]}},"
                                "\"l\":{\"Action\":\"ADD\",\"Value\":{\"L\":[{\"N\":\"2\"}]}},"
                                "\"fresh\":{\"Action\":\"ADD\",\"Value\":{\"L\":[]}}}",
                                item),
              "{\"k\":{\"S\":\"x\"},\"n\":{\"N\":\"4\"},\"ss\":{\"SS\":[\"a\",\"b\",\"c\"]},"
              "\"l\":{\"L\":[{\"S\":\"a\"},{\"N\":\"2\"}]},\"fresh\":{\"L\":[]}}");
    CHECK_STR(attribute_updates("{\"n\":{\"Action\":\"DELETE\"},\"ss\":{\"Action\":\"DELETE\","
                                "\"Value\":{\"SS\":[\"a\",\"b\"]}},\"zz\":{\"Action\":\"DELETE\","
                                "\"Value\":{\"SS\":[\"a\"]}}}",
                                item),
              "{\"k\":{\"S\":\"x\"},\"l\":{\"L\":[{\"S\":\"a\"}]}}");
    CHECK_STR(
        attribute_updates("{\"ss\":{\"Action\":\"DELETE\",\"Value\":{\"NS\":[\"1\"]}}}", item),
        "Type mismatch for attribute to update");
    CHECK_STR(attribute_updates("{\"n\":{\"Action\":\"ADD\",\"Value\":{\"NS\":[\"1\"]}}}", item),
              "Type mismatch for attribute to update");
    CHECK_STR(attribute_updates("{\"a\":{\"x\":\"whatever\"}}", item),
              "One or more parameter values were invalid: Only DELETE action is allowed when no "
              "attribute value is specified");
    const char *del[] = {"{\"S\":\"1\"}", "{\"N\":\"1\"}", "{\"BOOL\":true}", "{\"M\":{}}",
                         "{\"L\":[]}"};
    for (size_t i = 0; i < 5; i++) {
        char *j = arena_sprintf(A, "{\"a\":{\"Action\":\"DELETE\",\"Value\":%s}}", del[i]);
        char t[8];
        const char *q = strchr(del[i], '"') + 1;
        size_t n = (size_t)(strchr(q, '"') - q);
        memcpy(t, q, n);
        t[n] = 0;
        char *want = arena_sprintf(A,
                                   "One or more parameter values were invalid: DELETE action "
                                   "with value is not supported for the type %s",
                                   t);
        CHECK_STR(attribute_updates(j, item), want);
    }
    const char *add[] = {"{\"S\":\"1\"}", "{\"B\":\"Yg==\"}", "{\"NULL\":true}", "{\"BOOL\":true}",
                         "{\"M\":{}}"};
    for (size_t i = 0; i < 5; i++) {
        char *j = arena_sprintf(A, "{\"a\":{\"Action\":\"ADD\",\"Value\":%s}}", add[i]);
        char t[8];
        const char *q = strchr(add[i], '"') + 1;
        size_t n = (size_t)(strchr(q, '"') - q);
        memcpy(t, q, n);
        t[n] = 0;
        char *want = arena_sprintf(A,
                                   "One or more parameter values were invalid: ADD action is not "
                                   "supported for the type %s",
                                   t);
        CHECK_STR(attribute_updates(j, item), want);
    }
}

/* The enumerations of the legacy members, as one constraint list. */
static const char *legacy_enums(const char *entries, const char *path, bool required,
                                const char *conditional_operator, const char *updates)
{
    constraint_list_t cl;
    constraint_list_init(&cl, A);
    if (entries) expr_legacy_check_operators(&cl, J(entries), path, required);
    expr_legacy_check_conditional_operator(&cl, conditional_operator);
    if (updates) expr_legacy_check_actions(&cl, J(updates));
    return msg(constraint_list_finish(&cl));
}

static void test_legacy_enums(void)
{
    const char *ops = "Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, "
                      "EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]";
    CHECK_STR(legacy_enums("{\"a\":{\"ComparisonOperator\":\"XX\"}}", "expected", false, NULL,
                           NULL),
              arena_sprintf(A, "1 validation error detected: Value 'XX' at "
                               "'expected.a.member.comparisonOperator' failed to satisfy "
                               "constraint: %s", ops));
    /* optional in Expected, required in a Condition */
    CHECK_STR(legacy_enums("{\"a\":{}}", "expected", false, NULL, NULL), "OK");
    CHECK_STR(legacy_enums("{\"a\":{},\"b\":{\"ComparisonOperator\":null},\"c\":\"x\"}",
                           "scanFilter", true, NULL, NULL),
              "2 validation errors detected: Value null at "
              "'scanFilter.a.member.comparisonOperator' failed to satisfy constraint: Member must "
              "not be null; Value null at 'scanFilter.b.member.comparisonOperator' failed to "
              "satisfy constraint: Member must not be null");
    CHECK_STR(legacy_enums("{\"a\":{\"ComparisonOperator\":\"EQ\"}}", "queryFilter", true, "OR",
                           "{\"a\":{\"Action\":\"ADD\"},\"b\":{}}"),
              "OK");
    CHECK_STR(legacy_enums(NULL, NULL, false, "AN", NULL),
              "1 validation error detected: Value 'AN' at 'conditionalOperator' failed to satisfy "
              "constraint: Member must satisfy enum value set: [OR, AND]");
    CHECK_STR(legacy_enums(NULL, NULL, false, NULL,
                           "{\"a\":{\"Action\":\"PUTT\",\"Value\":{\"S\":\"x\"}}}"),
              "1 validation error detected: Value 'PUTT' at 'attributeUpdates.a.member.action' "
              "failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, "
              "DELETE]");
}

static const char *conditions(const char *json, const char *op, const char *item)
{
    expr_env_t env;
    expr_env_init(&env, A, NULL, NULL);
    expr_t *x;
    ddb_error_t *e = expr_from_conditions(&env, J(json), op, &x);
    if (e) return msg(e);
    bool r;
    expr_condition_eval(&env, x, item_of(item), &r);
    return r ? "true" : "false";
}

static void test_legacy_conditions(void)
{
    const char *item = "{\"a\":{\"S\":\"x\"},\"n\":{\"N\":\"5\"}}";
    CHECK_STR(conditions("{\"n\":{\"ComparisonOperator\":\"GT\",\"AttributeValueList\":[{"
                         "\"N\":\"4\"}]},\"a\":{\"ComparisonOperator\":\"NULL\"}}",
                         NULL, item),
              "false");
    CHECK_STR(conditions("{\"n\":{\"ComparisonOperator\":\"GT\",\"AttributeValueList\":[{"
                         "\"N\":\"4\"}]},\"a\":{\"ComparisonOperator\":\"NULL\"}}",
                         "OR", item),
              "true");
    /* a Condition has no Value: only its list counts */
    CHECK_STR(conditions("{\"n\":{\"ComparisonOperator\":\"EQ\",\"Value\":{\"N\":\"5\"}}}",
                         NULL, item),
              "One or more parameter values were invalid: Invalid number of argument(s) for the "
              "EQ ComparisonOperator");
    CHECK_STR(conditions("{\"n\":{\"ComparisonOperator\":\"BETWEEN\",\"AttributeValueList\":"
                         "[{\"S\":\"b\"},{\"S\":\"a\"}]}}",
                         NULL, item),
              "The BETWEEN condition was provided a range where the lower bound is greater than "
              "the upper bound");
    CHECK_STR(conditions("{}", NULL, item), "true");
}

static const char *key_conditions(const char *json)
{
    expr_env_t env;
    expr_env_init(&env, A, NULL, NULL);
    return msg(expr_check_key_conditions(&env, J(json)));
}

static void test_legacy_key_conditions(void)
{
    const char *eq = "{\"ComparisonOperator\":\"EQ\",\"AttributeValueList\":[{\"S\":\"x\"}]}";
    CHECK_STR(key_conditions(arena_sprintf(A, "{\"a\":%s}", eq)), "OK");
    CHECK_STR(key_conditions(arena_sprintf(A, "{\"a\":%s,\"b\":%s}", eq, eq)), "OK");
    CHECK_STR(key_conditions("{}"), "Conditions can be of length 1 or 2 only");
    CHECK_STR(key_conditions(arena_sprintf(A, "{\"a\":%s,\"b\":%s,\"c\":%s}", eq, eq, eq)),
              "Conditions can be of length 1 or 2 only");
    /* each Condition is checked first; an operator Query cannot use is
     * left to Query */
    CHECK_STR(key_conditions(arena_sprintf(A, "{\"a\":%s,\"b\":%s,\"c\":{\"ComparisonOperator\":"
                                              "\"IN\",\"AttributeValueList\":[]}}",
                                           eq, eq)),
              "One or more parameter values were invalid: Invalid number of argument(s) for the "
              "IN ComparisonOperator");
    CHECK_STR(key_conditions("{\"a\":{\"ComparisonOperator\":\"NOT_NULL\"}}"), "OK");
}

static const char *only_removes(const char *text)
{
    expr_env_t env;
    expr_env_init(&env, A, NULL, J("{\":s\":{\"SS\":[\"x\"]},\":n\":{\"N\":\"1\"}}"));
    expr_t *x;
    ddb_error_t *e = expr_parse(&env, EXPR_UPDATE, text, strlen(text), &x);
    if (e) return msg(e);
    return expr_update_only_removes(x) ? "yes" : "no";
}

static void test_update_only_removes(void)
{
    CHECK_STR(only_removes("REMOVE a"), "yes");
    CHECK_STR(only_removes("REMOVE a, b.c DELETE s :s"), "yes");
    CHECK_STR(only_removes("REMOVE a SET b = :n"), "no");
    CHECK_STR(only_removes("ADD n :n"), "no");
    CHECK_STR(only_removes("DELETE s :s ADD t :s"), "no");
    expr_env_t env;
    expr_env_init(&env, A, NULL, NULL);
    expr_t *x;
    CHECK_STR(msg(expr_from_attribute_updates(&env, J("{}"), &x)), "OK");
    CHECK(!expr_update_only_removes(x)); /* no actions at all: the item is created */
    CHECK_STR(msg(expr_from_attribute_updates(
                  &env, J("{\"a\":{\"Action\":\"DELETE\"},\"s\":{\"Action\":\"DELETE\","
                          "\"Value\":{\"SS\":[\"x\"]}}}"),
                  &x)),
              "OK");
    CHECK(expr_update_only_removes(x));
    CHECK_STR(msg(expr_from_attribute_updates(
                  &env, J("{\"a\":{\"Action\":\"DELETE\"},\"n\":{\"Action\":\"ADD\","
                          "\"Value\":{\"N\":\"1\"}}}"),
                  &x)),
              "OK");
    CHECK(!expr_update_only_removes(x));
}

static void test_legacy_attributes_to_get(void)
{
    expr_env_t env;
    expr_env_init(&env, A, NULL, NULL);
    expr_t *x;
    CHECK_STR(msg(expr_from_attributes_to_get(&env, J("[\"a\",\"b.c\"]"), &x)), "OK");
    const expr_path_t *p;
    CHECK(expr_paths(x, &p) == 2);
    value_t out;
    expr_project(A,
                 item_of("{\"a\":{\"N\":\"1\"},\"b\":{\"M\":{\"c\":{\"N\":\"1\"}}},"
                         "\"b.c\":{\"N\":\"2\"}}"),
                 p, 2, &out);
    CHECK_STR(json_of(&out), "{\"a\":{\"N\":\"1\"},\"b.c\":{\"N\":\"2\"}}");
    CHECK_STR(msg(expr_from_attributes_to_get(&env, J("[\"a\",\"a\"]"), &x)),
              "One or more parameter values were invalid: Duplicate value in attribute name: a");
}

/* --- property: whatever parses evaluates ------------------------------------------------ */

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static const char *random_value_json(int depth)
{
    switch (rnd() % (depth > 2 ? 8 : 10)) {
    case 0: return "{\"S\":\"ab\"}";
    case 1: return "{\"N\":\"3\"}";
    case 2: return "{\"B\":\"AQI=\"}";
    case 3: return "{\"BOOL\":true}";
    case 4: return "{\"NULL\":true}";
    case 5: return "{\"SS\":[\"ab\",\"c\"]}";
    case 6: return "{\"NS\":[\"1\",\"3\"]}";
    case 7: return "{\"BS\":[\"AQI=\"]}";
    case 8:
        return arena_sprintf(A, "{\"L\":[%s,%s]}", random_value_json(depth + 1),
                             random_value_json(depth + 1));
    default:
        return arena_sprintf(A, "{\"M\":{\"a\":%s,\"b\":%s}}", random_value_json(depth + 1),
                             random_value_json(depth + 1));
    }
}

static const char *pick(const char *const *list, size_t n) { return list[rnd() % n]; }
#define PICK(list) pick(list, sizeof list / sizeof list[0])

static void gen_path(buf_t *b)
{
    static const char *const paths[] = {"a",  "b",      "n",   "a.b",  "a[0]", "b[1].a",
                                        "#n", "a.a[1]", "b.b", "n[0]", "#n.a"};
    buf_append_str(b, PICK(paths));
}

static void gen_operand(buf_t *b)
{
    switch (rnd() % 5) {
    case 0: buf_append_str(b, rnd() % 2 ? ":v" : ":w"); break;
    case 1: buf_append_str(b, "size("), gen_path(b), buf_append_str(b, ")"); break;
    default: gen_path(b);
    }
}

static void gen_condition(buf_t *b, int depth)
{
    static const char *const cmp[] = {" = ", " <> ", " < ", " <= ", " > ", " >= "};
    switch (rnd() % (depth > 3 ? 5 : 9)) {
    case 0: gen_operand(b), buf_append_str(b, PICK(cmp)), gen_operand(b); break;
    case 1:
        gen_operand(b), buf_append_str(b, " BETWEEN "), gen_operand(b);
        buf_append_str(b, " AND "), gen_operand(b);
        break;
    case 2:
        gen_operand(b), buf_append_str(b, " IN ("), gen_operand(b);
        if (rnd() % 2) buf_append_str(b, ", "), gen_operand(b);
        buf_append_str(b, ")");
        break;
    case 3: {
        static const char *const f1[] = {"attribute_exists(", "attribute_not_exists("};
        static const char *const f2[] = {"attribute_type(", "begins_with(", "contains("};
        if (rnd() % 2) {
            buf_append_str(b, PICK(f1)), gen_path(b);
        } else {
            buf_append_str(b, PICK(f2)), gen_path(b), buf_append_str(b, ", ");
            gen_operand(b);
        }
        buf_append_str(b, ")");
        break;
    }
    case 4: gen_operand(b), buf_append_str(b, " = "), gen_operand(b); break;
    case 5: buf_append_str(b, "NOT "), gen_condition(b, depth + 1); break;
    case 6:
        gen_condition(b, depth + 1), buf_append_str(b, " AND "), gen_condition(b, depth + 1);
        break;
    case 7:
        gen_condition(b, depth + 1), buf_append_str(b, " OR "), gen_condition(b, depth + 1);
        break;
    default: buf_append_str(b, "("), gen_condition(b, depth + 1), buf_append_str(b, ")"); break;
    }
}

static void gen_update_operand(buf_t *b)
{
    if (rnd() % 3 == 0)
        buf_append_str(b, rnd() % 2 ? ":v" : ":w");
    else
        gen_path(b);
}

static void gen_set_value(buf_t *b)
{
    switch (rnd() % 5) {
    case 0:
        gen_update_operand(b), buf_append_str(b, rnd() % 2 ? " + " : " - ");
        gen_update_operand(b);
        break;
    case 1:
        buf_append_str(b, "if_not_exists("), gen_path(b), buf_append_str(b, ", ");
        gen_update_operand(b), buf_append_str(b, ")");
        break;
    case 2:
        buf_append_str(b, "list_append("), gen_update_operand(b), buf_append_str(b, ", ");
        gen_update_operand(b), buf_append_str(b, ")");
        break;
    default: gen_update_operand(b);
    }
}

/* Each section once, each target path once and none inside another. */
static void gen_update(buf_t *b)
{
    const char *sections[] = {"SET ", "REMOVE ", "ADD ", "DELETE "};
    const char *targets[] = {"a.b", "a.a[1]", "a.a[0]", "b[1].a", "b[0]", "n", "c", "d", "b[5]"};
    size_t nt = sizeof targets / sizeof targets[0];
    for (size_t i = 3; i > 0; i--) { /* shuffle */
        size_t j = rnd() % (i + 1);
        const char *t = sections[i];
        sections[i] = sections[j];
        sections[j] = t;
    }
    int n = 1 + (int)(rnd() % 3);
    for (int s = 0; s < n; s++) {
        const char *kw = sections[s];
        buf_append_str(b, kw);
        int actions = 1 + (int)(rnd() % 3);
        for (int i = 0; i < actions && nt > 0; i++) {
            if (i) buf_append_str(b, ", ");
            size_t k = rnd() % nt;
            buf_append_str(b, targets[k]);
            targets[k] = targets[--nt];
            if (kw[0] == 'S')
                buf_append_str(b, " = "), gen_set_value(b);
            else if (kw[0] != 'R')
                buf_append_str(b, rnd() % 2 ? " :v" : " :w");
        }
        buf_putc(b, ' ');
    }
}

/* Drop, repeat or swap a few space-separated words. */
static void mutate(buf_t *b)
{
    static const char *const junk[] = {"(", ")", ",",  "AND", "NOT",   "=",  "+",   "[0]",
                                       ".", "a", ":v", "#n",  "size(", "IN", "SET", "<"};
    for (int m = (int)(rnd() % 3); m >= 0; m--) {
        size_t len = b->len, at = rnd() % (len + 1);
        while (at < len && b->data[at] != ' ')
            at++;
        switch (rnd() % 3) {
        case 0: { /* cut a span */
            size_t end = at + rnd() % 6;
            if (end > len) end = len;
            memmove(b->data + at, b->data + end, len - end);
            b->len = len - (end - at);
            break;
        }
        default: { /* insert a token */
            const char *j = PICK(junk);
            size_t jl = strlen(j) + 1;
            buf_reserve(b, jl);
            memmove(b->data + at + jl, b->data + at, len - at);
            b->data[at] = ' ';
            memcpy(b->data + at + 1, j, jl - 1);
            b->len = len + jl;
        }
        }
    }
}

static void test_property_parse_implies_evaluate(void)
{
    int parsed = 0, evaluated = 0, applied = 0, tried = 0;
    for (int iter = 0; iter < 30000; iter++) {
        buf_t b;
        buf_init(&b);
        expr_kind_t kind = rnd() % 2 ? EXPR_CONDITION : EXPR_UPDATE;
        if (kind == EXPR_CONDITION)
            gen_condition(&b, 0);
        else
            gen_update(&b);
        if (rnd() % 3 == 0) mutate(&b);
        buf_putc(&b, 0);
        char *values =
            arena_sprintf(A, "{\":v\":%s,\":w\":%s}", random_value_json(0), random_value_json(0));
        char *item =
            rnd() % 4 == 0
                ? arena_sprintf(A, "{\"a\":%s,\"b\":%s,\"n\":%s}", random_value_json(0),
                                random_value_json(0), random_value_json(0))
                : arena_sprintf(A,
                                "{\"a\":{\"M\":{\"a\":{\"L\":[%s,%s]},\"b\":%s}},"
                                "\"b\":{\"L\":[%s,{\"M\":{\"a\":%s}}]},\"n\":%s}",
                                random_value_json(1), random_value_json(1), random_value_json(1),
                                random_value_json(1), random_value_json(2), random_value_json(0));
        expr_env_t env;
        expr_t *x;
        tried++;
        const char *m = parse_with(&env, kind, b.data, "{\"#n\":\"n\"}", values, &x);
        if (strcmp(m, "OK") == 0) {
            parsed++;
            CHECK(x != NULL);
            if (kind == EXPR_CONDITION) {
                bool r;
                CHECK(expr_condition_eval(&env, x, item_of(item), &r) == NULL);
                CHECK(expr_condition_eval(&env, x, NULL, &r) == NULL);
                evaluated++;
            } else {
                value_t out;
                ddb_error_t *e = expr_update_apply(&env, x, item_of(item), &out);
                CHECK(!e || e->kind == ERR_VALIDATION);
                if (!e) {
                    applied++;
                    CHECK(out.type == VALUE_M);
                    /* the result is a valid item: it round-trips through JSON */
                    value_t back;
                    CHECK(value_map_from_json(A, J(json_of(&out)), &back) == NULL);
                }
            }
        } else {
            CHECK(strncmp(m, "Invalid ", 8) == 0);
        }
        buf_free(&b);
        if (iter % 500 == 499) arena_reset(A);
    }
    printf("property: %d tried, %d parsed, %d conditions evaluated, %d updates applied\n", tried,
           parsed, evaluated, applied);
    CHECK(evaluated > 1000 && applied > 500);
}

/* --- speed ----------------------------------------------------------------------------------- */

static void test_parse_speed(void)
{
    const char *text = "attribute_exists(pk) AND #st = :open AND size(tags) < :max";
    const char *names = "{\"#st\":\"status\"}";
    const char *values = "{\":open\":{\"S\":\"open\"},\":max\":{\"N\":\"10\"}}";
    arena_t *a = arena_new(0);
    json_value_t *jn, *jv;
    json_parse(a, names, strlen(names), &jn, NULL);
    json_parse(a, values, strlen(values), &jv, NULL);
    expr_env_t env;
    expr_env_init(&env, a, jn, jv);
    const int rounds = 200000;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < rounds; i++) {
        expr_t *x;
        if (expr_parse(&env, EXPR_CONDITION, text, strlen(text), &x)) CHECK(0);
        if ((i & 1023) == 1023) {
            arena_reset(a);
            json_parse(a, names, strlen(names), &jn, NULL);
            json_parse(a, values, strlen(values), &jv, NULL);
            expr_env_init(&env, a, jn, jv);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ns =
        ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / rounds;
    printf("parse of a %zu-character condition: %.0f ns\n", strlen(text), ns);
    arena_free(a);
}

int main(void)
{
    A = arena_new(0);
    RUN(test_lex_tokens);
    RUN(test_lex_keywords_and_placeholders);
    RUN(test_reserved_words);
    RUN(test_syntax_errors);
    RUN(test_empty_and_too_long);
    RUN(test_redundant_parentheses);
    RUN(test_function_errors);
    RUN(test_reserved_keywords);
    RUN(test_list_index_range);
    RUN(test_sections);
    RUN(test_placeholders);
    RUN(test_placeholder_maps);
    RUN(test_operand_counts_and_types);
    RUN(test_update_operand_types);
    RUN(test_distinct_operands);
    RUN(test_between_and_in);
    RUN(test_path_limits_and_operators);
    RUN(test_overlapping_paths);
    RUN(test_precedence);
    RUN(test_condition_terms);
    RUN(test_eval_comparisons);
    RUN(test_eval_between_in);
    RUN(test_eval_functions);
    RUN(test_update_set);
    RUN(test_update_lists);
    RUN(test_update_nested);
    RUN(test_update_add_delete);
    RUN(test_update_paths_listed);
    RUN(test_projection);
    RUN(test_legacy_expected);
    RUN(test_legacy_attribute_updates);
    RUN(test_legacy_enums);
    RUN(test_legacy_conditions);
    RUN(test_legacy_key_conditions);
    RUN(test_update_only_removes);
    RUN(test_legacy_attributes_to_get);
    RUN(test_property_parse_implies_evaluate);
    RUN(test_parse_speed);
    arena_free(A);
    return unit_report("expr");
}
