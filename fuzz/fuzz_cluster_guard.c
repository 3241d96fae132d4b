/* fuzz_cluster_guard: libFuzzer target for the cluster-port guard's check of
 * Raft message headers (cluster_guard_check_header), the only thing standing
 * between a peer's bytes and libraft's decoder, which trusts their lengths.
 *
 * The input is read as messages the way the guard reads them: u64 type, u64
 * header length, the header (as many bytes as are left when fewer).  Every
 * header the check accepts is checked again here by the layout libraft
 * reads: an AppendEntries holds its n entry descriptors and its payload is
 * the sum of their lengths, each a multiple of 8; an InstallSnapshot's
 * configuration and data length lie inside it; the fixed-size messages are
 * at least as long as libraft reads.  Under ASan a read past the header is a
 * crash too. */
#include "cluster_guard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* The header as libraft lays it out, checked independently of the guard. */
static void check_accepted(uint64_t type, const uint8_t *h, size_t len, uint64_t payload)
{
    switch (type) {
    case RAFT_IO_REQUEST_VOTE: FUZZ_CHECK(len >= 32 && payload == 0); break;
    case RAFT_IO_REQUEST_VOTE_RESULT: FUZZ_CHECK(len >= 16 && payload == 0); break;
    case RAFT_IO_APPEND_ENTRIES_RESULT:
    case RAFT_IO_TIMEOUT_NOW: FUZZ_CHECK(len >= 24 && payload == 0); break;
    case RAFT_IO_APPEND_ENTRIES: {
        FUZZ_CHECK(len >= 40);
        uint64_t n = le64(h + 32), sum = 0;
        FUZZ_CHECK(n <= (len - 40) / 16);
        for (uint64_t i = 0; i < n; i++) {
            const uint8_t *e = h + 40 + 16 * i;
            uint32_t elen = (uint32_t)e[12] | (uint32_t)e[13] << 8 | (uint32_t)e[14] << 16 |
                            (uint32_t)e[15] << 24;
            FUZZ_CHECK(elen % 8 == 0);
            FUZZ_CHECK(e[8] == RAFT_COMMAND || e[8] == RAFT_BARRIER || e[8] == RAFT_CHANGE);
            sum += elen;
        }
        FUZZ_CHECK(payload == sum);
        break;
    }
    case RAFT_IO_INSTALL_SNAPSHOT: {
        FUZZ_CHECK(len >= 48);
        uint64_t conf = le64(h + 32);
        FUZZ_CHECK(conf <= len - 48);
        FUZZ_CHECK(payload == le64(h + 40 + conf));
        break;
    }
    default: FUZZ_CHECK(!"a message type libraft does not know was accepted");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    while (end - p >= 16) {
        uint64_t type = le64(p), want = le64(p + 8);
        p += 16;
        size_t len = want < (uint64_t)(end - p) ? (size_t)want : (size_t)(end - p);
        /* the header in a buffer of its own length: ASan sees any read past it */
        uint8_t *h = malloc(len ? len : 1);
        if (!h) abort();
        memcpy(h, p, len);
        uint64_t payload = 1;
        int rc = cluster_guard_check_header(type, h, len, &payload);
        FUZZ_CHECK(rc == 0 || rc == -1);
        if (rc == 0) check_accepted(type, h, len, payload);
        else FUZZ_CHECK(payload == 0);
        free(h);
        p += len;
    }
    return 0;
}
