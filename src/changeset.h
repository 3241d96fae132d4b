/* changeset: the LMDB changes one write transaction made, as bytes.
 *
 * In cluster mode the leader's writer executes a batch as ever (conditions,
 * updates, index entries, counters, change-log records) and what it changed
 * in LMDB is recorded while it runs: every successful put, delete, DBI
 * creation and drop, with DBIs named (handles differ between processes).
 * Followers replay those bytes in one transaction and never evaluate a
 * request.  Recording sees every write path without a change to the code
 * that writes: the build links with `--wrap` for mdb_put, mdb_cursor_put,
 * mdb_del, mdb_cursor_del, mdb_drop and mdb_dbi_open, so those calls land here
 * first (see the Makefile).  mdb_txn_begin, mdb_txn_commit and
 * mdb_txn_abort are wrapped too: a nested transaction's changes are kept
 * when it commits and dropped from the recording when it aborts, as LMDB
 * keeps or drops them.  Outside a recording the cost is one test of a
 * thread-local variable per call.
 *
 * Format: a sequence of operations, each
 *   u8 op | name length | DBI name | [u32 key length | key] [u32 value length | value]
 * where the name length is one byte below 255, else 255 then a u16 (an
 * index's DBI "i:<table id>:<index name>" can be longer than 255 bytes); a
 * name is not empty (the main DB, which holds the DBIs' own records, is
 * never written) and holds no NUL byte.
 * op 'C' create the DBI (name only), 'P' put (key, value), 'D' delete (key),
 * 'X' drop the DBI, 'E' empty it (name only).  Lengths little-endian.
 * Worked example: a put of key "k" value "v" into DBI "t:7" ->
 *   50 03 74 3a 37 | 01 00 00 00 6b | 01 00 00 00 76
 * A key put again with a value of the same length, nothing having deleted
 * it or created, dropped or emptied a DBI meanwhile (nor a nested
 * transaction begun or ended), keeps one record, at its first put, with its
 * last value: a batch updates a table's counts once per item.
 * Replaying is idempotent over a state that already holds a later change
 * set's effects only in order: deletes of absent keys and drops of absent
 * DBIs are skipped, puts overwrite.
 */
#ifndef DDBD_CHANGESET_H
#define DDBD_CHANGESET_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Record the changes the calling thread makes into out, until
 * changeset_record_stop.  One recording per thread at a time. */
void changeset_record_start(buf_t *out);
void changeset_record_stop(void);

/* What a replay touched, for the caller to refresh in-memory state. */
typedef struct {
    bool catalog;      /* the catalog DBI changed */
    bool dbis;         /* a DBI was created or dropped */
    bool changelog;    /* the change log changed */
    void (*on_catalog_key)(const MDB_val *key, void *arg); /* each catalog key changed */
    void *arg;
} changeset_effects_t;

/* Replay the change set data[0..len) in txn (NULL: only find its effects,
 * without on_catalog_key).  0, an LMDB error, or EINVAL for malformed
 * bytes. */
int changeset_apply(MDB_txn *txn, const uint8_t *data, size_t len, changeset_effects_t *fx);

/* mdb_dbi_open for an environment other than the store (a snapshot's
 * copy): its handles are not named for recording, where they would be
 * taken for the store's handles of the same numbers. */
int changeset_dbi_open_foreign(MDB_txn *txn, const char *name, unsigned flags, MDB_dbi *dbi);

#endif
