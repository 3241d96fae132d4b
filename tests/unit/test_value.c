/* Unit tests of value: reading DynamoDB JSON with the service's checks, the
 * item-size rule, the stored form and equality. */
#include <stdlib.h>

#include "unit.h"
#include "value.h"

static arena_t *A;

/* Parse an attribute map given as JSON text; returns the error message or
 * NULL, and the map in *out. */
static const char *parse_map(const char *text, value_t *out)
{
    json_value_t *j;
    if (json_parse(A, text, strlen(text), &j, NULL) != JSON_OK) return "<json>";
    ddb_error_t *e = value_map_from_json(A, j, out);
    return e ? (e->message ? e->message : "<no message>") : NULL;
}

static const char *parse_error(const char *text)
{
    value_t v;
    const char *m = parse_map(text, &v);
    return m ? m : "";
}

static void test_all_types_round_trip(void)
{
    const char *text =
        "{\"s\":{\"S\":\"h\\u00e9llo\"},\"n\":{\"N\":\"-12.50\"},\"b\":{\"B\":\"AAEC\"},"
        "\"t\":{\"BOOL\":true},\"f\":{\"BOOL\":false},\"z\":{\"NULL\":true},"
        "\"m\":{\"M\":{\"x\":{\"L\":[{\"N\":\"1\"},{\"S\":\"\"}]}}},"
        "\"ss\":{\"SS\":[\"a\",\"b\"]},\"ns\":{\"NS\":[\"1\",\"1E+2\"]},\"bs\":{\"BS\":[\"AA==\"]}}";
    value_t item;
    CHECK(parse_map(text, &item) == NULL);
    buf_t out;
    buf_init(&out);
    value_map_write_json(&out, &item);
    buf_putc(&out, '\0');
    CHECK_STR(out.data,
              "{\"s\":{\"S\":\"h\xc3\xa9llo\"},\"n\":{\"N\":\"-12.5\"},\"b\":{\"B\":\"AAEC\"},"
              "\"t\":{\"BOOL\":true},\"f\":{\"BOOL\":false},\"z\":{\"NULL\":true},"
              "\"m\":{\"M\":{\"x\":{\"L\":[{\"N\":\"1\"},{\"S\":\"\"}]}}},"
              "\"ss\":{\"SS\":[\"a\",\"b\"]},\"ns\":{\"NS\":[\"1\",\"100\"]},"
              "\"bs\":{\"BS\":[\"AA==\"]}}");

    /* stored form round trip */
    buf_t enc;
    buf_init(&enc);
    value_item_encode(&enc, &item, value_item_size(&item));
    value_t back;
    size_t size;
    CHECK(value_item_decode(A, (const uint8_t *)enc.data, enc.len, &back, &size));
    CHECK(size == value_item_size(&item));
    CHECK(value_equal(&item, &back));
    /* a corrupt or truncated stored item is refused, never read past */
    for (size_t cut = 0; cut < enc.len; cut++)
        CHECK(!value_item_decode(A, (const uint8_t *)enc.data, cut, &back, NULL));
    buf_free(&enc);
    buf_free(&out);
}

/* An item of a replicated table carries its version before its stored
 * form: read back, decoding passes over it; an item carries none. */
