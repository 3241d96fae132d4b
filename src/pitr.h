/* pitr: point-in-time recovery of tables.
 *
 * While a table has PITR enabled (its definition: pitr_enabled, pitr_days,
 * pitr_log; changed by UpdateContinuousBackups), every committed change of
 * one of its items also goes, in the same transaction, to the table's own
 * change log (changelog.h; log id pitr_log, one shard): the item's keys and
 * its full new image (none for a removal), with the commit time in
 * milliseconds.  Together with base snapshots of the table (backup.h's
 * copy, internal bases under <data-dir>/backups/) this is what a restore
 * needs: the newest base taken at or before the instant, then the log's
 * records after the base's position that were committed at or before the
 * instant, in order.  A base records the sequence number of the last record
 * its snapshot holds, so a change is either in the base or replayed, never
 * both, whatever ran concurrently with the copy.
 *
 * The window: EarliestRestorableDateTime is the oldest base's instant
 * (taken when PITR is enabled), later `now - RecoveryPeriodInDays`;
 * LatestRestorableDateTime is, as the service says, 5 minutes before now
 * (--pitr-lag) but never before the enabling, although the log is complete
 * up to the last commit: a restore to a later time is refused, and
 * UseLatestRestorableTime restores to LatestRestorableDateTime.  Exports
 * may take any instant up to now.  A restore time counts to the millisecond: a change committed at
 * or before it is in the restored table, a later one is not.
 *
 * Housekeeping (pitr_tick, from the janitor): a new base every
 * snapshot_interval when the table changed since the last one; bases older
 * than the newest one at or before the window's start are dropped (unless a
 * restore reads them) and the log is trimmed up to that base's position,
 * in bounded writer steps.  Disabling PITR drops the bases and the log; so
 * does deleting the table.  Each new base logs the size of the table's log
 * (records and bytes).  `day_s` is the length of one recovery-period day
 * (86400; shorter only for tests).
 */
#ifndef DDBD_PITR_H
#define DDBD_PITR_H

#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

#include "backup.h"
#include "catalog.h"
#include "value.h"

#define PITR_DAYS_DEFAULT 35
#define PITR_DAYS_MAX 35

void pitr_configure(double snapshot_interval_s, double day_s, double lag_s);
/* The length of a day (ms): 86400000 but in tests.  The periods of
 * incremental exports (15 minutes to a day) scale with it. */
int64_t pitr_day_ms(void);

/* A fresh change-log id for a table's first enabling (apart from the ids
 * of streams). */
uint64_t pitr_log_new(int64_t now_ms);

/* Record one item change of t (writer thread, in the change's
 * transaction); nothing unless PITR is enabled.  old_item may be NULL when
 * new_item is not (a put whose old version was not decoded). */
int pitr_record(MDB_txn *txn, const table_t *t, const value_t *old_item, const value_t *new_item,
                const MDB_val *old_encoded, const MDB_val *new_encoded);

/* How many logs the writer keeps a sequence state for: one per table that
 * recorded since the start and was not deleted since. */
size_t pitr_logs_tracked(void);

/* PITR was just enabled on t (committed): take its first base. */
void pitr_begin(table_t *t);

/* The restorable window at now_ms of a table whose PITR was enabled at
 * since_ms, whose oldest base of that enabling was taken at oldest_base_ms
 * (0: none yet), with a recovery period of period_ms: earliest is the
 * later of the oldest base (or since) and now - period; latest is now, or
 * with lag_ms > 0 the later of the oldest base (or since) and now - lag
 * (the service's LatestRestorableDateTime trails by 5 minutes but never
 * precedes the enabling, and the first base is taken at once after it);
 * earliest never exceeds latest. */
typedef struct {
    int64_t earliest, latest;
} pitr_bounds_t;
pitr_bounds_t pitr_window_of(int64_t now_ms, int64_t since_ms, int64_t oldest_base_ms,
                             int64_t period_ms, int64_t lag_ms);
/* The instant a restore (or an export) to time_ms holds in window w: a
 * time names a second, and the instant is the end of that second (every
 * change of it is in), or w.latest when that is earlier; without a time
 * (has_time false), w.latest.  False when the second is outside w. */
bool pitr_instant_of(pitr_bounds_t w, bool has_time, int64_t time_ms, int64_t *until_ms);

/* The same for t (PITR enabled) at now_ms: lagged for restores and
 * DescribeContinuousBackups (latest trails now by --pitr-lag), not for
 * exports (whose instant may be now).  pitr_instant returns false when
 * the second is outside the window, which *earliest_ms and *latest_ms
 * then give. */
void pitr_window(const table_t *t, int64_t now_ms, bool lagged, int64_t *earliest_ms,
                 int64_t *latest_ms);
bool pitr_instant(const table_t *t, int64_t now_ms, bool lagged, bool has_time, int64_t time_ms,
                  int64_t *until_ms, int64_t *earliest_ms, int64_t *latest_ms);

/* Among bases (oldest first, of one enabling): the newest taken at or
 * before until_ms (n: none), which a restore to until_ms starts from; and
 * the newest available one taken at or before the window's start
 * start_ms (0 when none is), the oldest a restore in the window can need:
 * older bases go, and the log is trimmed up to its position. */
size_t pitr_base_pick(const backup_base_t *bases, size_t n, int64_t until_ms);
size_t pitr_base_oldest_needed(const backup_base_t *bases, size_t n, int64_t start_ms);

/* The base for a restore of t to until_ms: its ARN (in a) and the
 * sequence number of its last record; false when there is none. */
bool pitr_base_for(arena_t *a, const table_t *t, int64_t until_ms, const char **arn,
                   uint64_t *log_seq);

/* DeleteTable of t (writer thread, in the deleting transaction): its log's
 * sequence state is forgotten (after a rollback the next write reads it
 * from the log again), and the SYSTEM backup of a table with PITR enabled,
 * expiring 35 days (of pitr_day_ms) later, or NULL; then, after the commit, whether it was
 * committed (backup.h: backup_system_create, backup_system_settle). */
#define PITR_SYSTEM_BACKUP_DAYS 35
backup_t *pitr_table_deleting(MDB_txn *txn, table_t *t);
void pitr_table_deleted(backup_t *system, bool committed);

/* Housekeeping (any thread); expired SYSTEM backups go too. */
void pitr_tick(void);

#endif
