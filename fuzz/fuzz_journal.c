/* fuzz_journal: the reader of the store's journal (journal.c) under
 * libFuzzer: the bytes a start finds in the journal file after any crash.
 *
 * Input: u64 start position | u64 sequence at start | the ring's bytes (at
 * least a record header, cut to a multiple of 8).  The file image is two
 * header slots (one valid, carrying those, and one of the input's first
 * bytes, which are read too) then that ring.  For any input:
 *  - the header read of the raw input and of the image never reads outside
 *    them, and the image's valid header is the one found;
 *  - the scan yields payloads that lie inside the ring (or marks without
 *    one), no more of them than records it passed; it ends at most one ring past the start, on an
 *    8-byte position, with the sequence moved on by at most one per record
 *    header the ring can hold;
 *  - a second scan of the same bytes yields the same.
 * Any violation aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "byteorder.h"
#include "journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SLOT 4096
#define RING_AT (2 * SLOT)
#define HEAD 24

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_journal: %s\n", what);
    abort();
}

typedef struct {
    const uint8_t *ring;
    uint64_t ring_len;
    size_t count;
    uint32_t digest;
} seen_t;

static int check_payload(const uint8_t *payload, size_t len, void *arg)
{
    seen_t *s = arg;
    s->count++;
    if (!payload) { /* an unlogged transaction's mark */
        if (len) fail("a mark with a length");
        return 0;
    }
    if (payload < s->ring || payload + len > s->ring + s->ring_len)
        fail("payload outside the ring");
    s->digest = (uint32_t)crc32(s->digest, payload, (uInt)len);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    journal_header_t h;
    (void)journal_header_read(data, size, &h);
    if (size < 16 + HEAD) return 0;
    uint64_t ring = (size - 16) & ~(uint64_t)7;
    uint8_t *file = calloc(1, RING_AT + ring);
    if (!file) fail("out of memory");
    memcpy(file + RING_AT, data + 16, ring);
    /* slot 1: the input's first bytes (most often not a header) */
    memcpy(file + SLOT, data + 16, ring < SLOT ? ring : SLOT);
    uint64_t start = le64_get(data) % (4 * ring) & ~(uint64_t)7, seq = le64_get(data + 8);
    uint8_t *p = file;
    memcpy(p, "DJH1", 4);
    le32_put(p + 4, 4096);
    le64_put(p + 16, UINT64_MAX); /* newer than anything slot 1 may hold */
    le64_put(p + 24, start);
    le64_put(p + 32, seq);
    le64_put(p + 40, ring);
    le64_put(p + 48, 1);
    le32_put(p + 1088, (uint32_t)crc32(0, p, 1088));
    if (journal_header_read(file, RING_AT + ring, &h) != 0 || h.start != start || h.seq != seq ||
        h.ring != ring)
        fail("the valid header was not the one found");
    seen_t a = {file + RING_AT, ring, 0, 0}, b = a;
    uint64_t end, next, end2, next2;
    if (journal_scan(file, RING_AT + ring, &h, check_payload, &a, &end, &next) != 0)
        fail("a well-formed header refused");
    if (end < start || end - start > ring || end % 8) fail("the scan ended out of place");
    if (next < seq || next - seq > ring / HEAD + 1) fail("more records than the ring holds");
    if (a.count > next - seq) fail("more payloads than records");
    if (journal_scan(file, RING_AT + ring, &h, check_payload, &b, &end2, &next2) != 0 ||
        end2 != end || next2 != next || b.count != a.count || b.digest != a.digest)
        fail("a second scan differs");
    free(file);
    return 0;
}
