/* catalog: table and index metadata.
 *
 * A table_t is the parsed definition of one table (keys, attribute
 * definitions, billing, indexes, stream/SSE settings, tags) plus its DBIs.
 * Its item counts and sizes are not in memory: they are kept in LMDB with
 * the items (stats.h) and read when a description is rendered.
 * Definitions are read, checked and written by tabledef.h; the catalog
 * keeps them in its DBI as the JSON tabledef_render writes, and loads them
 * at start-up with tabledef_parse.
 *
 * Lifetime: the registry holds one reference to each live table;
 * catalog_acquire adds one for a request, catalog_release drops it.  A
 * deleted table leaves the registry at once and is freed when its last
 * request lets go, so a write queued behind a DeleteTable never touches
 * freed memory (it sees `dropped` instead).
 */
#ifndef DDBD_CATALOG_H
#define DDBD_CATALOG_H

#include <lmdb.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "constraint.h"
#include "errors.h"
#include "json.h"
#include "stats.h"
#include "tags.h"
#include "value.h"

#define CATALOG_ACCOUNT "000000000000"
#define CATALOG_ON_DEMAND_SWITCHES 4
#define CATALOG_GSI_MAX 20
/* Names of key attributes and of projected attributes: 1 to 255 bytes. */
#define CATALOG_KEY_NAME_MAX 255
#define CATALOG_NON_KEY_MAX 20

typedef struct {
    const char *name;
    value_type_t type; /* VALUE_S, VALUE_N or VALUE_B */
} attr_def_t;

typedef struct {
    const char *hash;  /* attribute names; range NULL when absent */
    const char *range;
} key_schema_t;

/* A GSI's key may have up to four HASH and four RANGE attributes
 * (multi-attribute keys); tables and LSIs have one of each at most. */
#define CATALOG_KEY_PARTS_MAX 4
typedef struct {
    const char *name;
    value_type_t type; /* VALUE_S, VALUE_N or VALUE_B */
} key_part_t;

typedef enum { PROJECTION_ALL, PROJECTION_KEYS_ONLY, PROJECTION_INCLUDE } projection_type_t;
typedef enum { INDEX_ACTIVE, INDEX_CREATING, INDEX_DELETING } index_status_t;

typedef struct {
    const char *name;
    bool global;
    /* The key attributes in KeySchema order: hash_parts[0..hash_count),
     * range_parts[0..range_count).  keys, hash_type and range_type repeat
     * the first of each, for code that serves single-attribute keys only. */
    key_part_t hash_parts[CATALOG_KEY_PARTS_MAX], range_parts[CATALOG_KEY_PARTS_MAX];
    size_t hash_count, range_count;
    key_schema_t keys;
    projection_type_t projection;
    const char **non_key;
    size_t non_key_count;
    int64_t rcu, wcu; /* GSIs of PROVISIONED tables */
    /* the changes of a provisioned GSI's throughput, counted as a table's */
    double last_increase, last_decrease;
    int decreases_today;
    int64_t max_read, max_write; /* OnDemandThroughput of GSIs (0: no maximum) */
    value_type_t hash_type, range_type;
    const char *dbi_name; /* "i:<table id>:<index name>" */
    MDB_dbi dbi;
    /* CREATING while an online backfill runs (stored, so a restart resumes
     * it); changed by the writer only. */
    index_status_t status;
} index_def_t;

/* Contributor Insights for a table (index NULL) or one of its GSIs
 * (insights.h); kept once configured, so that a disabled one still tells
 * when it last changed. */
typedef enum { INSIGHTS_ACCESSED_AND_THROTTLED_KEYS, INSIGHTS_THROTTLED_KEYS } insights_mode_t;
typedef struct {
    const char *index; /* NULL: the table */
    bool enabled;
    insights_mode_t mode;
    int64_t changed_ms; /* LastUpdateDateTime; also the rules' creation time */
} insights_setting_t;

/* A table's resource-based policies (policy.h), canonical texts with their
 * RevisionIds: the table's, and that of its stream with stream_label.
 * Immutable: a change publishes a new one. */
