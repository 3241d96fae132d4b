/* test_ion: unit tests of ion.c -- every attribute type as Ion text,
 * numbers always decimals, escapes, field names bare or quoted. */
#include "ion.h"
#include "unit.h"

#include <string.h>

static arena_t *arena;

/* The Ion line of an item given as DynamoDB JSON. */
static const char *line_of(const char *json)
{
    json_value_t *j;
    if (json_parse(arena, json, strlen(json), &j, NULL) != JSON_OK) return "(bad json)";
    value_t item;
    if (value_map_from_json(arena, j, &item)) return "(bad item)";
    buf_t b;
    buf_init(&b);
    ion_write_item_line(&b, &item);
    const char *s = arena_strndup(arena, b.data, b.len);
    buf_free(&b);
    return s;
}

static void test_scalars(void)
{
    CHECK_STR(line_of("{\"pk\":{\"S\":\"a\"}}"), "$ion_1_0 {Item:{pk:\"a\"}}\n");
    CHECK_STR(line_of("{\"t\":{\"BOOL\":true},\"f\":{\"BOOL\":false},\"z\":{\"NULL\":true}}"),
              "$ion_1_0 {Item:{t:true,f:false,z:null}}\n");
    CHECK_STR(line_of("{\"b\":{\"B\":\"AAEC\"}}"), "$ion_1_0 {Item:{b:{{AAEC}}}}\n");
    CHECK_STR(line_of("{\"b\":{\"B\":\"\"}}"), "$ion_1_0 {Item:{b:{{}}}}\n");
}

static void test_numbers_are_decimals(void)
{
    CHECK_STR(line_of("{\"n\":{\"N\":\"12\"}}"), "$ion_1_0 {Item:{n:12.}}\n");
    CHECK_STR(line_of("{\"n\":{\"N\":\"-0.25\"}}"), "$ion_1_0 {Item:{n:-0.25}}\n");
    CHECK_STR(line_of("{\"n\":{\"N\":\"0\"}}"), "$ion_1_0 {Item:{n:0.}}\n");
    /* whatever the canonical text, no 'E' (an Ion float) and no bare int */
    const char *big = strstr(line_of("{\"n\":{\"N\":\"1E+125\"}}"), "n:") + 2;
    CHECK(strchr(big, 'E') == NULL && strchr(big, 'e') == NULL);
    CHECK(strchr(big, 'd') != NULL || strchr(big, '.') != NULL);
    const char *tiny = strstr(line_of("{\"n\":{\"N\":\"1E-130\"}}"), "n:") + 2;
    CHECK(strchr(tiny, 'E') == NULL && strchr(tiny, 'e') == NULL);
}

static void test_containers_and_sets(void)
{
    CHECK_STR(line_of("{\"l\":{\"L\":[{\"S\":\"x\"},{\"N\":\"1\"},{\"M\":{}}]},"
                      "\"m\":{\"M\":{\"k\":{\"L\":[]}}}}"),
              "$ion_1_0 {Item:{l:[\"x\",1.,{}],m:{k:[]}}}\n");
    CHECK_STR(line_of("{\"ss\":{\"SS\":[\"a\",\"b\"]},\"ns\":{\"NS\":[\"1\",\"2.5\"]},"
                      "\"bs\":{\"BS\":[\"AQ==\"]}}"),
              "$ion_1_0 {Item:{ss:$dynamodb_SS::[\"a\",\"b\"],ns:$dynamodb_NS::[1.,2.5],"
              "bs:$dynamodb_BS::[{{AQ==}}]}}\n");
}

