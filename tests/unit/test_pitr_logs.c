/* pitr: the writer keeps a sequence state per log that recorded, and a
 * table's deletion forgets its log's state, so that creating and deleting
 * tables with PITR does not grow it; a log forgotten and written again
 * goes on after its last record. */
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "changelog.h"
#include "pitr.h"
#include "unit.h"
#include "unit_store.h"

static char dir[] = "/tmp/ddbd-unit-pitr-logs.XXXXXX";
static MDB_env *env;

static void record(table_t *t, const char *key)
{
    value_t s = {.type = VALUE_S, .u.bytes = {key, strlen(key)}};
    value_member_t m = {"pk", 2, &s};
    value_t item = {.type = VALUE_M, .u.map = {&m, 1}};
    MDB_txn *txn;
    if (mdb_txn_begin(env, NULL, 0, &txn)) abort();
    CHECK(pitr_record(txn, t, NULL, &item, NULL, NULL) == 0);
    if (mdb_txn_commit(txn)) abort();
}

static void forget(table_t *t)
{
    MDB_txn *txn;
    if (mdb_txn_begin(env, NULL, 0, &txn)) abort();
    bool enabled = t->pitr_enabled;
    t->pitr_enabled = false; /* (no SYSTEM backup: no backup store here) */
    CHECK(pitr_table_deleting(txn, t) == NULL);
    t->pitr_enabled = enabled;
    mdb_txn_abort(txn);
}

/* The sequence number of the last record of log. */
static uint64_t last_of(uint64_t log)
{
    MDB_txn *txn;
    uint64_t first = 0, last = 0;
    bool empty = true;
    if (mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) abort();
    CHECK(changelog_bounds(txn, log, 0, &first, &last, &empty) == 0);
    mdb_txn_abort(txn);
    return empty ? 0 : last;
}

static void test_deleting_forgets_the_state(void)
{
    table_t a = {.keys = {.hash = "pk"}, .pitr_enabled = true, .pitr_log = pitr_log_new(1000)};
    table_t b = a;
    b.pitr_log = a.pitr_log + 1;
    size_t before = pitr_logs_tracked();
    record(&a, "x");
    record(&b, "y");
    CHECK(pitr_logs_tracked() == before + 2);
    forget(&a);
    CHECK(pitr_logs_tracked() == before + 1);
    forget(&a); /* twice: nothing more */
    CHECK(pitr_logs_tracked() == before + 1);
    forget(&b);
    CHECK(pitr_logs_tracked() == before);
    /* many tables made and deleted leave nothing behind */
    for (int i = 0; i < 100; i++) {
        table_t t = a;
        t.pitr_log = a.pitr_log + 10 + (uint64_t)i;
        record(&t, "z");
        forget(&t);
    }
    CHECK(pitr_logs_tracked() == before);
}

static void test_forgotten_log_goes_on_after_its_last_record(void)
{
    table_t t = {.keys = {.hash = "pk"}, .pitr_enabled = true, .pitr_log = pitr_log_new(2000)};
    record(&t, "one");
    record(&t, "two");
    uint64_t last = last_of(t.pitr_log);
    CHECK(last != 0);
    forget(&t);
    record(&t, "three");
    CHECK(last_of(t.pitr_log) > last);
}

int main(void)
{
    env = unit_store_open(dir, 8, 64u << 20);
    MDB_txn *txn;
    if (mdb_txn_begin(env, NULL, 0, &txn) || changelog_open(txn) || mdb_txn_commit(txn)) abort();
    RUN(test_deleting_forgets_the_state);
    RUN(test_forgotten_log_goes_on_after_its_last_record);
    unit_store_remove(env, dir);
    return unit_report("pitr_logs");
}