typedef struct {
    const char *table, *table_revision; /* NULL: none */
    const char *stream_label, *stream, *stream_revision;
} table_policies_t;

typedef struct table {
    arena_t *arena; /* owns every string of the definition */
    const char *name;
    const char *id;  /* UUID */
    double created;  /* seconds since the epoch */
    attr_def_t *attrs;
    size_t attr_count;
    key_schema_t keys;
    value_type_t hash_type, range_type;
    bool pay_per_request;
    int64_t rcu, wcu;
    /* OnDemandThroughput of an on-demand table (0: no maximum) */
    int64_t max_read, max_write;
    double billing_updated; /* when BillingMode last changed; 0: never */
    /* the latest switches to PAY_PER_REQUEST, oldest first (0: none), as
     * the service allows CATALOG_ON_DEMAND_SWITCHES a rolling day */
    double on_demand_switches[CATALOG_ON_DEMAND_SWITCHES];
    double last_increase, last_decrease;
    int decreases_today;
    index_def_t *indexes;
    size_t index_count;
    bool stream_enabled;
    const char *stream_view_type;
    uint64_t stream_id;       /* the enabled stream (streams.h); 0: none */
    const char *stream_label; /* the latest stream's label, kept once it is
                                 disabled; NULL: the table never had one */
    /* Time to Live: the attribute (NULL: disabled) and when it last changed */
    const char *ttl_attribute;
    double ttl_changed;
    bool ttl_filled; /* the expiry index holds the items older than the TTL */
    char ttl_dbi_name[40]; /* "x:<table id>": the expiry index (ttl.h) */
    MDB_dbi ttl_dbi;
    /* Contributor Insights settings (changed by the writer, in a new version) */
    insights_setting_t *insights;
    size_t insights_count;
    bool sse_enabled;
    const char *sse_type, *kms_key;
    /* Changed in place by the writer (TagResource, PutResourcePolicy...):
     * readers load them once and use what they got. */
    const tag_set_t *_Atomic tags;          /* never NULL */
    const table_policies_t *_Atomic policies; /* never NULL */
    bool deletion_protection;
    const char *table_class;

    /* Being filled from a backup (backup.h): CREATING, invisible to item
     * operations, until its items are in.  restore_offset (writer thread
     * only) is where the fill resumes, stored with each step. */
    bool restoring;
    const char *restore_backup_arn, *restore_source_arn; /* an import's ARN: import.h */
    double restore_time;
    uint64_t restore_offset;
    /* A point-in-time restore (pitr.h) goes on, after the base snapshot's
     * items, with the records of change log restore_log from sequence
     * restore_log_next on, committed at or before restore_until_ms (0: a
     * restore from a backup). */
    uint64_t restore_log, restore_log_next;
    int64_t restore_until_ms;

    /* Point-in-time recovery (pitr.h): while enabled, every item change is
     * also recorded in change log pitr_log (assigned at the first enabling,
     * kept after), for pitr_days days; pitr_since_ms: the last enabling. */
    bool pitr_enabled;
    int pitr_days;
    int64_t pitr_since_ms;
    uint64_t pitr_log;

    char dbi_name[40];
    MDB_dbi dbi;
    /* Tables with LSIs: bytes per item collection (partition key), keyed by
     * the partition's key prefix; see index_collection_add(). */
    bool has_collections;
    char collections_dbi_name[40];
    MDB_dbi collections_dbi;
    _Atomic int refs;
    bool dropped; /* writer thread only */
    /* The definition that replaced this one (UpdateTable with index
     * changes), with a reference held; writer thread only.  Writes follow it
     * with catalog_latest() so that they maintain the newest indexes. */
    struct table *next_version;
} table_t;

/* The counts of a table and of each of its indexes (in t->indexes order),
 * as a description shows them. */
typedef struct {
    stats_t table;
    stats_t *indexes;
} catalog_stats_t;
/* Read them in txn (the arena holds the index array). */
int catalog_table_read_stats(MDB_txn *txn, arena_t *a, const table_t *t, catalog_stats_t *out);
/* Delete the stored counts of t and its indexes (DeleteTable). */
int catalog_table_forget_stats(MDB_txn *txn, const table_t *t);

