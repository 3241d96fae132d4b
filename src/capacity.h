/* capacity: the capacity units an operation consumes, and how it reports them.
 *
 * One parser for ReturnConsumedCapacity, one pair of unit formulas, one
 * renderer for the ConsumedCapacity member, used by every operation.
 *
 * Units (the service's arithmetic):
 *   read:  1 per 4 KB of item data, rounded up, at least 1; an eventually
 *          consistent read half of that; a transactional read double.
 *   write: 1 per 1 KB, rounded up, at least 1; transactional double.
 * E.g. a 5,000-byte item costs 2 read units (1 eventually consistent) and 5
 * write units.
 *
 * Indexes: a write charges each index whose entry it puts, replaces or
 * deletes by the entry's size (the projected item); a write that moves an
 * item between index keys costs a delete and a put there; an index whose
 * projected entry is unchanged costs nothing.  A Query or Scan of an index
 * charges the index; an LSI read that fetches from the table charges the
 * table for the items it fetches.
 *
 * Rendering: TOTAL gives {"TableName", "CapacityUnits", and
 * "ReadCapacityUnits" or "WriteCapacityUnits"} with the table's and its
 * indexes' units together; INDEXES adds "Table" with the table's own share
 * and "GlobalSecondaryIndexes" / "LocalSecondaryIndexes" maps of the
 * indexes that consumed something.  Single-item operations, Query and Scan
 * answer one object; batches and transactions a list with one object per
 * table.
 */
#ifndef DDBD_CAPACITY_H
#define DDBD_CAPACITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "constraint.h"
#include "errors.h"
#include "json.h"

typedef enum { CAPACITY_NONE, CAPACITY_TOTAL, CAPACITY_INDEXES } capacity_mode_t;

/* ReturnConsumedCapacity of req: a member of the wrong JSON type is the
 * returned error; an unknown value a violation added to cl.  Absent: NONE. */
ddb_error_t *capacity_mode_read(arena_t *a, const json_value_t *req, constraint_list_t *cl,
                                capacity_mode_t *mode);

/* Units for reading `bytes` of items (in one item, or summed over a Query
 * or Scan page), and for writing an item of `bytes`. */
double capacity_read_units(size_t bytes, bool consistent);
double capacity_write_units(size_t bytes);
#define CAPACITY_TRANSACTION_FACTOR 2.0

/* What one index of a table consumed. */
typedef struct {
    const char *name;
    bool global; /* a GSI (else an LSI) */
    double units;
} capacity_index_t;

/* What one table consumed: its own share and each index's. */
typedef struct {
    const char *table;         /* name, NUL-terminated */
    bool write;                /* write units (else read units) */
    double units;              /* the table's own share */
    capacity_index_t *indexes; /* NULL until an index consumed something */
    size_t index_count;
    /* The one item's partition-key hash when keyed (single-item
     * operations): throttling (throttle.h) charges its partition too. */
    bool keyed;
    uint64_t hash;
} capacity_t;

/* The most indexes a table has (20 GSIs and 5 LSIs). */
#define CAPACITY_INDEXES_MAX 25

/* Add units to the entry for table in list[0..*count) (appending one when
 * the table is new; list has room for every table of the request). */
void capacity_add(capacity_t *list, size_t *count, const char *table, bool write, double units);
/* Likewise for an index of table (its list from the arena). */
void capacity_add_index(arena_t *a, capacity_t *list, size_t *count, const char *table, bool write,
                        const char *index, bool global, double units);
/* The table's share plus its indexes'. */
double capacity_total(const capacity_t *c);

/* ,"ConsumedCapacity":{...} (without the comma when *first); nothing when
 * mode is NONE.  Either way the units are counted in the table's metrics
 * (metrics.h): call it once per answered request. */
void capacity_render(buf_t *out, capacity_mode_t mode, const capacity_t *c, bool *first);
/* ,"ConsumedCapacity":[{...},...] likewise. */
void capacity_render_list(buf_t *out, capacity_mode_t mode, const capacity_t *list, size_t count,
                          bool *first);
/* Counts units in the metrics, and charges them to the table's and its
 * indexes' token buckets (throttle.h), without rendering them (a request that
 * failed after consuming capacity: a failed condition). */
void capacity_account(const capacity_t *c);

#endif
