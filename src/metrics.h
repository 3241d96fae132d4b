/* metrics: the server's counters and their Prometheus text exposition.
 *
 * Counting is per thread: each thread that counts (I/O threads, the
 * writer) owns a block of plain 64-bit counters that only it writes, with
 * relaxed loads and stores (plain moves: no locked instruction, no lock on
 * the request path).  A scrape sums the blocks of every thread.  A block is
 * registered once, on a thread's first count, and lives until exit, so
 * counts of finished threads are kept.
 *
 * What is counted:
 * - requests, errors (by error type) and a latency histogram per operation
 *   (operations are numbered by the caller: metrics_operations_set), and
 *   requests and errors by operation per table;
 * - consumed read and write units per table and per index (capacity.c
 *   reports each charge); kept in half units, the service's smallest step,
 *   so sums stay exact integers;
 * - throttled requests per table and index (zero until throttling exists;
 *   the series is there so that dashboards need not change);
 * - the writer's group-commit batch sizes and commit (fsync) latencies.
 * Per-table entries sit in a small per-thread hash table keyed by
 * "table\0index"; a later token bucket per table or partition can sit
 * beside each entry.  Growing the table takes the thread's own mutex, as
 * does a scrape reading it; lookups and increments take nothing.
 *
 * Gauges that other modules know (connections, writer queue, storage map,
 * item counts and bytes) are handed to metrics_render by its caller, so
 * that this module calls no module above it.
 *
 * Names (all prefixed ddbd_): see metrics.c's render functions; the README
 * lists them.
 */
#ifndef DDBD_METRICS_H
#define DDBD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define METRICS_OPERATIONS_MAX 64

/* Off (--no-metrics): counting does nothing and /metrics is not served. */
void metrics_enable(bool on);
bool metrics_enabled(void);

/* The operation names, index i naming operation i (0 is "unknown": a
 * request whose operation was not found).  Called once, before serving. */
void metrics_operations_set(const char *const *names, size_t count);

/* One answered request: its operation, its error kind (errors.h; negative
 * when it succeeded), how long it took, and the table it named (NULL: none,
 * or several).  Per-table counts are kept only for names that can be table
 * names and requests not answered ResourceNotFoundException, and for at
 * most METRICS_TABLES_MAX tables and indexes per thread (the rest are
 * counted under table "(other)"), so that requests naming made-up tables
 * cannot grow memory without bound. */
#define METRICS_TABLES_MAX 4096
void metrics_request_count(int operation, int error_kind, int64_t elapsed_ns, const char *table,
                           size_t table_len);

/* Units consumed on table (index NULL) or one of its indexes. */
void metrics_units_add(const char *table, const char *index, bool write, double units);

/* One request throttled on table (index NULL) or one of its indexes. */
void metrics_throttled_count(const char *table, const char *index);

/* The writer: one group commit of `writes` writes, and one commit's time. */
void metrics_batch_count(size_t writes);
void metrics_commit_count(int64_t elapsed_ns);

/* A monotonic clock in nanoseconds (for the elapsed times above). */
int64_t metrics_now_ns(void);

/* Gauges known elsewhere, read at scrape time. */
typedef struct {
    const char *table, *index; /* index NULL: the table itself */
    uint64_t items, bytes;
} metrics_table_size_t;
typedef struct {
    size_t connections;
    size_t writer_queue;
    uint64_t map_bytes, map_used_bytes;
    const metrics_table_size_t *sizes;
    size_t size_count;
} metrics_gauges_t;

/* The exposition (text format 0.0.4) of every counter and gauge. */
void metrics_render(buf_t *out, const metrics_gauges_t *g);

/* A family's HELP and TYPE lines, and a label value escaped (\\, \" and
 * newlines), for families rendered elsewhere. */
void metrics_family_write(buf_t *out, const char *name, const char *type, const char *help);
void metrics_label_write(buf_t *out, const char *value);

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
