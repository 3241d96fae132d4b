/* insights: Contributor Insights' heavy hitters, the most accessed and the
 * most throttled keys of a table or global secondary index.
 *
 * The settings (UpdateContributorInsights) are part of the table's
 * definition (catalog.h: table_t.insights), stored with it.  While one is
 * enabled, every key a request reads or writes is counted here in a
 * bounded "space-saving" sketch: INSIGHTS_SKETCH_SIZE counters of (key,
 * count, error); a key already counted adds one, a new key takes the place
 * of the smallest counter and starts from its count (so counts are upper
 * bounds, over by at most `error`, and any key more frequent than
 * 1/INSIGHTS_SKETCH_SIZE of the stream is kept).  Worked example with 2
 * counters: a a b c -> {a:2} {b:1} -> c replaces b -> {a:2} {c:2, error 1}.
 *
 * Sketches are per thread (the thread's own mutex, never contended except
 * by a scrape), one set per (table id, index, enabling time) so that a
 * re-enabled or re-created table starts afresh; a scrape merges the
 * threads' counters by key and renders the top INSIGHTS_TOP_N of each rule
 * as gauges (README: "Contributor insights"):
 *   ddbd_insights_accessed_partition_keys{table,index,partition_key}
 *   ddbd_insights_accessed_items{table,index,partition_key,sort_key}
 *   ddbd_insights_throttled_partition_keys{...}, ddbd_insights_throttled_items{...}
 * Key values are shown as their text: S as is, N in the service's notation,
 * B in base64; long ones are cut at INSIGHTS_KEY_TEXT_MAX bytes (they are
 * told apart by a hash of the whole value).
 */
#ifndef DDBD_INSIGHTS_H
#define DDBD_INSIGHTS_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "catalog.h"
#include "value.h"

#define INSIGHTS_SKETCH_SIZE 64
#define INSIGHTS_TOP_N 10
#define INSIGHTS_KEY_TEXT_MAX 64
/* Sketch sets a thread keeps at most (stale ones go at each scrape). */
#define INSIGHTS_SETS_MAX 64

/* t's setting for index (NULL: the table), or NULL when never configured. */
const insights_setting_t *insights_setting_find(const table_t *t, const char *index);

/* One access of the item with key pk (and sk; NULL: no sort key, or a
 * Query that names a partition only) in t or its index (NULL: the table).
 * Counted only while that setting is enabled in mode
 * ACCESSED_AND_THROTTLED_KEYS.  Any thread. */
void insights_note_access(const table_t *t, const char *index, const value_t *pk,
                          const value_t *sk);
/* One throttled request on that key (for the throttling code); counted in
 * either mode while enabled. */
void insights_note_throttled(const table_t *t, const char *index, const value_t *pk,
                             const value_t *sk);

/* The gauges of every enabled setting of every table. */
void insights_render(buf_t *out);

#endif