/* Store t's definition in the catalog DBI (writer thread). */
int catalog_table_store(MDB_txn *txn, const table_t *t);
/* A TableDescription object for the given TableStatus; stats NULL: all
 * counts zero (a new table). */
void catalog_table_render_description(buf_t *b, const table_t *t, const char *status,
                                      const catalog_stats_t *stats);
/* Set once at start-up: members a module adds at the end of every
 * description (global tables' Replicas). */
extern void (*catalog_description_extra)(buf_t *b, const table_t *t);
/* The TableDescription DeleteTable returns: TableStatus DELETING, without
 * the key schema, attribute definitions, creation time or indexes. */
void catalog_table_render_deleting(buf_t *b, const table_t *t, const catalog_stats_t *stats);

/* A copy of p in arena a (a table's, to change and publish). */
table_policies_t *catalog_policies_copy(arena_t *a, const table_policies_t *p);

/* A private copy of a table's definition (same id and DBIs), to change
 * before catalog_replace(); one reference. */
table_t *catalog_table_clone(const table_t *t);
/* Give copy the DBI handles and table-level settings (billing,
 * throughput, stream, protection, class, TTL, Contributor Insights of the
 * table and of the indexes copy has) of from, and the index states
 * of every index both have (an index only copy has keeps status CREATING and
 * no DBI yet). */
void catalog_table_adopt(table_t *copy, const table_t *from);
/* What a backup says of its source table: "SourceTableDetails":{...},
 * "SourceTableFeatureDetails":{...} with the counts s. */
void catalog_table_render_backup_source(buf_t *b, const table_t *t, const stats_t *s);

/* Put new_version in old's place in the registry (writer thread). */
void catalog_replace(table_t *old, table_t *new_version);
/* The newest version of a table (writer thread). */
table_t *catalog_latest(table_t *t);

/* Open (creating if needed) the DBIs of the table and of its indexes;
 * writer thread or start-up. */
int catalog_table_open_dbis(MDB_txn *txn, table_t *t);
/* Drop them (DeleteTable); writer thread, exclusive batch. */
int catalog_table_drop_dbis(MDB_txn *txn, table_t *t);
/* Whether ix's partition or sort key has more than one attribute. */
bool catalog_index_multi_attribute(const index_def_t *ix);

/* NumberOfDecreasesToday at time now (seconds since the epoch): the
 * decreases of the UTC day of the last one, if that day is today. */
int catalog_table_decreases_today(const table_t *t, double now);
/* The same for a count of decreases, the last at last_decrease (a GSI's). */
int catalog_decreases_today(double last_decrease, int count, double now);

/* The table's ARN. */
void catalog_table_arn(const table_t *t, buf_t *b);
/* The ARN of the stream with label of table (the stream may outlive it). */
void catalog_stream_arn(buf_t *b, const char *table, const char *label);

/* --- registry --------------------------------------------------------------- */

/* Load every stored table (start-up, inside a write transaction).  Reads
 * no item: the counts are stored (stats.h), except in a data directory
 * written before they were, where every table and index is counted once
 * and the counts stored. */
int catalog_load(MDB_txn *txn);
/* A live table by name with a reference held, or NULL; a table being
 * restored is not live yet (catalog_acquire_any finds it too). */
table_t *catalog_acquire(const char *name, size_t len);
table_t *catalog_acquire_any(const char *name, size_t len);
void catalog_release(table_t *t);
/* One more reference to a table the caller already holds. */
void catalog_retain(table_t *t);
/* Enter a table (the registry takes a reference of its own) / remove it
 * (dropping that reference); writer thread. */
void catalog_publish(table_t *t);
/* Whether t is being filled by an import (import.h) rather than a restore. */
bool catalog_table_importing(const table_t *t);
void catalog_unpublish(table_t *t);
/* Names in order, starting after `after` (NULL: from the first), at most
 * limit; *more says whether names remain. */
size_t catalog_list(arena_t *a, const char *after, size_t limit, const char ***names, bool *more);
/* Whether a table named name exists or is being created. */
bool catalog_exists(const char *name);
void catalog_shutdown(void);

#endif