static void test_escapes_and_names(void)
{
    CHECK_STR(line_of("{\"s\":{\"S\":\"q\\\"b\\\\n\\nt\\u0001\\u00e9\"}}"),
              "$ion_1_0 {Item:{s:\"q\\\"b\\\\n\\x0at\\x01\xc3\xa9\"}}\n");
    /* names that are no identifiers, keywords or symbol ids are quoted */
    CHECK_STR(line_of("{\"a b\":{\"S\":\"1\"},\"null\":{\"S\":\"2\"},\"9x\":{\"S\":\"3\"},"
                      "\"$10\":{\"S\":\"4\"},\"it's\":{\"S\":\"5\"},\"_ok$\":{\"S\":\"6\"}}"),
              "$ion_1_0 {Item:{'a b':\"1\",'null':\"2\",'9x':\"3\",'$10':\"4\",'it\\'s':\"5\","
              "_ok$:\"6\"}}\n");
}

/* Ion text read back as DynamoDB JSON (NULL: refused). */
static const char *json_of(const char *ion)
{
    buf_t b;
    buf_init(&b);
    const char *problem = ion_line_to_json(ion, strlen(ion), &b);
    const char *s = problem ? NULL : arena_strndup(arena, b.data ? b.data : "", b.len);
    buf_free(&b);
    return s ? s : "(refused)";
}

static void test_read_back(void)
{
    const char *items[] = {
        "{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"12\"},\"f\":{\"N\":\"-0.25\"},"
        "\"b\":{\"B\":\"AAEC\"},\"t\":{\"BOOL\":true},\"z\":{\"NULL\":true}}",
        "{\"l\":{\"L\":[{\"S\":\"x\"},{\"M\":{\"a b\":{\"N\":\"1\"}}}]},"
        "\"ss\":{\"SS\":[\"a\",\"b\"]},\"ns\":{\"NS\":[\"1\",\"2.5\"]},"
        "\"bs\":{\"BS\":[\"AQ==\"]},\"null\":{\"S\":\"q\\\"\\\\\\n\\u0001\"}}",
    };
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        const char *line = line_of(items[i]);
        char want[1024];
        snprintf(want, sizeof want, "{\"Item\":%s}", items[i]);
        CHECK_STR(json_of(line), want);
    }
    /* exponents in either spelling, ints and floats are numbers */
    CHECK_STR(json_of("$ion_1_0 {Item:{a:1.5d3,b:7,c:2e-1}}"),
              "{\"Item\":{\"a\":{\"N\":\"1.5E3\"},\"b\":{\"N\":\"7\"},\"c\":{\"N\":\"2E-1\"}}}");
    CHECK_STR(json_of("{Item:{}}"), "{\"Item\":{}}");
    /* what no item holds, or no item is */
    CHECK_STR(json_of("$ion_1_0 {Item:{a:2020-01-01T}}"), "(refused)");
    CHECK_STR(json_of("$ion_1_0 {Item:{a:sym}}"), "(refused)");
    CHECK_STR(json_of("$ion_1_0 {Other:{}}"), "(refused)");
    CHECK_STR(json_of("$ion_1_0 {Item:{a:\"x}}"), "(refused)");
    CHECK_STR(json_of("$ion_1_0 {Item:{a:$dynamodb_SS::[1.]}}"), "(refused)");
    CHECK_STR(json_of("$ion_1_0 {Item:{a:[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}"),
              "(refused)");
    CHECK_STR(json_of("{Item:{}} x"), "(refused)");
    CHECK_STR(json_of("{Item:{a:\"\xc3\"}}"), "(refused)"); /* not UTF-8 */
    CHECK_STR(json_of("{Item:{a:\"\xed\xa0\x80\"}}"), "(refused)"); /* a surrogate */
    CHECK_STR(json_of("{Item:{'\xc0\xaf':\"x\"}}"), "(refused)"); /* overlong */
}

int main(void)
{
    arena = arena_new(0);
    RUN(test_scalars);
    RUN(test_numbers_are_decimals);
    RUN(test_containers_and_sets);
    RUN(test_escapes_and_names);
    RUN(test_read_back);
    arena_free(arena);
    return unit_report("test_ion");
}