static void test_item_version(void)
{
    value_t item, back;
    CHECK(parse_map("{\"k\":{\"S\":\"a\"},\"v\":{\"N\":\"7\"}}", &item) == NULL);
    buf_t enc;
    buf_init(&enc);
    value_item_version_put(&enc, 0x0102030405060708ULL, "us-east-1");
    size_t head = enc.len;
    CHECK(head == 10 + 9);
    value_item_encode(&enc, &item, value_item_size(&item));
    uint64_t ts = 0;
    char origin[VALUE_ORIGIN_MAX + 1];
    CHECK(value_item_version((const uint8_t *)enc.data, enc.len, &ts, origin) == head);
    CHECK(ts == 0x0102030405060708ULL);
    CHECK_STR(origin, "us-east-1");
    size_t size;
    CHECK(value_item_decode(A, (const uint8_t *)enc.data, enc.len, &back, &size));
    CHECK(size == value_item_size(&item) && value_equal(&item, &back));
    /* the item without it: no version */
    CHECK(value_item_version((const uint8_t *)enc.data + head, enc.len - head, NULL, NULL) == 0);
    /* truncated: refused, never read past */
    for (size_t cut = 0; cut < enc.len; cut++)
        CHECK(!value_item_decode(A, (const uint8_t *)enc.data, cut, &back, NULL));
    /* a stored size of 0 (never written) is refused, with or without a
     * version before it: its 0 byte is a version's mark */
    enc.len = 0;
    value_item_encode(&enc, &item, 0);
    CHECK(!value_item_decode(A, (const uint8_t *)enc.data, enc.len, &back, NULL));
    enc.len = 0;
    value_item_version_put(&enc, 5, "r");
    value_item_encode(&enc, &item, 0);
    CHECK(!value_item_decode(A, (const uint8_t *)enc.data, enc.len, &back, NULL));
    /* nor spelled longer: the varint 0x80 0x00 */
    static const uint8_t long_zero[] = {0x80, 0x00, 0x00};
    CHECK(!value_item_decode(A, long_zero, sizeof long_zero, &back, NULL));
    /* an origin of 64 bytes at most */
    enc.len = 0;
    char long_origin[100];
    memset(long_origin, 'r', 99);
    long_origin[99] = 0;
    value_item_version_put(&enc, 1, long_origin);
    CHECK(enc.len == 10 + VALUE_ORIGIN_MAX);
    buf_free(&enc);
}

static void test_item_size(void)
{
    value_t v;
    CHECK(parse_map("{\"a\":{\"S\":\"hello\"}}", &v) == NULL);
    CHECK(value_item_size(&v) == 6);
    /* numbers: 1 byte + 1 per two significant digits */
    CHECK(parse_map("{\"n\":{\"N\":\"123\"}}", &v) == NULL);
    CHECK(value_item_size(&v) == 1 + 3);
    CHECK(parse_map("{\"n\":{\"N\":\"1000\"}}", &v) == NULL); /* one significant digit */
    CHECK(value_item_size(&v) == 1 + 2);
    CHECK(parse_map("{\"n\":{\"N\":\"0.0012\"}}", &v) == NULL);
    CHECK(value_item_size(&v) == 1 + 2);
    /* containers: 3 bytes + 1 per element */
    CHECK(parse_map("{\"m\":{\"M\":{}}}", &v) == NULL);
    CHECK(value_item_size(&v) == 1 + 3);
    CHECK(parse_map("{\"l\":{\"L\":[{\"BOOL\":true},{\"NULL\":true}]}}", &v) == NULL);
    CHECK(value_item_size(&v) == 1 + 3 + 2 * (1 + 1));
    CHECK(parse_map("{\"m\":{\"M\":{\"ab\":{\"S\":\"xyz\"}}}}", &v) == NULL);
    CHECK(value_item_size(&v) == 1 + 3 + 1 + 2 + 3);
    /* sets: the sum of their members; binary counts decoded bytes */
    CHECK(parse_map("{\"s\":{\"SS\":[\"ab\",\"cde\"]},\"b\":{\"B\":\"AAECAw==\"}}", &v) == NULL);
    CHECK(value_item_size(&v) == 1 + 5 + 1 + 4);
}

