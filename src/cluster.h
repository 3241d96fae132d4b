/* cluster: replication of the whole store across a group of nodes, on
 * Canonical's Raft library (libraft, libuv transport and log on disk).
 *
 * Off unless --node-id and --cluster are given: then nothing here runs and
 * the only cost on the request path is the test of cluster_on.
 *
 * On: a thread of its own runs libuv's loop with the Raft instance (its
 * log under <data-dir>/raft/, its TCP transport on this node's cluster
 * address).  The writer thread talks to it through a mutex, a condition
 * variable and an eventfd the loop polls:
 *  - the leader's writer executes a batch in an LMDB write transaction as
 *    ever while changeset records what it changes; instead of committing it
 *    hands the bytes to the Raft thread (raft_apply) and holds the
 *    transaction open; once the entry is committed by a majority the Raft
 *    thread's apply tells the writer, which commits, and only then are the
 *    writes acknowledged.  The Raft thread does not wait for that commit
 *    (a slow disk under the store must not delay heartbeats and start
 *    elections): whatever the store takes next begins its transaction
 *    after the writer's ends (LMDB has one writer at a time), and a
 *    snapshot's copy waits until the store holds its index.  If the entry fails (leadership lost) the
 *    transaction is aborted and the writes answer 500, never retried: the
 *    entry may still be committed by the next leader, so this node takes no
 *    write until a new hello of its own is applied after it (see
 *    apply_done).  The recording drops what an aborted nested transaction
 *    changed (changeset.h): an entry holds exactly what the leader's store
 *    keeps.  Readers never see an uncommitted change: LMDB shows them the
 *    transaction only when it commits, after Raft did.
 *  - followers hand each committed entry's bytes (a copy) to an applier
 *    thread, which replays the entries that came meanwhile (a few wait up
 *    to 5 ms for more, but not a table's creation or drop), in log order,
 *    in one transaction (one sync for them all), refreshes the catalog for
 *    the tables they changed, and never evaluates a request.  The last
 *    entry's index is stored with the changes (DBI "cluster"), so entries
 *    Raft replays at a restart are not applied twice.
 *  - a new leader first commits an entry of its own ("hello", carrying its
 *    API address); once it is applied and the applier has stored every
 *    earlier entry, the writer may start (until then writes wait up to a
 *    second, then 500).
 *    Followers learn from it where to forward.
 * Strongly consistent reads on the leader wait for a Raft barrier (one for
 * all the reads asked meanwhile), so a deposed leader never answers one
 * with a stale item, and for the applier to have stored every entry it
 * took before (a new leader's earlier terms).
 * Every snapshot_entries entries Raft takes a snapshot: a compacted LMDB
 * copy made on a worker thread from a read transaction (writes go on), and
 * cuts its log; a node behind the log's start restores the leader's (its
 * store replaced in one transaction), see cluster.c.
 * The store's durability rests on the Raft log: a store commit is not
 * synced (MDB_NOSYNC; LMDB's commit stays atomic, and the kernel keeps the
 * pages through a crash of the process), a thread of its own syncs it
 * every second, and a clean stop syncs it once more.  Against a crash of
 * the system a file in the Raft directory (store-unsynced) names the boot
 * (/proc/sys/kernel/random/boot_id) of the run that may have left unsynced
 * pages: it is written and synced before the first unsynced commit and
 * removed at a clean stop.  A start that finds it from another boot (or
 * saying "sync-failed", written when a periodic sync fails, which stops
 * the node) cannot trust the store: it deletes it, and the store is
 * rebuilt from this node's Raft snapshot and log (applied index 0: Raft
 * restores its snapshot and applies every committed entry after it), or
 * from the leader's.  Where the boot cannot be told (no boot_id), every
 * commit is synced as in a single node.
 * Requests that must run on the leader (writes, strongly consistent reads,
 * transactions) reaching a follower are forwarded as they came (headers and
 * signature untouched) to the leader's API port by a few forwarding threads,
 * and the answer relayed.
 */
#ifndef DDBD_CLUSTER_H
#define DDBD_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>

#include "api.h"
#include "buf.h"
#include "cluster_forward.h"
#include "json.h"

typedef struct {
    const char *node_id;     /* --node-id: this node's ID, a number from 1 */
    const char *members;     /* --cluster: ID=HOST:PORT,... (cluster ports) */
    const char *data_dir;    /* the Raft log goes under <data_dir>/raft */
    const char *api_address; /* HOST:PORT of this node's API, where others forward */
    unsigned snapshot_entries; /* --cluster-snapshot-entries (0: the default) */
    bool join;                 /* --cluster-join: no bootstrap, the leader adds it */
} cluster_config_t;

/* Entries between Raft snapshots (the log is then cut to the last half of
 * them): a snapshot copies the whole store, so not too often. */
#define CLUSTER_SNAPSHOT_ENTRIES 16384

/* True in cluster mode (set by cluster_open). */
extern bool cluster_on;

/* This node leads and takes writes (every earlier entry applied): the
 * housekeeping (TTL deletions, stream and PITR upkeep) runs only then. */
bool cluster_leads(void);

/* Check the flags' values: NULL, or why they are wrong (a static text). */
const char *cluster_config_check(const cluster_config_t *cfg);
/* Before storage_open, in cluster mode (cfg->node_id set): a store left
 * unsynced by another boot (or a failed sync) is deleted here, to be
 * rebuilt from the Raft log once cluster_open starts Raft.  0, or -1 (the
 * store's files cannot be removed; logged).  Nothing when not clustered. */
int cluster_store_prepare(const cluster_config_t *cfg);
/* After storage_close: the store synced, the marker of unsynced pages is
 * removed (the next start trusts the store). */
void cluster_store_closed(void);
/* Start the Raft thread (after the catalog is loaded, before requests).
 * The configuration is bootstrapped from the member list on first start.
 * 0, or -1 (logged). */
int cluster_open(const cluster_config_t *cfg);
/* Stop forwarding and the Raft thread (before storage closes). */
void cluster_close(void);

/* A call that needs the leader (op names the operation; handler runs it):
 * a write, a strongly consistent read, a transaction.  On a node that does
 * not lead it is forwarded (*result API_PENDING), or answered with a 500
 * when it was itself forwarded here (API_DONE).  On the leader a strongly
 * consistent read runs once a Raft barrier confirmed the leadership
 * (API_PENDING; a deposed leader answers 500, never a stale item).  True
 * then; false: serve it as usual.  Only when cluster_on. */
bool cluster_forward(api_call_t *call, const char *op, size_t op_len, const json_value_t *req,
                     cluster_handler_t handler, api_result_t *result);

/* Admin requests on the API port (the `ddbd cluster` command): path is
 * /cluster/status (this node's view: role, term, commit and applied
 * indexes, members; on the leader each member's replicated index and lag),
 * /cluster/add?id=ID&address=HOST:PORT or /cluster/remove?id=ID (POST, on
 * the leader: elsewhere a 409 names the leader's API address).  An add
 * returns once the node caught up and votes, a remove once committed,
 * waiting up to 30 s.  Writes a JSON object into out and returns the HTTP
 * status. */
bool cluster_admin_path(const char *path, size_t len);

/* The metrics families ddbd_cluster_* (role, term, indexes, elections,
 * snapshots, and on the leader each follower's lag); nothing when not
 * cluster_on. */
void cluster_metrics_render(buf_t *out);
int cluster_admin(bool post, const char *path, size_t len, buf_t *out);

#endif
