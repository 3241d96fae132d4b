/* fuzz_stored: the decoders of bytes read back from the store, under
 * libFuzzer: an item's stored form (value_item_decode, value.c), a stats
 * record (stats_decode, stats.c) and a stored key's group prefix
 * (keycodec_order_group, keycodec.c).  A damaged store must give an error,
 * never a crash.
 *
 * For any input (every decoder gets the whole input):
 *  - a stats record is accepted only at its 16 bytes, and encodes back to
 *    them;
 *  - an accepted item encoded again (value_item_encode, with the size it
 *    was stored with) reads back as an item of that size whose encoding is
 *    the same bytes; it can be sized, compared and written as JSON;
 *  - items read one after another (value_item_decode_next) stop at the
 *    first damaged one and never move backwards or past the end;
 *  - a key's group prefix is no longer than the key.
 * Any violation aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "keycodec.h"
#include "stats.h"
#include "value.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static arena_t *arena;

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_stored: %s\n", what);
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    arena = arena_new(1 << 16);
    return 0;
}

static void check_stats(const uint8_t *data, size_t size)
{
    stats_t s;
    if (!stats_decode(data, size, &s)) return;
    if (size != STATS_VALUE_LEN) fail("a stats record of another length accepted");
    uint8_t again[STATS_VALUE_LEN];
    stats_encode(&s, again);
    if (memcmp(again, data, size) != 0) fail("a stats record does not encode back");
}

static void check_item(const uint8_t *data, size_t size)
{
    value_t item;
    size_t item_size;
    if (!value_item_decode(arena, data, size, &item, &item_size)) return;
    if (item.type != VALUE_M) fail("a decoded item is no map");
    /* Encoded again it reads back the same: to an equal item of the same
     * size, whose encoding is the same bytes (varints may have been spelled
     * longer than needed, so not always the input's). */
    buf_t b, c;
    buf_init(&b), buf_init(&c);
    value_item_encode(&b, &item, item_size);
    value_t again;
    size_t again_size;
    if (!value_item_decode(arena, (const uint8_t *)b.data, b.len, &again, &again_size) ||
        again_size != item_size)
        fail("an item does not read back");
    /* compared, not required equal: a damaged map may name a member twice */
    (void)value_equal(&item, &again);
    value_item_encode(&c, &again, again_size);
    if (c.len != b.len || memcmp(c.data, b.data, b.len) != 0) fail("an item's encoding changed");
    buf_free(&c);
    b.len = 0;
    value_map_write_json(&b, &item);
    (void)value_item_size(&item);
    buf_free(&b);
}

static void check_items(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    for (int n = 0; p < end && n < 64; n++) {
        const uint8_t *before = p;
        value_t item;
        if (!value_item_decode_next(arena, &p, end, &item, NULL)) {
            if (p != before) fail("a failed decode moved on");
            break;
        }
        if (p <= before || p > end) fail("a decode moved outside the input");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy: a read past the end is ASan's to see. */
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy) abort();
    memcpy(copy, data, size);
    check_stats(copy, size);
    check_item(copy, size);
    check_items(copy, size);
    if (keycodec_order_group(copy, size, false) > size ||
        keycodec_order_group(copy, size, true) > size)
        fail("a group prefix longer than its key");
    free(copy);
    arena_reset(arena);
    return 0;
}