static void test_attribute_value_errors(void)
{
    CHECK_STR(parse_error("{\"a\":{}}"), "Supplied AttributeValue is empty, must contain exactly "
                                         "one of the supported datatypes");
    CHECK_STR(parse_error("{\"a\":{\"S\":\"x\",\"N\":\"1\"}}"),
              "Supplied AttributeValue has more than one datatypes set, must contain exactly one "
              "of the supported datatypes");
    CHECK_STR(parse_error("{\"a\":{\"NULL\":false}}"),
              "One or more parameter values were invalid: Null attribute value types must have "
              "the value of true");
    CHECK_STR(parse_error("{\"a\":{\"SS\":[]}}"),
              "One or more parameter values were invalid: An string set  may not be empty");
    CHECK_STR(parse_error("{\"a\":{\"NS\":[]}}"),
              "One or more parameter values were invalid: An number set  may not be empty");
    CHECK_STR(parse_error("{\"a\":{\"SS\":[\"x\",\"y\",\"x\"]}}"),
              "One or more parameter values were invalid: Input collection [x, y, x] contains "
              "duplicates.");
    CHECK_STR(parse_error("{\"a\":{\"NS\":[\"1\",\"1.0\"]}}"), "Input collection contains duplicates");
    CHECK_STR(parse_error("{\"a\":{\"N\":\"abc\"}}"),
              "The parameter cannot be converted to a numeric value: abc");
    CHECK_STR(parse_error("{\"a\":{\"N\":\"\"}}"), "The parameter cannot be converted to a numeric value");
    CHECK_STR(parse_error("{\"a\":{\"N\":\"1E+126\"}}"),
              "Number overflow. Attempting to store a number with magnitude larger than supported "
              "range");
    CHECK_STR(parse_error("{\"a\":{\"N\":\"1E-131\"}}"),
              "Number underflow. Attempting to store a number with magnitude smaller than "
              "supported range");
    CHECK_STR(parse_error("{\"a\":{\"N\":\"123456789012345678901234567890123456789\"}}"),
              "Attempting to store more than 38 significant digits in a Number");
    /* JSON shapes that are not the declared types */
    CHECK_STR(parse_error("{\"a\":{\"S\":1}}"), "NUMBER_VALUE cannot be converted to String");
    CHECK_STR(parse_error("{\"a\":{\"BOOL\":\"true\"}}"), "STRING_VALUE cannot be converted to Boolean");
    CHECK_STR(parse_error("{\"a\":{\"L\":{}}}"), "Start of structure or map found where not expected");
    CHECK_STR(parse_error("{\"a\":{\"M\":[]}}"), "Start of list found where not expected");
    CHECK_STR(parse_error("{\"a\":{\"B\":\"abc\"}}"),
              "Base64 encoded length is expected a multiple of 4 bytes but found: 3");
    /* unknown members and JSON nulls are ignored */
    value_t v;
    CHECK(parse_map("{\"a\":{\"S\":\"x\",\"Q\":1,\"N\":null},\"b\":null}", &v) == NULL);
    CHECK(v.u.map.count == 1);
}

static void test_nesting_limit(void)
{
    /* 32 levels (31 nested maps around a string) are allowed, 33 are not */
    for (int depth = 31; depth <= 32; depth++) {
        buf_t b;
        buf_init(&b);
        buf_append_str(&b, "{\"a\":");
        for (int i = 0; i < depth; i++) buf_append_str(&b, "{\"M\":{\"a\":");
        buf_append_str(&b, "{\"S\":\"x\"}");
        for (int i = 0; i < depth; i++) buf_append_str(&b, "}}");
        buf_append_str(&b, "}");
        buf_putc(&b, '\0');
        const char *m = parse_error(b.data);
        if (depth == 31) CHECK_STR(m, "");
        else
            CHECK_STR(m, "Nesting Levels have exceeded supported limits: Attributes in the item "
                         "have nested levels beyond supported limit");
        buf_free(&b);
    }
}

static void test_equality(void)
{
    value_t a, b;
    CHECK(parse_map("{\"x\":{\"NS\":[\"1\",\"2.0\"]},\"y\":{\"M\":{\"p\":{\"N\":\"1\"},\"q\":{\"S\":\"s\"}}}}", &a) == NULL);
    CHECK(parse_map("{\"y\":{\"M\":{\"q\":{\"S\":\"s\"},\"p\":{\"N\":\"1.00\"}}},\"x\":{\"NS\":[\"2\",\"1\"]}}", &b) == NULL);
    CHECK(value_equal(&a, &b));
    CHECK(parse_map("{\"x\":{\"NS\":[\"1\",\"3\"]},\"y\":{\"M\":{\"p\":{\"N\":\"1\"},\"q\":{\"S\":\"s\"}}}}", &b) == NULL);
    CHECK(!value_equal(&a, &b));
}

/* value_item_valid: what an item read from JSON always is, an item decoded
 * from a peer's bytes must be; each rule broken alone is caught. */
