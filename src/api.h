/* api: one DynamoDB call, from a decoded HTTP request to a response body.
 *
 * The server owns connections and bytes; the api owns everything DynamoDB:
 * header checks (X-Amz-Target, Content-Type), authentication and access
 * rights (auth.h), the operation table, validation, storage and rendering.
 * The boundary is api_call_t.
 *
 * A call completes either at once (api_dispatch returns API_DONE: reads and
 * every error) or later (API_PENDING: a write queued to the storage writer,
 * acknowledged only after its commit).  A pending call's on_complete is
 * invoked exactly once, from the writer thread; the server must then move
 * the call back to the I/O thread that owns the connection.
 */
#ifndef DDBD_API_H
#define DDBD_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "http.h"

typedef struct api_call api_call_t;
typedef struct api_thread api_thread_t;
typedef struct auth_identity auth_identity_t;

/* An I/O thread's context: its read transaction, reset between requests and
 * renewed by the next (see storage_read_begin). */
struct api_thread {
    struct MDB_txn *read_txn;
};

struct api_call {
    arena_t *arena;       /* server-owned; reset by the server after the response */
    api_thread_t *thread; /* the calling I/O thread's context (api_thread_new) */

    /* Request, filled by the server.  Absent headers are NULL/0. */
    const char *target; /* X-Amz-Target */
    size_t target_len;
    const char *content_type;
    size_t content_type_len;
    bool has_authorization; /* an Authorization header was present */
    const char *body;       /* decompressed when Content-Encoding: gzip */
    size_t body_len;
    const char *host; /* the Host header as sent; NULL when not passed on */
    size_t host_len;
    /* The request as received (method, target with its query string,
     * headers, body before decoding), for its signature; read only during
     * api_dispatch.  NULL: no HTTP request (then has_authorization counts). */
    const http_request_t *request;

    /* Who signed the call (auth.h), set by api_dispatch; NULL while
     * authentication is off. */
    const auth_identity_t *identity;
    /* Another region sent this settings change of a global table: applied,
     * not sent on (replication.h). */
    bool from_peer;

    /* Response, filled by the api. */
    int http_status;  /* 200, 400, 500... */
    buf_t *out;       /* body; server-owned, empty on entry */

    /* Completion of API_PENDING calls: set by the server before dispatch. */
    void (*on_complete)(api_call_t *call);
    void *owner; /* the server's, untouched by the api */

    /* The api's private state for a pending call. */
    void *pending;

    /* For the metrics (metrics.h), set by api_dispatch: the operation's
     * number (0: unknown) and the kind of the error answered (negative:
     * none), and the table the request names.  started_ns: set by the
     * server when the request arrived. */
    int operation;
    int error_kind;
    int64_t started_ns;
    const char *table_name; /* the request's TableName (NULL: none); in the arena */
    size_t table_name_len;
};

typedef enum { API_DONE = 0, API_PENDING = 1 } api_result_t;

typedef struct {
    const char *data_dir; /* NULL with in_memory */
    bool in_memory;
    const char *region;
    /* streams: records kept this long; an open shard rolls over after this */
    double stream_retention_s, stream_shard_lifetime_s;
    double stream_iterator_lifetime_s; /* a shard iterator expires after this */
    /* TTL: expired items are deleted within about ttl_delay_s; a table's TTL
     * setting changes at most once per ttl_cooldown_s */
    double ttl_delay_s, ttl_cooldown_s;
    /* "host:port" this server listens on (DescribeEndpoints) */
    const char *endpoint;
    size_t storage_map_size; /* bytes of data at most (storage.h) */
    /* cluster mode (cluster.h): --node-id and --cluster, both NULL alone */
    const char *cluster_node_id, *cluster_members;
    unsigned cluster_snapshot_entries; /* 0: CLUSTER_SNAPSHOT_ENTRIES */
    bool cluster_join;                 /* --cluster-join */
    /* point-in-time recovery (pitr.h): a base snapshot per interval; the
     * length of one recovery-period day; how far LatestRestorableDateTime
     * trails now */
    double pitr_snapshot_interval_s, pitr_day_s, pitr_lag_s;
    /* where ExportTableToPointInTime writes: <export_root>/<bucket>/<prefix> */
    const char *export_root;
} api_config_t;

/* Open storage and start the writer.  Returns 0, or -1 after logging why. */
int api_open(const api_config_t *cfg);
/* Drain and stop the writer, close storage. */
void api_close(void);

/* Per I/O thread context (holds the thread's reusable read transaction). */
api_thread_t *api_thread_new(void);
void api_thread_free(api_thread_t *t);

api_result_t api_dispatch(api_call_t *call);

/* The metrics exposition (metrics.h) into out, with the gauges the api
 * knows (writer queue, storage map, item counts and sizes) and the
 * server's open connections.  Any thread with an api_thread_t. */
void api_metrics_render(api_thread_t *t, size_t connections, buf_t *out);

#endif
