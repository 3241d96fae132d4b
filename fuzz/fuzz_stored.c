/* fuzz_stored: the decoders of bytes read back from the store, under
 * libFuzzer: an item's stored form (value_item_decode, value.c), a stats
 * record (stats_decode, stats.c), a stored key's group prefix
 * (keycodec_order_group, keycodec.c) and a change record
 * (changelog_record_decode, and changelog_record_for_peer, which makes what
 * a peer region is sent of it; changelog.c).  A damaged store must give an
 * error, never a crash.
 *
 * For any input (every decoder gets the whole input):
 *  - a stats record is accepted only at its 16 bytes, and encodes back to
 *    them;
 *  - an accepted item encoded again (value_item_encode, with the size it
 *    was stored with) reads back as an item of that size whose encoding is
 *    the same bytes; it can be sized, compared and written as JSON;
 *  - items read one after another (value_item_decode_next) stop at the
 *    first damaged one and never move backwards or past the end;
 *  - a key's group prefix is no longer than the key;
 *  - a change record is sent to a peer only when it decodes and carries a
 *    version; what is sent decodes, under that version, to the record's
 *    keys and new image, without old image, version or hidden mark.
 * Any violation aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "changelog.h"
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

/* Whether two maps are stored as the same bytes (value_equal would not do:
 * a damaged map may name a member twice). */
static bool same_map(const value_t *x, const value_t *y)
{
    buf_t a, b;
    buf_init(&a), buf_init(&b);
    value_item_encode(&a, x, value_item_size(x));
    value_item_encode(&b, y, value_item_size(y));
    bool same = a.len == b.len && memcmp(a.data, b.data, a.len) == 0;
    buf_free(&a), buf_free(&b);
    return same;
}

static void check_change_record(const uint8_t *data, size_t size)
{
    change_record_t r, sent;
    bool decoded = changelog_record_decode(arena, 7, data, size, &r);
    buf_t out;
    buf_init(&out);
    uint64_t version = 0;
    MDB_val v = {size, (void *)data};
    bool peer = changelog_record_for_peer(arena, &v, &out, &version);
    if (peer && (!decoded || !r.version || version != r.version))
        fail("a record sent to a peer that does not decode with its version");
    if (decoded && r.version && !peer) fail("a record with a version not sent");
    if (peer) {
        if (!changelog_record_decode(arena, version, (const uint8_t *)out.data, out.len, &sent))
            fail("what a peer is sent does not decode");
        if (sent.old_image || sent.version || sent.hidden || sent.sequence != version ||
            sent.event != r.event || sent.by_service != r.by_service ||
            !same_map(sent.keys, r.keys) || !sent.new_image != !r.new_image ||
            (r.new_image && !same_map(sent.new_image, r.new_image)))
            fail("what a peer is sent is not the record's change");
    }
    buf_free(&out);
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
    check_change_record(copy, size);
    if (keycodec_order_group(copy, size, false) > size ||
        keycodec_order_group(copy, size, true) > size)
        fail("a group prefix longer than its key");
    free(copy);
    arena_reset(arena);
    return 0;
}