static void test_item_valid(void)
{
    value_t item;
    CHECK(parse_map("{\"k\":{\"S\":\"h\\u00e9\"},\"\":{\"S\":\"\"},\"n\":{\"NS\":[\"1\",\"2\"]},"
                    "\"m\":{\"M\":{\"a\":{\"L\":[{\"SS\":[\"x\",\"y\"]},{\"B\":\"/w==\"}]}}},"
                    "\"b\":{\"BS\":[\"AA==\",\"AQ==\"]}}",
                    &item) == NULL);
    CHECK(value_item_valid(A, &item));
    value_member_t *m = item.u.map.members;
    value_t *inner = m[3].value->u.map.members[0].value; /* m.a, a list */
    value_t *ss = &inner->u.list.items[0];

    m[0].value->u.bytes.ptr = "h\xc3"; /* a cut sequence */
    CHECK(!value_item_valid(A, &item));
    m[0].value->u.bytes.ptr = "h\xc3\xa9";
    CHECK(value_item_valid(A, &item));

    m[1].name = "k"; /* the same name twice */
    m[1].name_len = 1;
    CHECK(!value_item_valid(A, &item));
    m[1].name = "\xed\xa0\x80"; /* a surrogate */
    m[1].name_len = 3;
    CHECK(!value_item_valid(A, &item));
    m[1].name = "";
    m[1].name_len = 0;
    CHECK(value_item_valid(A, &item));

    ss->u.list.items[1].u.bytes.ptr = "x"; /* a set with a duplicate, deep inside */
    CHECK(!value_item_valid(A, &item));
    ss->u.list.items[1].u.bytes.ptr = "\xff";
    CHECK(!value_item_valid(A, &item));
    ss->u.list.items[1].u.bytes.ptr = "y";
    CHECK(value_item_valid(A, &item));

    m[2].value->u.list.items[1] = m[2].value->u.list.items[0]; /* NS [1, 1] */
    CHECK(!value_item_valid(A, &item));
    m[2].value->u.list.count = 1;
    CHECK(value_item_valid(A, &item));
    m[2].value->u.list.count = 0; /* an empty set */
    CHECK(!value_item_valid(A, &item));
    m[2].value->u.list.count = 1;

    value_t *bs = m[4].value;
    bs->u.list.items[1].u.bytes.ptr = "\0"; /* BS [AA==, AA==] */
    CHECK(!value_item_valid(A, &item));
    bs->u.list.items[1].u.bytes.ptr = "\xff"; /* binary: any bytes */
    CHECK(value_item_valid(A, &item));

    /* a map of many names (sorted to find a repeat) */
    value_t wide;
    CHECK(parse_map("{\"a\":{\"N\":\"1\"},\"b\":{\"N\":\"1\"},\"c\":{\"N\":\"1\"},"
                    "\"d\":{\"N\":\"1\"},\"e\":{\"N\":\"1\"},\"f\":{\"N\":\"1\"},"
                    "\"g\":{\"N\":\"1\"},\"h\":{\"N\":\"1\"},\"i\":{\"N\":\"1\"},"
                    "\"j\":{\"N\":\"1\"}}",
                    &wide) == NULL);
    CHECK(wide.u.map.count == 10 && value_item_valid(A, &wide));
    wide.u.map.members[9].name = "c";
    CHECK(!value_item_valid(A, &wide));

    /* over the item size limit */
    char *big = arena_alloc(A, ITEM_MAX_SIZE);
    memset(big, 'x', ITEM_MAX_SIZE);
    m[1].value->u.bytes.ptr = big;
    m[1].value->u.bytes.len = ITEM_MAX_SIZE;
    CHECK(!value_item_valid(A, &item));
    m[1].value->u.bytes.len = ITEM_MAX_SIZE - value_item_size(&item) + ITEM_MAX_SIZE;
    CHECK(value_item_size(&item) == ITEM_MAX_SIZE && value_item_valid(A, &item));
}

int main(void)
{
    A = arena_new(0);
    RUN(test_all_types_round_trip);
    RUN(test_item_version);
    RUN(test_item_size);
    RUN(test_attribute_value_errors);
    RUN(test_nesting_limit);
    RUN(test_equality);
    RUN(test_item_valid);
    arena_free(A);
    return unit_report("value");
}
