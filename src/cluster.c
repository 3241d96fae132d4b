/* cluster: the Raft thread, the writer's replication hooks and the
 * followers' replay; see cluster.h. */
#include "cluster.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <raft.h>
#include <raft/uv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>
#include <uv.h>

#include "byteorder.h"
#include "catalog.h"
#include "changelog.h"
#include "changeset.h"
#include "clock.h"
#include "cluster_admin.h"
#include "cluster_forward.h"
#include "cluster_guard.h"
#include "cluster_segments.h"
#include "durable_file.h"
#include "errors.h"
#include "log.h"
#include "metrics.h"
#include "storage.h"
#include "tabledef.h"

#define MAX_MEMBERS 9
#define ADDRESS_MAX 256
/* How long a write waits for a leader (an election) before its 500. */
#define GATE_WAIT_MS 1000
/* How often the Raft thread looks at its role (leadership and readiness). */
#define TICK_MS 10
/* Raft's election timeout (randomised by it between 1x and 2x) and
 * heartbeat: a dead leader is replaced in about 0.6 to 1.5 s. */
#define ELECTION_TIMEOUT_MS 500
#define HEARTBEAT_MS 50
/* How long a leader waits for a follower's answer to a snapshot it sent
 * before sending it again: libraft's follower drops a snapshot that comes
 * while it takes one of its own (e.g. just after a restart), and libraft's
 * default of 30 s then kept such a follower behind for 30 s.  The wait
 * grows with the store (a copy on the wire at SNAPSHOT_SEND_BYTES_PER_MS
 * or faster), so that a large snapshot is not sent again while the first
 * is still on its way. */
#define SNAPSHOT_RESEND_MS 2000
#define SNAPSHOT_SEND_BYTES_PER_MS 10000 /* 10 MB/s */
/* The status of a write that cannot be replicated now (no leader, this
 * node does not lead, leadership lost): it fails with a 500, untried again
 * (see storage_replicator_t). */
#define CLUSTER_UNAVAILABLE STORAGE_UNREPLICATED

/* A log entry: u8 kind | 3 zero bytes | u32 payload length | u64 origin
 * node | u64 word | payload | zeros up to a multiple of 8 bytes (libraft's
 * disk format wants entry lengths so), all little-endian, where word is the
 * origin's proposal number (changes) or its term (hello) and the payload a
 * change set (changeset.h) or the leader's API address; a member entry
 * (origin: a follower, word 0) carries a follower's API address, which it
 * sent the leader (POST /cluster/member), for status to ask it. */
enum { ENTRY_CHANGES = 1, ENTRY_HELLO = 2, ENTRY_MEMBER = 3 };
#define ENTRY_HEADER 24

/* The writer's proposal, from its commit hook to the Raft thread and
 * back. */
typedef enum {
    P_IDLE,     /* none */
    P_QUEUED,   /* handed to the Raft thread */
    P_PROPOSED, /* in the log at `index`, waiting for the commit */
    P_COMMIT,   /* committed: the writer commits its transaction */
    P_FAILED,   /* not committed here: the writer aborts */
} proposal_state_t;

typedef struct {
    raft_id id;
    char address[ADDRESS_MAX]; /* cluster address */
    char api[ADDRESS_MAX];     /* API address, learnt from its hello ("" until then) */
    /* as the Raft thread last saw them (each tick): */
    int role;          /* RAFT_VOTER, RAFT_STANDBY, RAFT_SPARE; -1: not a member now */
    raft_index match;  /* on the leader: the last entry it holds */
    bool reachable;    /* on the leader: answered within an election timeout */
    bool lagging;      /* on the leader: logged as behind */
} member_t;

/* A committed entry of another node, copied out of Raft's buffer for the
 * applier thread. */
typedef struct pending {
    struct pending *next;
    raft_index index;
    size_t len;
    uint8_t data[];
} pending_t;

/* A membership change asked by the admin command (one at a time). */
typedef enum { ADMIN_NONE, ADMIN_QUEUED, ADMIN_RUNNING, ADMIN_DONE } admin_state_t;

bool cluster_on;

static struct {
    raft_id id;
    member_t members[MAX_MEMBERS];
    size_t nmembers;
    char api_address[ADDRESS_MAX];
    char dir[PATH_MAX];
    char data_dir[PATH_MAX];
    unsigned snapshot_entries;
    bool join;

    /* Raft thread */
    uv_loop_t loop;
    uv_poll_t wake; /* on wake_fd: other threads' wake-ups (raft_wake) */
    int wake_fd;
    uv_timer_t tick;
    struct raft_uv_transport transport;
    struct raft_io io;
    struct raft_fsm fsm;
    struct raft raft;
    struct raft_apply hello_request;
    raft_term hello_term; /* the term whose hello was proposed */
    bool hello_inflight, closing;
    raft_id known_leader; /* logged when it changes */
    pthread_t thread;
    bool started;

    /* shared, under mutex */
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    bool stopping;
    bool leading; /* Raft says this node leads */
    bool ready;   /* ... and its hello is applied: writes may run */
    raft_id leader;
    proposal_state_t state;
    uint64_t seq;
    struct raft_buffer entry;
    raft_index index;
    raft_index applied; /* the last entry whose changes LMDB holds */
    /* followers' committed entries, waiting for the applier thread (in
     * log order), and the last one handed to it */
    struct pending *pending_head, *pending_tail;
    size_t npending;
    bool pending_urgent; /* one of them is applied without gathering more */
    raft_index queued_upto;
    raft_index snapshot_index; /* the store holds it: a snapshot's copy may start */
    pthread_cond_t applier_cond;
    pthread_t applier;
    bool applier_started, applier_stop;
    /* leadership confirmations (strong reads on the leader): tickets
     * asked, and the highest one a barrier confirmed or failed */
    uint64_t confirm_asked, confirm_done, confirm_failed;
    bool barrier_inflight; /* Raft thread */

    /* the Raft thread's view, each tick (for status and metrics) */
    int role;                 /* RAFT_FOLLOWER, RAFT_CANDIDATE, RAFT_LEADER, ... */
    raft_term term;
    raft_index commit, last_index;
    uint64_t elections;      /* terms begun since start: each is an election */
    uint64_t leader_changes; /* times the known leader changed */
    uint64_t snapshots_taken, snapshots_restored;

    /* followers' API addresses: announced to the leader (a follower), to
     * be proposed (the leader) */
    int64_t announced_ms;
    raft_id member_id;
    char member_api[ADDRESS_MAX];
    bool member_inflight;
    struct raft_apply member_request;

    /* the admin command's membership change */
    struct {
        admin_state_t state;
        bool add; /* else remove */
        raft_id id;
        char address[ADDRESS_MAX];
        int status; /* RAFT_* */
        struct raft_change change;
    } admin;

    /* the store's syncing (see cluster.h) */
    bool nosync;      /* commits unsynced: the marker names this boot */
    char boot_id[64]; /* this boot's ("" when it cannot be read) */
    pthread_cond_t syncer_cond;
    pthread_t syncer;
    bool syncer_started, syncer_stop;

    /* writer thread */
    buf_t recording;
    MDB_dbi meta; /* DBI "cluster": key "applied" -> u64 index */
} cl = {.mutex = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER,
        .applier_cond = PTHREAD_COND_INITIALIZER, .syncer_cond = PTHREAD_COND_INITIALIZER,
        .wake_fd = -1};

static const char APPLIED_KEY[] = "applied";

/* --- configuration --------------------------------------------------------- */

static bool parse_id(const char *s, size_t n, raft_id *out)
{
    if (n == 0 || n > 9) return false;
    raft_id v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (raft_id)(s[i] - '0');
    }
    *out = v;
    return v > 0;
}

/* "ID=HOST:PORT,..." into cl.members; NULL or why not. */
static const char *parse_members(const char *list)
{
    cl.nmembers = 0;
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (!eq) return "--cluster takes ID=HOST:PORT,...";
        if (cl.nmembers == MAX_MEMBERS) return "--cluster: at most 9 nodes";
        member_t *m = &cl.members[cl.nmembers];
        size_t alen = n - (size_t)(eq + 1 - p);
        const char *colon = memchr(eq + 1, ':', alen);
        if (!parse_id(p, (size_t)(eq - p), &m->id)) return "--cluster: a node ID is a number from 1";
        if (!colon || colon == eq + 1 || alen >= ADDRESS_MAX || colon + 1 == p + n)
            return "--cluster: each node's address is HOST:PORT";
        memcpy(m->address, eq + 1, alen);
        m->address[alen] = 0;
        m->api[0] = 0;
        m->role = RAFT_VOTER;
        for (size_t i = 0; i < cl.nmembers; i++)
            if (cl.members[i].id == m->id) return "--cluster: a node ID appears twice";
        cl.nmembers++;
        p += n + (end ? 1 : 0);
    }
    return cl.nmembers ? NULL : "--cluster names no node";
}

static member_t *member_find(raft_id id)
{
    for (size_t i = 0; i < cl.nmembers; i++)
        if (cl.members[i].id == id) return &cl.members[i];
    return NULL;
}

/* The member id, added (without addresses) when new: mutex held. */
static member_t *member_add(raft_id id)
{
    member_t *m = member_find(id);
    if (m || cl.nmembers == MAX_MEMBERS) return m;
    m = &cl.members[cl.nmembers++];
    memset(m, 0, sizeof *m);
    m->id = id;
    m->role = -1;
    return m;
}

const char *cluster_config_check(const cluster_config_t *cfg)
{
    if (!cfg->node_id != !cfg->members) return "--node-id and --cluster go together";
    if (!cfg->node_id) return NULL;
    if (!parse_id(cfg->node_id, strlen(cfg->node_id), &cl.id))
        return "--node-id is a number from 1";
    const char *why = parse_members(cfg->members);
    if (why) return why;
    if (!member_find(cl.id)) return "--cluster must name this node's --node-id";
    if (!cfg->data_dir) return "--cluster keeps its log on disk: it needs --data-dir, not --in-memory";
    return NULL;
}

/* Writes may run (mutex held): this node leads, its hello is applied and
 * so is every entry handed to the applier before it. */
static bool writable(void) { return cl.ready && cl.applied >= cl.queued_upto; }

bool cluster_leads(void)
{
    pthread_mutex_lock(&cl.mutex);
    bool ready = writable();
    pthread_mutex_unlock(&cl.mutex);
    return ready;
}

/* --- the stored applied index ----------------------------------------------- */

static int applied_store(MDB_txn *txn, raft_index index)
{
    uint64_t v = index;
    MDB_val k = {sizeof APPLIED_KEY - 1, (void *)APPLIED_KEY}, d = {sizeof v, &v};
    return mdb_put(txn, cl.meta, &k, &d, 0);
}

static int meta_open(MDB_txn *txn, void *arg)
{
    int rc = mdb_dbi_open(txn, "cluster", MDB_CREATE, &cl.meta);
    if (rc) return rc;
    MDB_val k = {sizeof APPLIED_KEY - 1, (void *)APPLIED_KEY}, d;
    rc = mdb_get(txn, cl.meta, &k, &d);
    if (rc == 0 && d.mv_size == sizeof(uint64_t)) {
        uint64_t v;
        memcpy(&v, d.mv_data, sizeof v);
        cl.applied = v;
    }
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* --- the writer's hooks (writer thread) ----------------------------------- */

/* Wake the Raft thread (on_wake runs there).  An eventfd of our own under a
 * uv_poll rather than a uv_async_t: uv_async_send marks its send done only
 * after its write to the loop's eventfd, and the loop, finding the send not
 * yet done, spins and then yields until it is; on these few cores the
 * woken Raft thread often preempts the writer right after that write, so
 * about every entry cost a spin, a yield and two more context switches. */
static void raft_wake(void)
{
    uint64_t one = 1;
    /* fails only when the counter would overflow: a wake-up is pending */
    ssize_t n = write(cl.wake_fd, &one, sizeof one);
    (void)n;
}

static void deadline_after(struct timespec *t, unsigned ms)
{
    clock_gettime(CLOCK_REALTIME, t);
    t->tv_nsec += (long)(ms % 1000) * 1000000L;
    t->tv_sec += ms / 1000 + t->tv_nsec / 1000000000L;
    t->tv_nsec %= 1000000000L;
}

/* Before a write transaction: this node must lead, with every earlier
 * entry applied; then its changes are recorded. */
static int writer_gate(void)
{
    struct timespec until;
    deadline_after(&until, GATE_WAIT_MS);
    pthread_mutex_lock(&cl.mutex);
    while (!writable() && !cl.stopping)
        if (pthread_cond_timedwait(&cl.cond, &cl.mutex, &until) == ETIMEDOUT) break;
    bool ok = writable() && !cl.stopping;
    pthread_mutex_unlock(&cl.mutex);
    if (!ok) return CLUSTER_UNAVAILABLE;
    cl.recording.len = 0;
    changeset_record_start(&cl.recording);
    return 0;
}

/* A new entry (raft_malloc'd, as raft_apply takes it) around payload. */
static struct raft_buffer entry_new(int kind, uint64_t word, const void *payload, size_t len)
{
    size_t n = (ENTRY_HEADER + len + 7) & ~(size_t)7;
    uint8_t *e = raft_malloc(n);
    if (!e) abort();
    memset(e, 0, n);
    e[0] = (uint8_t)kind;
    le32_put(e + 4, (uint32_t)len);
    le64_put(e + 8, cl.id);
    le64_put(e + 16, word);
    memcpy(e + ENTRY_HEADER, payload, len);
    return (struct raft_buffer){e, n};
}

/* Instead of mdb_txn_commit: the changes go through Raft first; the
 * transaction is committed once its entry is, else aborted. */
static int writer_commit(MDB_txn *txn)
{
    changeset_record_stop();
    if (cl.recording.len == 0) return mdb_txn_commit(txn); /* nothing changed */
    pthread_mutex_lock(&cl.mutex);
    if (!cl.ready) {
        /* Leadership went while the batch ran; the applier may be
         * waiting for this transaction's end to apply the new leader's
         * entries: end it now, without asking Raft anything. */
        pthread_mutex_unlock(&cl.mutex);
        mdb_txn_abort(txn);
        return CLUSTER_UNAVAILABLE;
    }
    cl.entry = entry_new(ENTRY_CHANGES, ++cl.seq, cl.recording.data, cl.recording.len);
    cl.state = P_QUEUED;
    pthread_mutex_unlock(&cl.mutex);
    raft_wake();

    /* One wait for the entry's fate: the Raft thread wakes the writer
     * when the entry is committed or failed, not when it is proposed (a
     * wake-up and a sleep more per entry). */
    pthread_mutex_lock(&cl.mutex);
    while (cl.state == P_QUEUED || cl.state == P_PROPOSED) pthread_cond_wait(&cl.cond, &cl.mutex);
    raft_index index = cl.index;
    if (cl.state == P_FAILED) {
        cl.state = P_IDLE;
        pthread_cond_broadcast(&cl.cond);
        pthread_mutex_unlock(&cl.mutex);
        mdb_txn_abort(txn);
        return CLUSTER_UNAVAILABLE;
    }
    pthread_mutex_unlock(&cl.mutex);
    /* not recorded: each node stores its own applied index */
    int rc = applied_store(txn, index);
    if (rc) {
        log_error("cluster: cannot record the applied index %llu: %s", index, mdb_strerror(rc));
        abort();
    }
    rc = mdb_txn_commit(txn);
    if (rc) {
        /* Committed by the group but not here: this node must not go on
         * with a state that differs from the log; a restart replays it. */
        log_error("cluster: cannot commit entry %llu locally: %s; stopping", index,
                  mdb_strerror(rc));
        abort();
    }
    pthread_mutex_lock(&cl.mutex);
    cl.applied = index;
    cl.state = P_IDLE;
    pthread_cond_broadcast(&cl.cond);
    pthread_mutex_unlock(&cl.mutex);
    return 0;
}

static const storage_replicator_t replicator = {writer_gate, writer_commit};

/* --- followers' replay (Raft thread) ------------------------------------- */

typedef struct {
    char **names;
    size_t count, cap;
} catalog_keys_t;

static void catalog_key_note(const MDB_val *key, void *arg)
{
    catalog_keys_t *ks = arg;
    for (size_t i = 0; i < ks->count; i++)
        if (strlen(ks->names[i]) == key->mv_size && memcmp(ks->names[i], key->mv_data, key->mv_size) == 0)
            return;
    if (ks->count == ks->cap) {
        ks->cap = ks->cap ? 2 * ks->cap : 4;
        ks->names = realloc(ks->names, ks->cap * sizeof *ks->names);
        if (!ks->names) abort();
    }
    char *s = malloc(key->mv_size + 1);
    if (!s) abort();
    memcpy(s, key->mv_data, key->mv_size);
    s[key->mv_size] = 0;
    ks->names[ks->count++] = s;
}

/* The stored definition of table name as a table with its DBIs open, or
 * NULL when it is gone. */
static int table_reload(MDB_txn *txn, const char *name, table_t **out)
{
    *out = NULL;
    MDB_val k = {strlen(name), (void *)name}, v;
    int rc = mdb_get(txn, storage_catalog_dbi(), &k, &v);
    if (rc == MDB_NOTFOUND) return 0;
    if (rc) return rc;
    arena_t *a = arena_new(0);
    json_value_t *def;
    table_t *t = NULL;
    if (json_parse(a, v.mv_data, v.mv_size, &def, NULL) != JSON_OK ||
        tabledef_parse(a, def, true, &t) != NULL) {
        arena_free(a);
        return EINVAL;
    }
    arena_free(a);
    if ((rc = catalog_table_open_dbis(txn, t))) {
        catalog_release(t);
        return rc;
    }
    *out = t;
    return 0;
}

/* The registry takes the tables as now stored. */
static void tables_publish(catalog_keys_t *ks, table_t **tables)
{
    for (size_t i = 0; i < ks->count; i++) {
        table_t *old = catalog_acquire_any(ks->names[i], strlen(ks->names[i]));
        if (tables[i]) {
            if (old) catalog_replace(old, tables[i]);
            else catalog_publish(tables[i]);
            catalog_release(tables[i]);
        } else if (old) {
            old->dropped = true;
            catalog_unpublish(old);
        }
        catalog_release(old);
        free(ks->names[i]);
    }
    free(ks->names);
}

/* The definitions of the tables keys names, as txn holds them, into a new
 * array *out (NULL when keys is empty). */
static int tables_reload(MDB_txn *txn, const catalog_keys_t *keys, table_t ***out)
{
    *out = NULL;
    if (!keys->count) return 0;
    table_t **tables = calloc(keys->count, sizeof *tables);
    if (!tables) abort();
    *out = tables;
    int rc = 0;
    for (size_t i = 0; !rc && i < keys->count; i++) rc = table_reload(txn, keys->names[i], &tables[i]);
    return rc;
}

/* How many committed entries (and bytes of changes) the applier takes
 * into one transaction at most: a follower far behind catches up in
 * transactions of a bounded size. */
#define APPLY_BATCH_ENTRIES 1024
#define APPLY_BATCH_BYTES ((size_t)8 << 20)
/* Fewer entries than this wait up to APPLY_GATHER_MS for more: under load a
 * follower's transaction then holds a few of the leader's batches, whose
 * items share the store's pages (fewer pages written per entry).  Nothing
 * acknowledged waits for it: a leader acknowledges once a majority logged
 * an entry, and who needs a follower's store to be current (a new leader's
 * writer, a strong read, a snapshot) hurries the applier. */
#define APPLY_GATHER_ENTRIES 32
#define APPLY_GATHER_MS 20

/* Apply entries list (of other nodes, or of this one written before a
 * restart; in log order) in one transaction, and free them.  A committed
 * entry that cannot be applied stops the node: going on would serve a
 * state the log does not hold. */
static void replay(pending_t *list)
{
    changeset_effects_t fx = {0};
    int rc = 0;
    raft_index index = 0, failed = 0;
    for (pending_t *p = list; !rc && p; p = p->next) {
        rc = changeset_apply(NULL, p->data, p->len, &fx);
        index = failed = p->index;
    }
    bool exclusive = !rc && (fx.catalog || fx.dbis);
    catalog_keys_t keys = {0};
    table_t **tables = NULL;
    MDB_txn *txn = NULL;
    if (exclusive) storage_dbi_hold_exclusive();
    if (!rc) rc = mdb_txn_begin(storage_env(), NULL, 0, &txn);
    changeset_effects_t done = {.on_catalog_key = catalog_key_note, .arg = &keys};
    for (pending_t *p = list; !rc && p; p = p->next) {
        rc = changeset_apply(txn, p->data, p->len, &done);
        failed = p->index;
    }
    if (!rc) rc = applied_store(txn, index);
    if (!rc && fx.changelog) rc = changelog_open(txn);
    if (!rc) rc = tables_reload(txn, &keys, &tables);
    if (!rc) rc = mdb_txn_commit(txn);
    else if (txn) mdb_txn_abort(txn);
    if (rc) {
        log_error("cluster: cannot apply entry %llu: %s; stopping", failed, mdb_strerror(rc));
        abort();
    }
    tables_publish(&keys, tables);
    free(tables);
    if (exclusive) storage_dbi_free();
    storage_observers_notify();
    while (list) {
        pending_t *next = list->next;
        free(list);
        list = next;
    }
    pthread_mutex_lock(&cl.mutex);
    if (index > cl.applied) cl.applied = index;
    pthread_cond_broadcast(&cl.cond);
    pthread_mutex_unlock(&cl.mutex);
}

/* The applier thread: the entries fsm_apply queued, as many at a time as
 * have come (a round trip's worth under load), each lot in one
 * transaction, so that the Raft thread never waits for a store commit and
 * a follower syncs once per lot rather than once per entry. */
static void *applier_main(void *arg)
{
    pthread_mutex_lock(&cl.mutex);
    for (;;) {
        while (!cl.pending_head && !cl.applier_stop)
            pthread_cond_wait(&cl.applier_cond, &cl.mutex);
        if (!cl.pending_head) break;
        /* a few entries wait a little for more (one sync for them all),
         * unless the node leads and waits for them to take writes */
        struct timespec until;
        deadline_after(&until, APPLY_GATHER_MS);
        while (cl.npending < APPLY_GATHER_ENTRIES && !cl.pending_urgent && !cl.ready &&
               !cl.applier_stop)
            if (pthread_cond_timedwait(&cl.applier_cond, &cl.mutex, &until) == ETIMEDOUT) break;
        pending_t *list = cl.pending_head, *last = list;
        size_t n = 1, bytes = list->len;
        while (last->next && n < APPLY_BATCH_ENTRIES && bytes + last->next->len <= APPLY_BATCH_BYTES) {
            last = last->next;
            n++;
            bytes += last->len;
        }
        cl.pending_head = last->next;
        cl.npending -= n;
        cl.pending_urgent = cl.pending_head != NULL; /* what is left goes at once */
        if (!cl.pending_head) cl.pending_tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&cl.mutex);
        replay(list);
        pthread_mutex_lock(&cl.mutex);
    }
    pthread_mutex_unlock(&cl.mutex);
    return NULL;
}

/* Hand committed entry `index` to the applier (mutex held). */
static void pending_push(raft_index index, const uint8_t *data, size_t len)
{
    pending_t *p = malloc(sizeof *p + len);
    if (!p) abort();
    p->next = NULL;
    p->index = index;
    p->len = len;
    memcpy(p->data, data, len);
    if (cl.pending_tail) cl.pending_tail->next = p;
    else cl.pending_head = p;
    cl.pending_tail = p;
    cl.npending++;
    /* a table's creation, change or drop is applied without waiting for
     * more: reads on this node find the table as soon as may be */
    changeset_effects_t fx = {0};
    if (changeset_apply(NULL, data, len, &fx) == 0 && (fx.catalog || fx.dbis))
        cl.pending_urgent = true;
    cl.queued_upto = index;
    pthread_cond_signal(&cl.applier_cond);
}

/* Someone waits for the store to hold the entries handed to the applier
 * (mutex held): it applies what it has without gathering more. */
static void applier_hurry(void)
{
    if (cl.applied >= cl.queued_upto) return;
    cl.pending_urgent = true;
    pthread_cond_signal(&cl.applier_cond);
}

/* Wait until the store holds every entry up to index (mutex held); false
 * when the node stops first. */
static bool applied_wait(raft_index index)
{
    applier_hurry();
    while (cl.applied < index && !cl.stopping) pthread_cond_wait(&cl.cond, &cl.mutex);
    return cl.applied >= index;
}

/* Another node's entry is applied here (mutex held): this node does not
 * lead (after its hello, a leader's log holds only its own entries).  Its
 * writer's proposal, if any, fails now: the replay that follows waits for
 * the writer's transaction to end, which must not wait for this thread. */
static void no_longer_leading(void)
{
    cl.ready = false;
    if (cl.state == P_QUEUED) raft_free(cl.entry.base);
    if (cl.state == P_QUEUED || cl.state == P_PROPOSED) cl.state = P_FAILED;
    pthread_cond_broadcast(&cl.cond);
}

static void hello_apply(raft_id origin, raft_term term, const uint8_t *addr, size_t len)
{
    pthread_mutex_lock(&cl.mutex);
    member_t *m = member_add(origin);
    if (m && len < ADDRESS_MAX) {
        memcpy(m->api, addr, len);
        m->api[len] = 0;
    }
    if (origin != cl.id) no_longer_leading();
    /* Every entry before this one is applied: this node's writes may run. */
    if (origin == cl.id && term == cl.raft.current_term && raft_state(&cl.raft) == RAFT_LEADER) {
        cl.ready = true;
        pthread_cond_signal(&cl.applier_cond); /* no more gathering: the writer waits */
        log_info("cluster: node %llu leads (term %llu), writes accepted", cl.id, term);
    }
    pthread_cond_broadcast(&cl.cond);
    pthread_mutex_unlock(&cl.mutex);
}

static int fsm_apply(struct raft_fsm *fsm, const struct raft_buffer *buf, void **result)
{
    *result = NULL;
    const uint8_t *e = buf->base;
    if (buf->len < ENTRY_HEADER) return RAFT_MALFORMED;
    size_t len = (size_t)e[4] | (size_t)e[5] << 8 | (size_t)e[6] << 16 | (size_t)e[7] << 24;
    if (len > buf->len - ENTRY_HEADER) return RAFT_MALFORMED;
    raft_index index = raft_last_applied(&cl.raft) + 1;
    raft_id origin = le64_get(e + 8);
    uint64_t word = le64_get(e + 16);
    if (e[0] == ENTRY_MEMBER) {
        pthread_mutex_lock(&cl.mutex);
        member_t *m = member_add(origin);
        if (m && len < ADDRESS_MAX) {
            memcpy(m->api, e + ENTRY_HEADER, len);
            m->api[len] = 0;
        }
        pthread_mutex_unlock(&cl.mutex);
        return 0;
    }
    if (e[0] == ENTRY_HELLO) {
        hello_apply(origin, word, e + ENTRY_HEADER, len);
        return 0;
    }
    if (e[0] != ENTRY_CHANGES) return RAFT_MALFORMED;
    pthread_mutex_lock(&cl.mutex);
    /* (origin, seq) alone could name an entry of this node's previous run
     * (seq starts again at a restart): the index says it is this proposal. */
    if (origin == cl.id && word == cl.seq && cl.state == P_PROPOSED && index == cl.index) {
        /* This node's own proposal: its writer holds the transaction and
         * commits it now; Raft goes on without waiting for that commit.
         * Whatever is applied next to the store begins its transaction
         * after this one's end (LMDB has one writer at a time), so the
         * store still takes the entries in log order. */
        cl.state = P_COMMIT;
        pthread_cond_broadcast(&cl.cond);
        pthread_mutex_unlock(&cl.mutex);
        return 0;
    }
    /* Replayed by Raft after a restart, or not: then the applier's. */
    if (index > cl.applied) {
        no_longer_leading();
        pending_push(index, e + ENTRY_HEADER, len);
    }
    pthread_mutex_unlock(&cl.mutex);
    return 0;
}

/* --- snapshots ---------------------------------------------------------------
 *
 * A snapshot is the store as a compacted LMDB copy (mdb_env_copyfd2 with
 * MDB_CP_COMPACT: a read transaction of its own, so writes go on meanwhile),
 * after a header naming the members' API addresses:
 *   "DDBDSNP1" | u32 count | count x (u64 id | u32 length | address)
 * The copy is taken on a libuv worker thread while the Raft thread goes on
 * applying: it may hold entries past the index Raft files it under.  Its
 * DBI "cluster" says which (the applied index stored with each entry's
 * changes), so a node restoring it skips the entries it already holds. */

#define SNAPSHOT_MAGIC "DDBDSNP1"

static buf_t snapshot_header; /* Raft thread, then the worker */

/* On the Raft thread: the leader's wait for an answer to a snapshot it
 * sent, for a store of the current size. */
static void snapshot_resend_set(void)
{
    MDB_envinfo info;
    MDB_stat st;
    uint64_t bytes = 0;
    if (!mdb_env_info(storage_env(), &info) && !mdb_env_stat(storage_env(), &st))
        bytes = (uint64_t)(info.me_last_pgno + 1) * st.ms_psize;
    uint64_t ms = SNAPSHOT_RESEND_MS + bytes / SNAPSHOT_SEND_BYTES_PER_MS;
    raft_set_install_snapshot_timeout(&cl.raft, ms > UINT_MAX ? UINT_MAX : (unsigned)ms);
}

/* On the Raft thread: what must match the index (the members' API
 * addresses); the store is copied by fsm_snapshot_async. */
static int fsm_snapshot(struct raft_fsm *fsm, struct raft_buffer *bufs[], unsigned *n_bufs)
{
    uint8_t w[12];
    snapshot_header.len = 0;
    buf_append(&snapshot_header, SNAPSHOT_MAGIC, 8);
    pthread_mutex_lock(&cl.mutex);
    /* every entry up to the snapshot's is the applier's or the writer's
     * (or stores nothing: a hello, a barrier) */
    cl.snapshot_index = cl.queued_upto;
    if (cl.state == P_COMMIT && cl.index > cl.snapshot_index) cl.snapshot_index = cl.index;
    le32_put(w, (uint32_t)cl.nmembers);
    buf_append(&snapshot_header, w, 4);
    for (size_t i = 0; i < cl.nmembers; i++) {
        le64_put(w, cl.members[i].id);
        size_t n = strlen(cl.members[i].api);
        le32_put(w + 8, (uint32_t)n);
        buf_append(&snapshot_header, w, 12);
        buf_append(&snapshot_header, cl.members[i].api, n);
    }
    pthread_mutex_unlock(&cl.mutex);
    snapshot_resend_set();
    *bufs = raft_calloc(1, sizeof **bufs);
    if (!*bufs) return RAFT_NOMEM;
    *n_bufs = 1;
    return 0;
}

/* On a worker thread: the header and the store's compacted copy, through
 * an unlinked file in the data directory (not kept in memory twice). */
static int fsm_snapshot_async(struct raft_fsm *fsm, struct raft_buffer *bufs[], unsigned *n_bufs)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/cluster-snapshot.tmp", cl.data_dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        log_error("cluster: cannot write a snapshot in %s: %s", path, strerror(errno));
        return RAFT_IOERR;
    }
    unlink(path);
    /* Raft counts an entry applied once it was handed over: the copy
     * waits until the store holds every entry up to the snapshot's. */
    pthread_mutex_lock(&cl.mutex);
    bool caught_up = applied_wait(cl.snapshot_index);
    pthread_mutex_unlock(&cl.mutex);
    if (!caught_up) {
        close(fd);
        return RAFT_IOERR;
    }
    int64_t started = clock_now_ms();
    int rc = mdb_env_copyfd2(storage_env(), fd, MDB_CP_COMPACT);
    off_t size = rc ? 0 : lseek(fd, 0, SEEK_END);
    uint8_t *b = NULL;
    if (!rc && size > 0) b = raft_malloc(snapshot_header.len + (size_t)size);
    size_t got = 0;
    if (b) {
        memcpy(b, snapshot_header.data, snapshot_header.len);
        while (got < (size_t)size) {
            ssize_t n = pread(fd, b + snapshot_header.len + got, (size_t)size - got, (off_t)got);
            if (n <= 0) break;
            got += (size_t)n;
        }
    }
    close(fd);
    if (rc || !b || got != (size_t)size) {
        log_error("cluster: cannot copy the store for a snapshot: %s",
                  rc ? mdb_strerror(rc) : "short read");
        raft_free(b);
        return RAFT_IOERR;
    }
    (*bufs)[0] = (struct raft_buffer){b, snapshot_header.len + (size_t)size};
    pthread_mutex_lock(&cl.mutex);
    cl.snapshots_taken++;
    pthread_mutex_unlock(&cl.mutex);
    log_info("cluster: snapshot of %lld bytes taken in %lld ms", (long long)size,
             (long long)(clock_now_ms() - started));
    return 0;
}

static int fsm_snapshot_finalize(struct raft_fsm *fsm, struct raft_buffer *bufs[], unsigned *n_bufs)
{
    if (*bufs) {
        for (unsigned i = 0; i < *n_bufs; i++) raft_free((*bufs)[i].base);
        raft_free(*bufs);
    }
    *bufs = NULL;
    *n_bufs = 0;
    return 0;
}

typedef struct {
    char **names;
    size_t count;
} names_t;

static void names_free(names_t *n)
{
    for (size_t i = 0; i < n->count; i++) free(n->names[i]);
    free(n->names);
}

/* The names of the DBIs of an environment (the keys of its main DB). */
static int names_list(MDB_txn *txn, bool foreign, names_t *out)
{
    MDB_dbi root;
    MDB_cursor *c;
    int rc = foreign ? changeset_dbi_open_foreign(txn, NULL, 0, &root)
                     : mdb_dbi_open(txn, NULL, 0, &root);
    if (rc || (rc = mdb_cursor_open(txn, root, &c))) return rc;
    MDB_val k, v;
    size_t cap = 0;
    while ((rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) == 0) {
        if (out->count == cap) {
            cap = cap ? 2 * cap : 16;
            out->names = realloc(out->names, cap * sizeof *out->names);
            if (!out->names) abort();
        }
        char *s = malloc(k.mv_size + 1);
        if (!s) abort();
        memcpy(s, k.mv_data, k.mv_size);
        s[k.mv_size] = 0;
        out->names[out->count++] = s;
    }
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static bool names_have(const names_t *n, const char *name)
{
    for (size_t i = 0; i < n->count; i++)
        if (strcmp(n->names[i], name) == 0) return true;
    return false;
}

/* Copy DBI name of the snapshot (src) over the store's in txn. */
static int dbi_copy(MDB_txn *src, MDB_txn *txn, const char *name, catalog_keys_t *keys)
{
    MDB_dbi from, to;
    MDB_cursor *c;
    int rc = changeset_dbi_open_foreign(src, name, 0, &from);
    if (rc == MDB_INCOMPATIBLE) return 0; /* a plain key of the main DB */
    if (rc || (rc = mdb_dbi_open(txn, name, MDB_CREATE, &to)) || (rc = mdb_drop(txn, to, 0)) ||
        (rc = mdb_cursor_open(src, from, &c)))
        return rc;
    bool catalog = strcmp(name, "catalog") == 0;
    MDB_val k, v;
    while (!rc && (rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) == 0) {
        rc = mdb_put(txn, to, &k, &v, MDB_APPEND);
        if (catalog) catalog_key_note(&k, keys);
    }
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Make the store the snapshot's (in path, applied up to `applied`), in one
 * transaction: readers see the old state or the new one, never a mix. */
static int store_replace(MDB_env *snap, raft_index applied)
{
    catalog_keys_t keys = {0};
    names_t mine = {0}, theirs = {0};
    table_t **tables = NULL;
    MDB_txn *src = NULL, *txn = NULL;
    storage_dbi_hold_exclusive();
    int rc = mdb_txn_begin(snap, NULL, MDB_RDONLY, &src);
    if (!rc) rc = mdb_txn_begin(storage_env(), NULL, 0, &txn);
    if (!rc) rc = names_list(src, true, &theirs);
    if (!rc) rc = names_list(txn, false, &mine);
    if (!rc) { /* the tables known now, gone or not after */
        MDB_cursor *c = NULL;
        MDB_val k, v;
        rc = mdb_cursor_open(txn, storage_catalog_dbi(), &c);
        while (!rc && (rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) == 0) catalog_key_note(&k, &keys);
        if (rc == MDB_NOTFOUND) rc = 0;
        if (c) mdb_cursor_close(c);
    }
    for (size_t i = 0; !rc && i < mine.count; i++) {
        MDB_dbi dbi;
        if (strcmp(mine.names[i], "cluster") == 0 || names_have(&theirs, mine.names[i])) continue;
        rc = mdb_dbi_open(txn, mine.names[i], 0, &dbi);
        if (rc == MDB_INCOMPATIBLE) rc = 0;
        else if (!rc) rc = mdb_drop(txn, dbi, 1);
    }
    for (size_t i = 0; !rc && i < theirs.count; i++)
        if (strcmp(theirs.names[i], "cluster") != 0) rc = dbi_copy(src, txn, theirs.names[i], &keys);
    if (!rc) rc = applied_store(txn, applied);
    if (!rc) rc = changelog_open(txn);
    if (!rc) rc = tables_reload(txn, &keys, &tables);
    if (!rc) rc = mdb_txn_commit(txn);
    else if (txn) mdb_txn_abort(txn);
    if (src) mdb_txn_abort(src);
    names_free(&mine);
    names_free(&theirs);
    if (!rc) tables_publish(&keys, tables);
    else {
        for (size_t i = 0; tables && i < keys.count; i++) catalog_release(tables[i]);
        for (size_t i = 0; i < keys.count; i++) free(keys.names[i]);
        free(keys.names);
    }
    free(tables);
    storage_dbi_free();
    if (!rc) storage_observers_notify();
    return rc;
}

/* The applied index stored in the snapshot's copy. */
static raft_index snapshot_applied(MDB_env *snap)
{
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_val k = {sizeof APPLIED_KEY - 1, (void *)APPLIED_KEY}, d;
    uint64_t v = 0;
    if (mdb_txn_begin(snap, NULL, MDB_RDONLY, &txn)) return 0;
    if (!changeset_dbi_open_foreign(txn, "cluster", 0, &dbi) && !mdb_get(txn, dbi, &k, &d) &&
        d.mv_size == sizeof v)
        memcpy(&v, d.mv_data, sizeof v);
    mdb_txn_abort(txn);
    return v;
}

/* A snapshot from the leader (this node fell behind the log's start, or
 * was wiped), or this node's own at a restart (then the store holds it
 * already).  The store becomes the snapshot's state; a failure stops the
 * node, as in replay. */
static int fsm_restore(struct raft_fsm *fsm, struct raft_buffer *buf)
{
    const uint8_t *p = buf->base, *end = p + buf->len;
    if (buf->len < 12 || memcmp(p, SNAPSHOT_MAGIC, 8) != 0) return RAFT_MALFORMED;
    uint32_t count = le32_get(p + 8);
    p += 12;
    pthread_mutex_lock(&cl.mutex);
    /* a leader's writer holding a transaction ends it first (it would
     * hold up the restore's) */
    no_longer_leading();
    for (uint32_t i = 0; i < count; i++) {
        if (end - p < 12 || (size_t)(end - p - 12) < le32_get(p + 8)) {
            pthread_mutex_unlock(&cl.mutex);
            return RAFT_MALFORMED;
        }
        member_t *m = member_add(le64_get(p));
        size_t n = le32_get(p + 8);
        if (m && n && n < ADDRESS_MAX) {
            memcpy(m->api, p + 12, n);
            m->api[n] = 0;
        }
        p += 12 + n;
    }
    /* the entries handed to the applier go first */
    bool drained = applied_wait(cl.queued_upto);
    pthread_mutex_unlock(&cl.mutex);
    if (!drained) return RAFT_IOERR;

    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/cluster-restore.mdb", cl.data_dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    size_t put = 0;
    while (fd >= 0 && put < (size_t)(end - p)) {
        ssize_t n = write(fd, p + put, (size_t)(end - p) - put);
        if (n <= 0) break;
        put += (size_t)n;
    }
    if (fd < 0 || put != (size_t)(end - p) || close(fd) != 0) {
        log_error("cluster: cannot write %s to restore a snapshot: %s", path, strerror(errno));
        unlink(path);
        return RAFT_IOERR;
    }
    MDB_env *snap;
    int rc = mdb_env_create(&snap);
    if (!rc && !(rc = mdb_env_set_maxdbs(snap, 1u << 16)))
        rc = mdb_env_open(snap, path, MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK | MDB_NOTLS, 0600);
    raft_index applied = rc ? 0 : snapshot_applied(snap);
    pthread_mutex_lock(&cl.mutex);
    raft_index mine = cl.applied;
    pthread_mutex_unlock(&cl.mutex);
    if (!rc && applied > mine) {
        int64_t started = clock_now_ms();
        rc = store_replace(snap, applied);
        if (!rc) {
            log_info("cluster: restored a snapshot up to entry %llu (%zu bytes) in %lld ms",
                     applied, put, (long long)(clock_now_ms() - started));
            pthread_mutex_lock(&cl.mutex);
            no_longer_leading();
            cl.applied = applied;
            cl.snapshots_restored++;
            pthread_mutex_unlock(&cl.mutex);
        }
    }
    mdb_env_close(snap);
    unlink(path);
    if (rc) {
        log_error("cluster: cannot restore a snapshot: %s; stopping", mdb_strerror(rc));
        abort();
    }
    raft_free(buf->base); /* the FSM owns it once restored */
    return 0;
}

/* --- the Raft thread ---------------------------------------------------------- */

/* Raft is done with a proposal (one request object each: Raft may still
 * hold an old one when the next is made).  A failed entry (leadership
 * lost) stays in this node's log: the next leader may still commit it, and
 * then every node applies it, this one too (a replay: its writer aborted).
 * Its fate is unknown until then, so its writes answer 500 untried again
 * (a second run would apply them twice) and this node executes no write
 * before it knows that fate: it is not ready until a hello of its own,
 * proposed after the entry, is applied (the entry then was applied or cut
 * from the log), as after an election.  A write executed meanwhile would
 * run on a state without the entry, and its changes, computed from stale
 * values, would overwrite the entry's when both commit. */
static void apply_done(struct raft_apply *req, int status, void *result)
{
    uint64_t seq = (uint64_t)(uintptr_t)req->data;
    free(req);
    if (!status) return; /* committed: fsm_apply took it */
    pthread_mutex_lock(&cl.mutex);
    if (cl.ready)
        log_info("cluster: node %llu: a write's entry failed (%s); writes wait for its fate",
                 cl.id, raft_strerror(status));
    cl.ready = false;
    cl.hello_term = 0; /* a new hello, even in this term */
    if (seq == cl.seq && (cl.state == P_PROPOSED || cl.state == P_QUEUED)) cl.state = P_FAILED;
    pthread_cond_broadcast(&cl.cond);
    pthread_mutex_unlock(&cl.mutex);
}

static void propose(void)
{
    pthread_mutex_lock(&cl.mutex);
    if (cl.state != P_QUEUED) {
        pthread_mutex_unlock(&cl.mutex);
        return;
    }
    bool can = cl.ready && !cl.stopping && raft_state(&cl.raft) == RAFT_LEADER;
    struct raft_buffer entry = cl.entry;
    struct raft_apply *req = malloc(sizeof *req);
    if (!req) abort();
    req->data = (void *)(uintptr_t)cl.seq;
    pthread_mutex_unlock(&cl.mutex);
    /* fsm_apply runs on this thread only: the state stays QUEUED meanwhile */
    int rv = can ? raft_apply(&cl.raft, req, &entry, 1, apply_done) : RAFT_NOTLEADER;
    pthread_mutex_lock(&cl.mutex);
    if (rv) {
        free(req);
        raft_free(entry.base);
        cl.state = P_FAILED;
        pthread_cond_broadcast(&cl.cond);
    } else if (cl.state == P_QUEUED) {
        /* the writer sleeps on until the entry's commit (fsm_apply) or
         * failure (apply_done) */
        cl.index = req->index;
        cl.state = P_PROPOSED;
    }
    pthread_mutex_unlock(&cl.mutex);
}

static void hello_done(struct raft_apply *req, int status, void *result)
{
    cl.hello_inflight = false;
    if (status) cl.hello_term = 0; /* proposed again at the next tick */
}

/* A new leader's first entry of its term: its API address. */
static void hello_propose(void)
{
    struct raft_buffer b =
        entry_new(ENTRY_HELLO, cl.raft.current_term, cl.api_address, strlen(cl.api_address));
    if (raft_apply(&cl.raft, &cl.hello_request, &b, 1, hello_done) != 0) {
        raft_free(b.base);
        return;
    }
    cl.hello_term = cl.raft.current_term;
    cl.hello_inflight = true;
}

static void raft_closed(struct raft *r)
{
    raft_uv_close(&cl.io);
    raft_uv_tcp_close(&cl.transport);
}

/* A follower this many entries behind the leader is logged as lagging
 * (and again once it caught up). */
#define LAG_LOG_ENTRIES 1000

/* The view of the group that status and metrics show (Raft thread, mutex
 * held): membership from Raft's configuration, progress on the leader. */
static void view_refresh(bool leading)
{
    const struct raft_configuration *conf = &cl.raft.configuration;
    for (size_t i = 0; i < cl.nmembers; i++) cl.members[i].role = -1;
    for (unsigned i = 0; i < conf->n; i++) {
        member_t *m = member_add(conf->servers[i].id);
        if (!m) continue;
        m->role = conf->servers[i].role;
        if (!m->address[0]) snprintf(m->address, sizeof m->address, "%s", conf->servers[i].address);
        if (!leading) continue;
        if (m->id == cl.id) {
            m->match = raft_last_index(&cl.raft);
            m->reachable = true;
            continue;
        }
        const struct raft_progress *pr = &cl.raft.leader_state.progress[i];
        m->match = pr->match_index;
        m->reachable = pr->recent_recv;
        raft_index last = raft_last_index(&cl.raft);
        bool behind = last > m->match + LAG_LOG_ENTRIES;
        if (behind != m->lagging) {
            m->lagging = behind;
            if (behind) log_info("cluster: node %llu is %llu entries behind", m->id, last - m->match);
            else log_info("cluster: node %llu caught up (entry %llu)", m->id, m->match);
        }
    }
    cl.role = raft_state(&cl.raft);
    if (cl.raft.current_term != cl.term) {
        if (cl.term) {
            cl.elections++;
            log_info("cluster: term %llu began (election %llu seen since start)",
                     cl.raft.current_term, (unsigned long long)cl.elections);
        }
        cl.term = cl.raft.current_term;
    }
    cl.commit = cl.raft.commit_index;
    cl.last_index = raft_last_index(&cl.raft);
}

static void announce(void);

static void on_tick(uv_timer_t *t)
{
    if (cl.closing) return;
    bool leading = raft_state(&cl.raft) == RAFT_LEADER;
    raft_id leader;
    const char *address;
    raft_leader(&cl.raft, &leader, &address);
    pthread_mutex_lock(&cl.mutex);
    cl.leading = leading;
    cl.leader = leader;
    if (!leading && cl.ready) {
        cl.ready = false;
        log_info("cluster: node %llu no longer leads", cl.id);
    }
    view_refresh(leading);
    announce();
    if (leader != cl.known_leader && leader) cl.leader_changes++;
    pthread_cond_broadcast(&cl.cond);
    pthread_mutex_unlock(&cl.mutex);
    if (leader != cl.known_leader) {
        cl.known_leader = leader;
        if (leader) log_info("cluster: leader is node %llu (term %llu)", leader, cl.raft.current_term);
        else log_info("cluster: no leader (term %llu)", cl.raft.current_term);
    }
    if (leading && !cl.hello_inflight && cl.hello_term != cl.raft.current_term) hello_propose();
}

/* --- followers' API addresses ------------------------------------------------ */

/* How often a follower whose API address the group does not know yet
 * tells the leader. */
#define ANNOUNCE_EVERY_MS 1000

typedef struct {
    char leader[ADDRESS_MAX];
    char path[ADDRESS_MAX + 64];
} announcement_t;

static void *announce_run(void *arg)
{
    announcement_t *a = arg;
    pthread_setname_np(pthread_self(), "announce"); /* (detached: named by itself) */
    buf_t body;
    buf_init(&body);
    cluster_admin_http(a->leader, "POST", a->path, 2, &body);
    buf_free(&body);
    free(a);
    return NULL;
}

/* Raft thread, mutex held: a follower not yet known by its API address
 * sends it to the leader, on a thread of its own. */
static void announce(void)
{
    member_t *me = member_find(cl.id);
    member_t *leader = cl.leader ? member_find(cl.leader) : NULL;
    int64_t now = clock_now_ms();
    if (cl.leading || !me || me->api[0] || !leader || !leader->api[0] ||
        now - cl.announced_ms < ANNOUNCE_EVERY_MS)
        return;
    cl.announced_ms = now;
    announcement_t *a = malloc(sizeof *a);
    if (!a) return;
    snprintf(a->leader, sizeof a->leader, "%s", leader->api);
    snprintf(a->path, sizeof a->path, "/cluster/member?id=%llu&api=%s", cl.id, cl.api_address);
    pthread_t t;
    if (pthread_create(&t, NULL, announce_run, a) != 0) free(a);
    else pthread_detach(t);
}

static void member_done(struct raft_apply *req, int status, void *result)
{
    pthread_mutex_lock(&cl.mutex);
    cl.member_inflight = false;
    pthread_mutex_unlock(&cl.mutex);
}

/* Raft thread, on the leader: propose an announced address. */
static void member_kick(void)
{
    pthread_mutex_lock(&cl.mutex);
    bool wanted = cl.member_id && !cl.member_inflight;
    raft_id id = cl.member_id;
    char api[ADDRESS_MAX];
    snprintf(api, sizeof api, "%s", cl.member_api);
    if (wanted) cl.member_inflight = true;
    cl.member_id = 0;
    pthread_mutex_unlock(&cl.mutex);
    if (!wanted || raft_state(&cl.raft) != RAFT_LEADER) {
        if (wanted) member_done(NULL, 0, NULL);
        return;
    }
    struct raft_buffer b = entry_new(ENTRY_MEMBER, 0, api, strlen(api));
    le64_put((uint8_t *)b.base + 8, id); /* its origin: the follower */
    if (raft_apply(&cl.raft, &cl.member_request, &b, 1, member_done) != 0) {
        raft_free(b.base);
        member_done(NULL, 0, NULL);
    }
}

/* --- membership changes (the admin command) -------------------------------- */

static void view_refresh(bool leading);

static void admin_finish(int status)
{
    pthread_mutex_lock(&cl.mutex);
    view_refresh(raft_state(&cl.raft) == RAFT_LEADER); /* status shows the change at once */
    cl.admin.status = status;
    cl.admin.state = ADMIN_DONE;
    pthread_cond_broadcast(&cl.cond);
    pthread_mutex_unlock(&cl.mutex);
}

static void admin_promoted(struct raft_change *req, int status)
{
    if (!status) log_info("cluster: node %llu is a voter", cl.admin.id);
    admin_finish(status);
}

/* Added as a spare: now a voter, once the leader caught it up (Raft
 * replicates to it first, by snapshot when the log does not reach back). */
static void admin_added(struct raft_change *req, int status)
{
    if (!status) status = raft_assign(&cl.raft, &cl.admin.change, cl.admin.id, RAFT_VOTER,
                                      admin_promoted);
    if (status) admin_finish(status);
}

static void admin_removed(struct raft_change *req, int status)
{
    if (!status) log_info("cluster: node %llu removed", cl.admin.id);
    admin_finish(status);
}

/* Raft thread: start a queued change. */
static void admin_kick(void)
{
    pthread_mutex_lock(&cl.mutex);
    bool queued = cl.admin.state == ADMIN_QUEUED;
    if (queued) cl.admin.state = ADMIN_RUNNING;
    pthread_mutex_unlock(&cl.mutex);
    if (!queued) return;
    int rv;
    if (cl.admin.add) {
        log_info("cluster: adding node %llu at %s", cl.admin.id, cl.admin.address);
        rv = raft_add(&cl.raft, &cl.admin.change, cl.admin.id, cl.admin.address, admin_added);
    } else {
        log_info("cluster: removing node %llu", cl.admin.id);
        rv = raft_remove(&cl.raft, &cl.admin.change, cl.admin.id, admin_removed);
    }
    if (rv) admin_finish(rv);
}

static void barrier_done(struct raft_barrier *req, int status)
{
    uint64_t upto = (uint64_t)(uintptr_t)req->data;
    free(req);
    cl.barrier_inflight = false;
    pthread_mutex_lock(&cl.mutex);
    if (status) cl.confirm_failed = upto;
    else cl.confirm_done = upto;
    pthread_cond_broadcast(&cl.cond);
    pthread_mutex_unlock(&cl.mutex);
    /* The next barrier from the loop, not from here: libraft fails the
     * pending barrier while it steps down, with its state still "leader"
     * and the followers' progress already gone, where a raft_barrier
     * would pass the leader check and read that progress (a crash). */
    raft_wake();
}

/* One barrier for every confirmation asked so far (Raft thread): when it
 * is applied, this node led after they were asked, and every write
 * acknowledged before them is applied here. */
static void barrier_kick(void)
{
    if (cl.barrier_inflight || cl.closing) return;
    pthread_mutex_lock(&cl.mutex);
    uint64_t upto = cl.confirm_asked;
    bool wanted = upto > cl.confirm_done && upto > cl.confirm_failed;
    pthread_mutex_unlock(&cl.mutex);
    if (!wanted) return;
    struct raft_barrier *req = malloc(sizeof *req);
    if (!req) abort();
    req->data = (void *)(uintptr_t)upto;
    if (raft_barrier(&cl.raft, req, barrier_done) != 0) {
        free(req);
        pthread_mutex_lock(&cl.mutex);
        cl.confirm_failed = upto;
        pthread_cond_broadcast(&cl.cond);
        pthread_mutex_unlock(&cl.mutex);
        return;
    }
    cl.barrier_inflight = true;
}

static int leadership_confirm(unsigned wait_ms)
{
    struct timespec until;
    deadline_after(&until, wait_ms);
    pthread_mutex_lock(&cl.mutex);
    uint64_t ticket = ++cl.confirm_asked;
    pthread_mutex_unlock(&cl.mutex);
    raft_wake();
    pthread_mutex_lock(&cl.mutex);
    while (cl.confirm_done < ticket && cl.confirm_failed < ticket && !cl.stopping)
        if (pthread_cond_timedwait(&cl.cond, &cl.mutex, &until) == ETIMEDOUT) break;
    /* The barrier is applied in Raft's order, but entries of an earlier
     * term (after an election or a restart) reach the store through the
     * applier, which may still hold some: the read waits for them too, as
     * the writer does (writable). */
    if (cl.confirm_done >= ticket) applier_hurry();
    while (cl.confirm_done >= ticket && cl.applied < cl.queued_upto && !cl.stopping)
        if (pthread_cond_timedwait(&cl.cond, &cl.mutex, &until) == ETIMEDOUT) break;
    int rc = cl.confirm_done >= ticket && cl.applied >= cl.queued_upto ? 0 : -1;
    pthread_mutex_unlock(&cl.mutex);
    return rc;
}

static void on_wake(uv_poll_t *p, int status, int events)
{
    uint64_t n;
    if (read(cl.wake_fd, &n, sizeof n) < 0 && errno != EAGAIN) return;
    pthread_mutex_lock(&cl.mutex); /* what was asked is in cl, not in n */
    bool stopping = cl.stopping;
    pthread_mutex_unlock(&cl.mutex);
    if (stopping && !cl.closing) {
        cl.closing = true;
        uv_timer_stop(&cl.tick);
        uv_close((uv_handle_t *)&cl.tick, NULL);
        uv_close((uv_handle_t *)&cl.wake, NULL);
        raft_close(&cl.raft, raft_closed);
        return;
    }
    if (!cl.closing) {
        propose();
        barrier_kick();
        admin_kick();
        member_kick();
    }
}

static void *raft_main(void *arg)
{
    /* A peer that went away must cost a write error (EPIPE), not the
     * process: libuv writes to sockets without MSG_NOSIGNAL. */
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, NULL);
    uv_run(&cl.loop, UV_RUN_DEFAULT);
    return NULL;
}

/* Bootstrap the configuration from the member list (first start only;
 * never for a node that joins: its configuration comes from the leader). */
static int bootstrap(void)
{
    if (cl.join) return 0;
    struct raft_configuration conf;
    raft_configuration_init(&conf);
    int rv = 0;
    for (size_t i = 0; !rv && i < cl.nmembers; i++)
        rv = raft_configuration_add(&conf, cl.members[i].id, cl.members[i].address, RAFT_VOTER);
    if (!rv) rv = raft_bootstrap(&cl.raft, &conf);
    raft_configuration_close(&conf);
    if (rv == RAFT_CANTBOOTSTRAP) return 0; /* started before: the log has it */
    if (rv) log_error("cluster: cannot bootstrap: %s", raft_strerror(rv));
    return rv;
}

/* libraft's own libuv I/O runs no work off the loop: snapshots are
 * copied on libuv's thread pool through this. */
typedef struct {
    uv_work_t work;
    struct raft_io_async_work *req;
    int status;
} async_work_t;

static void async_work_run(uv_work_t *w)
{
    async_work_t *a = w->data;
    a->status = a->req->work(a->req);
}

static void async_work_done(uv_work_t *w, int status)
{
    async_work_t *a = w->data;
    struct raft_io_async_work *req = a->req;
    int rc = status ? RAFT_CANCELED : a->status;
    free(a);
    req->cb(req, rc);
}

static int async_work(struct raft_io *io, struct raft_io_async_work *req,
                      raft_io_async_work_cb cb)
{
    async_work_t *a = malloc(sizeof *a);
    if (!a) return RAFT_NOMEM;
    a->req = req;
    a->work.data = a;
    req->cb = cb;
    if (uv_queue_work(&cl.loop, &a->work, async_work_run, async_work_done) != 0) {
        free(a);
        return RAFT_IOERR;
    }
    return 0;
}

static int raft_setup(void)
{
    const member_t *me = member_find(cl.id);
    int rv;
    if (uv_loop_init(&cl.loop) != 0) return -1;
    /* what reaches the cluster port is checked before libraft reads it */
    if ((rv = raft_uv_tcp_init(&cl.transport, &cl.loop)) == 0)
        cluster_guard_wrap(&cl.transport, &cl.loop);
    if (rv || (rv = raft_uv_init(&cl.io, &cl.loop, cl.dir, &cl.transport))) {
        log_error("cluster: cannot set up the Raft I/O in %s: %s", cl.dir, raft_strerror(rv));
        return -1;
    }
    if (cl.io.version < 2) {
        cl.io.version = 2;
        cl.io.async_work = async_work;
    }
    cl.fsm = (struct raft_fsm){.version = 3, .apply = fsm_apply, .snapshot = fsm_snapshot,
                               .restore = fsm_restore, .snapshot_finalize = fsm_snapshot_finalize,
                               .snapshot_async = fsm_snapshot_async};
    if ((rv = raft_init(&cl.raft, &cl.io, &cl.fsm, cl.id, me->address))) {
        log_error("cluster: %s", raft_errmsg(&cl.raft));
        return -1;
    }
    if (bootstrap()) return -1;
    raft_set_election_timeout(&cl.raft, ELECTION_TIMEOUT_MS);
    raft_set_heartbeat_timeout(&cl.raft, HEARTBEAT_MS);
    raft_set_snapshot_threshold(&cl.raft, cl.snapshot_entries);
    /* entries kept behind a snapshot: a follower a little behind catches
     * up from the log rather than with a whole copy */
    raft_set_snapshot_trailing(&cl.raft, cl.snapshot_entries / 2);
    snapshot_resend_set();
    raft_uv_set_connect_retry_delay(&cl.io, 100);
    if ((rv = raft_start(&cl.raft))) {
        log_error("cluster: cannot start Raft: %s (%s)", raft_strerror(rv), raft_errmsg(&cl.raft));
        return -1;
    }
    cl.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (cl.wake_fd < 0 || uv_poll_init(&cl.loop, &cl.wake, cl.wake_fd) ||
        uv_poll_start(&cl.wake, UV_READABLE, on_wake)) {
        log_error("cluster: cannot set up the Raft thread's wake-up");
        return -1;
    }
    uv_timer_init(&cl.loop, &cl.tick);
    uv_timer_start(&cl.tick, on_tick, TICK_MS, TICK_MS);
    return 0;
}

/* --- forwarding ------------------------------------------------------------ */

static int leader_api(char *out, size_t cap, unsigned wait_ms)
{
    struct timespec until;
    deadline_after(&until, wait_ms);
    pthread_mutex_lock(&cl.mutex);
    int rc = -1;
    for (;;) {
        member_t *m = cl.leader ? member_find(cl.leader) : NULL;
        if (m && m->api[0]) {
            snprintf(out, cap, "%s", m->api);
            rc = 0;
            break;
        }
        if (cl.stopping || pthread_cond_timedwait(&cl.cond, &cl.mutex, &until) == ETIMEDOUT) break;
    }
    pthread_mutex_unlock(&cl.mutex);
    return rc;
}

/* Reads served by any node from its own state (eventually consistent
 * unless they ask otherwise); everything else needs the leader, the
 * backup operations too (backups are files of the node that took them). */
static const char *const local_operations[] = {
    "DescribeTable", "ListTables", "DescribeTimeToLive", "ListTagsOfResource",
    "GetResourcePolicy", "DescribeEndpoints", "DescribeLimits",
    "ListStreams", "DescribeStream", "GetShardIterator", "GetRecords",
};
static const char *const maybe_local_operations[] = {"GetItem", "Query", "Scan", "BatchGetItem"};

static bool op_is(const char *op, size_t len, const char *name)
{
    return strlen(name) == len && memcmp(op, name, len) == 0;
}

static bool consistent(const json_value_t *v)
{
    const json_value_t *c = v && v->type == JSON_OBJECT ? json_object_get(v, "ConsistentRead") : NULL;
    return c && c->type == JSON_TRUE;
}

static bool needs_leader(const char *op, size_t len, const json_value_t *req)
{
    for (size_t i = 0; i < sizeof local_operations / sizeof *local_operations; i++)
        if (op_is(op, len, local_operations[i])) return false;
    for (size_t i = 0; i < sizeof maybe_local_operations / sizeof *maybe_local_operations; i++)
        if (op_is(op, len, maybe_local_operations[i])) {
            if (!op_is(op, len, "BatchGetItem")) return consistent(req);
            const json_value_t *items = json_object_get(req, "RequestItems");
            for (size_t k = 0; items && items->type == JSON_OBJECT && k < items->u.object.count; k++)
                if (consistent(items->u.object.members[k].value)) return true;
            return false;
        }
    return true;
}

static bool header_is(const http_header_t *h, const char *name)
{
    return h->name_len == strlen(name) && strncasecmp(h->name, name, h->name_len) == 0;
}

/* The request as received, for the leader: its headers (the signature
 * stays valid) but those of this hop's framing, and the forwarding mark. */
static const char *request_copy(api_call_t *call, size_t *len)
{
    const http_request_t *r = call->request;
    buf_t b;
    buf_init(&b);
    buf_append(&b, r->method, r->method_len);
    buf_putc(&b, ' ');
    buf_append(&b, r->path, r->path_len);
    buf_append_str(&b, " HTTP/1.1\r\n");
    for (size_t i = 0; i < r->header_count; i++) {
        const http_header_t *h = &r->headers[i];
        if (header_is(h, "content-length") || header_is(h, "transfer-encoding") ||
            header_is(h, "connection") || header_is(h, "keep-alive") || header_is(h, "expect") ||
            header_is(h, CLUSTER_FORWARD_HEADER))
            continue;
        buf_append(&b, h->name, h->name_len);
        buf_append_str(&b, ": ");
        buf_append(&b, h->value, h->value_len);
        buf_append_str(&b, "\r\n");
    }
    buf_printf(&b, "%s: %llu\r\nContent-Length: %zu\r\n\r\n", CLUSTER_FORWARD_HEADER, cl.id,
               r->body_len);
    buf_append(&b, r->body, r->body_len);
    char *copy = arena_alloc(call->arena, b.len);
    memcpy(copy, b.data, b.len);
    *len = b.len;
    buf_free(&b);
    return copy;
}

static bool forwarded(const http_request_t *r)
{
    for (size_t i = 0; i < r->header_count; i++)
        if (header_is(&r->headers[i], CLUSTER_FORWARD_HEADER)) return true;
    return false;
}

/* Reads that need the leader: run here once it confirmed it leads. */
static bool strong_read(const char *op, size_t len)
{
    for (size_t i = 0; i < sizeof maybe_local_operations / sizeof *maybe_local_operations; i++)
        if (op_is(op, len, maybe_local_operations[i])) return true;
    return op_is(op, len, "TransactGetItems");
}

bool cluster_forward(api_call_t *call, const char *op, size_t op_len, const json_value_t *req,
                     cluster_handler_t handler, api_result_t *result)
{
    pthread_mutex_lock(&cl.mutex);
    bool leading = cl.leading;
    pthread_mutex_unlock(&cl.mutex);
    if (!call->request || !needs_leader(op, op_len, req)) return false;
    if (leading) {
        if (!strong_read(op, op_len)) return false; /* writes: the writer's gate */
        cluster_forward_confirmed(call, handler, req);
        *result = API_PENDING;
        return true;
    }
    if (forwarded(call->request)) {
        /* sent here as to the leader, which this node no longer is: the
         * sender's view is stale; never passed on again */
        ddb_error_t *e = err_internal(call->arena);
        call->http_status = ddb_error_status(e->kind);
        ddb_error_render(e, call->out);
        *result = API_DONE;
        return true;
    }
    size_t len;
    const char *copy = request_copy(call, &len);
    cluster_forward_submit(call, copy, len);
    *result = API_PENDING;
    return true;
}

/* --- the admin requests ------------------------------------------------------ */

/* How long an admin request waits for its membership change (a new node
 * is first caught up, maybe by snapshot). */
#define ADMIN_WAIT_MS 30000

bool cluster_admin_path(const char *path, size_t len)
{
    return len >= 9 && memcmp(path, "/cluster/", 9) == 0;
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* The value of query parameter name in path (percent-decoded into out), or
 * false, also for a value that does not fit or decodes to a NUL (it would be
 * read cut short).  The path is not NUL-terminated: it lies in the
 * connection's input. */
static bool query_get(const char *path, size_t len, const char *name, char *out, size_t cap)
{
    const char *q = memchr(path, '?', len), *end = path + len;
    size_t n = strlen(name);
    for (const char *p = q ? q + 1 : end; p < end;) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        if ((size_t)(stop - p) > n && memcmp(p, name, n) == 0 && p[n] == '=') {
            size_t o = 0;
            for (const char *v = p + n + 1; v < stop; v++) {
                if (o + 1 >= cap) return false;
                int hi = stop - v > 2 ? hex_digit(v[1]) : -1, lo = hi >= 0 ? hex_digit(v[2]) : -1;
                if (*v == '%' && lo >= 0) {
                    out[o++] = (char)(hi << 4 | lo);
                    v += 2;
                } else out[o++] = *v;
                if (!out[o - 1]) return false;
            }
            out[o] = 0;
            return true;
        }
        p = stop + 1;
    }
    return false;
}

static const char *role_name(int state)
{
    switch (state) {
    case RAFT_LEADER: return "leader";
    case RAFT_CANDIDATE: return "candidate";
    case RAFT_FOLLOWER: return "follower";
    default: return "unavailable";
    }
}

static const char *member_role_name(int role)
{
    switch (role) {
    case RAFT_VOTER: return "voter";
    case RAFT_STANDBY: return "standby";
    case RAFT_SPARE: return "spare";
    default: return "none";
    }
}

static int admin_error(buf_t *out, int status, const char *why)
{
    buf_append_str(out, "{\"error\":");
    json_write_string(out, why, strlen(why));
    buf_append_str(out, "}\n");
    return status;
}

/* The commit index as of the last tick, at least what is applied since
 * (mutex held). */
static raft_index commit_seen(void) { return cl.commit > cl.applied ? cl.commit : cl.applied; }

/* This node's view (mutex held). */
static void status_render(buf_t *out)
{
    member_t *leader = cl.leader ? member_find(cl.leader) : NULL;
    buf_printf(out, "{\"node\":%llu,\"role\":\"%s\",\"term\":%llu,\"commit\":%llu,"
                    "\"applied\":%llu,\"last\":%llu,\"leader\":%llu,\"leader_api\":",
               cl.id, role_name(cl.role), cl.term, commit_seen(), cl.applied, cl.last_index,
               cl.leader);
    const char *lapi = leader ? leader->api : "";
    json_write_string(out, lapi, strlen(lapi));
    buf_printf(out, ",\"elections\":%llu,\"leader_changes\":%llu,\"members\":[",
               (unsigned long long)cl.elections, (unsigned long long)cl.leader_changes);
    bool first = true;
    for (size_t i = 0; i < cl.nmembers; i++) {
        const member_t *m = &cl.members[i];
        if (m->role < 0) continue;
        buf_printf(out, "%s{\"id\":%llu,\"role\":\"%s\",\"address\":", first ? "" : ",", m->id,
                   member_role_name(m->role));
        json_write_string(out, m->address, strlen(m->address));
        buf_append_str(out, ",\"api\":");
        json_write_string(out, m->api, strlen(m->api));
        if (cl.leading)
            buf_printf(out, ",\"match\":%llu,\"lag\":%llu,\"reachable\":%s", m->match,
                       cl.last_index > m->match ? cl.last_index - m->match : 0,
                       m->reachable ? "true" : "false");
        buf_putc(out, '}');
        first = false;
    }
    buf_append_str(out, "]}\n");
}

/* Not the leader: where it is, for the admin command to ask there. */
static int not_leader(buf_t *out)
{
    member_t *leader = cl.leader ? member_find(cl.leader) : NULL;
    if (!leader || !leader->api[0]) return admin_error(out, 503, "no leader is known now");
    buf_append_str(out, "{\"error\":\"this node does not lead\",\"leader_api\":");
    json_write_string(out, leader->api, strlen(leader->api));
    buf_append_str(out, "}\n");
    return 409;
}

int cluster_admin(bool post, const char *path, size_t len, buf_t *out)
{
    const char *q = memchr(path, '?', len);
    size_t plen = q ? (size_t)(q - path) : len;
    bool status = plen == 15 && memcmp(path, "/cluster/status", 15) == 0;
    bool add = plen == 12 && memcmp(path, "/cluster/add", 12) == 0;
    bool remove = plen == 15 && memcmp(path, "/cluster/remove", 15) == 0;
    bool announced = plen == 15 && memcmp(path, "/cluster/member", 15) == 0;
    if (announced && cluster_on && post) {
        char idtext[16], api[ADDRESS_MAX];
        raft_id id;
        if (!query_get(path, len, "id", idtext, sizeof idtext) ||
            !parse_id(idtext, strlen(idtext), &id) || !query_get(path, len, "api", api, sizeof api))
            return admin_error(out, 400, "member: id and api");
        pthread_mutex_lock(&cl.mutex);
        int code = 200;
        if (!cl.leading) code = not_leader(out);
        else {
            cl.member_id = id;
            snprintf(cl.member_api, sizeof cl.member_api, "%s", api);
            buf_append_str(out, "{}\n");
        }
        pthread_mutex_unlock(&cl.mutex);
        raft_wake();
        return code;
    }
    if (!status && !add && !remove)
        return admin_error(out, 404, "unknown: /cluster/status, /cluster/add, /cluster/remove");
    if (!cluster_on) return admin_error(out, 404, "this node is not in cluster mode");
    if (status) {
        pthread_mutex_lock(&cl.mutex);
        status_render(out);
        pthread_mutex_unlock(&cl.mutex);
        return 200;
    }
    if (!post) return admin_error(out, 405, "membership changes are POST requests");
    char idtext[16], address[ADDRESS_MAX];
    raft_id id;
    if (!query_get(path, len, "id", idtext, sizeof idtext) || !parse_id(idtext, strlen(idtext), &id))
        return admin_error(out, 400, "id: a node ID is a number from 1");
    if (add) {
        const char *colon;
        if (!query_get(path, len, "address", address, sizeof address) ||
            !(colon = strrchr(address, ':')) || colon == address || !colon[1])
            return admin_error(out, 400, "address: a node's cluster address is HOST:PORT");
    }
    struct timespec until;
    deadline_after(&until, ADMIN_WAIT_MS);
    pthread_mutex_lock(&cl.mutex);
    int code;
    if (!cl.leading) code = not_leader(out);
    else if (cl.admin.state == ADMIN_QUEUED || cl.admin.state == ADMIN_RUNNING)
        code = admin_error(out, 409, "another membership change is in progress");
    else if (!add && id == cl.id)
        code = admin_error(out, 400, "the leader cannot remove itself: ask after another leads");
    else if (add && cl.nmembers == MAX_MEMBERS && !member_find(id))
        code = admin_error(out, 400, "a cluster has at most 9 nodes");
    else {
        cl.admin.state = ADMIN_QUEUED;
        cl.admin.add = add;
        cl.admin.id = id;
        if (add) snprintf(cl.admin.address, sizeof cl.admin.address, "%s", address);
        pthread_mutex_unlock(&cl.mutex);
        raft_wake();
        pthread_mutex_lock(&cl.mutex);
        while (cl.admin.state != ADMIN_DONE && !cl.stopping)
            if (pthread_cond_timedwait(&cl.cond, &cl.mutex, &until) == ETIMEDOUT) break;
        if (cl.admin.state != ADMIN_DONE)
            code = admin_error(out, 504, "the change is still in progress: see cluster status");
        else if (cl.admin.status == RAFT_NOTLEADER || cl.admin.status == RAFT_LEADERSHIPLOST)
            code = admin_error(out, 503, "leadership changed: ask again");
        else if (cl.admin.status) {
            char why[160];
            snprintf(why, sizeof why, "refused: %s", raft_strerror(cl.admin.status));
            code = admin_error(out, cl.admin.status == RAFT_DUPLICATEID ||
                                            cl.admin.status == RAFT_DUPLICATEADDRESS ||
                                            cl.admin.status == RAFT_BADID
                                        ? 400
                                        : 500,
                               why);
        } else {
            buf_printf(out, "{\"node\":%llu,\"%s\":true}\n", id, add ? "added" : "removed");
            code = 200;
        }
    }
    pthread_mutex_unlock(&cl.mutex);
    return code;
}

/* --- metrics ------------------------------------------------------------------ */

static void gauge(buf_t *out, const char *name, const char *type, const char *help,
                  unsigned long long v)
{
    metrics_family_write(out, name, type, help);
    buf_printf(out, "%s %llu\n", name, v);
}

void cluster_metrics_render(buf_t *out)
{
    if (!cluster_on) return;
    pthread_mutex_lock(&cl.mutex);
    static const int roles[] = {RAFT_LEADER, RAFT_FOLLOWER, RAFT_CANDIDATE, RAFT_UNAVAILABLE};
    metrics_family_write(out, "ddbd_cluster_role", "gauge",
                         "1 for this node's Raft role (leader, follower, candidate, unavailable).");
    for (size_t i = 0; i < sizeof roles / sizeof *roles; i++)
        buf_printf(out, "ddbd_cluster_role{role=\"%s\"} %d\n", role_name(roles[i]),
                   cl.role == roles[i]);
    gauge(out, "ddbd_cluster_node_id", "gauge", "This node's ID.", cl.id);
    gauge(out, "ddbd_cluster_leader_id", "gauge", "The leader's ID as known here (0: none).",
          cl.leader);
    gauge(out, "ddbd_cluster_term", "gauge", "The current Raft term.", cl.term);
    gauge(out, "ddbd_cluster_commit_index", "gauge", "The last log entry known committed.",
          commit_seen());
    gauge(out, "ddbd_cluster_applied_index", "gauge",
          "The last log entry whose changes the store holds.", cl.applied);
    gauge(out, "ddbd_cluster_last_index", "gauge", "The last entry of this node's log.",
          cl.last_index);
    gauge(out, "ddbd_cluster_elections_total", "counter",
          "Elections (new terms) seen since start.", cl.elections);
    gauge(out, "ddbd_cluster_leader_changes_total", "counter",
          "Changes of the known leader since start.", cl.leader_changes);
    gauge(out, "ddbd_cluster_snapshots_taken_total", "counter",
          "Raft snapshots of the store taken since start.", cl.snapshots_taken);
    gauge(out, "ddbd_cluster_snapshots_restored_total", "counter",
          "Snapshots from the leader restored since start.", cl.snapshots_restored);
    size_t voters = 0;
    for (size_t i = 0; i < cl.nmembers; i++) voters += cl.members[i].role == RAFT_VOTER;
    gauge(out, "ddbd_cluster_voters", "gauge", "Voting members of the group.", voters);
    if (cl.leading) {
        metrics_family_write(out, "ddbd_cluster_follower_lag_entries", "gauge",
                             "On the leader: log entries each other member lacks.");
        for (size_t i = 0; i < cl.nmembers; i++) {
            const member_t *m = &cl.members[i];
            if (m->role < 0 || m->id == cl.id) continue;
            buf_printf(out, "ddbd_cluster_follower_lag_entries{node=\"%llu\"} %llu\n", m->id,
                       cl.last_index > m->match ? cl.last_index - m->match : 0);
        }
        metrics_family_write(out, "ddbd_cluster_follower_reachable", "gauge",
                             "On the leader: 1 when the member answered within an election timeout.");
        for (size_t i = 0; i < cl.nmembers; i++) {
            const member_t *m = &cl.members[i];
            if (m->role < 0 || m->id == cl.id) continue;
            buf_printf(out, "ddbd_cluster_follower_reachable{node=\"%llu\"} %d\n", m->id,
                       m->reachable);
        }
    }
    pthread_mutex_unlock(&cl.mutex);
}

/* --- the store's syncing ----------------------------------------------------------
 *
 * The marker <raft dir>/store-unsynced holds the boot id of the run whose
 * store commits may not be on the disk yet (see cluster.h). */

#define BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"
#define MARKER_NAME "store-unsynced"
/* What the marker says after a failed sync: no boot matches it. */
#define MARKER_SYNC_FAILED "sync-failed"
/* How often the store's pages are synced (bounds what a system crash
 * costs a rebuild, and surfaces write-back errors). */
#define SYNC_INTERVAL_MS 1000

/* The first line of a small file (without its newline); false when it
 * cannot be read or is empty. */
static bool line_read(const char *path, char *out, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    ssize_t n = read(fd, out, cap - 1);
    close(fd);
    if (n <= 0) return false;
    out[n] = 0;
    out[strcspn(out, "\r\n")] = 0;
    return out[0] != 0;
}

static void marker_path(char *out, size_t cap) { snprintf(out, cap, "%s/" MARKER_NAME, cl.dir); }

/* The marker says text, on the disk (file and directory synced) before
 * this returns 0; -1 and errno otherwise. */
static int marker_write(const char *text)
{
    char path[PATH_MAX + 32], line[128];
    marker_path(path, sizeof path);
    int len = snprintf(line, sizeof line, "%s\n", text);
    return durable_file_replace(path, line, (size_t)len);
}

/* Remove the marker (after the store was synced, or deleted): 0 once the
 * removal is on the disk. */
static int marker_remove(void)
{
    char path[PATH_MAX + 32];
    marker_path(path, sizeof path);
    if (unlink(path) != 0 && errno != ENOENT) return -1;
    return durable_dir_sync(cl.dir);
}

/* Delete the store's files (and the snapshot copies' leftovers): it is
 * then made anew, empty, by storage_open, and filled again from Raft. */
static int store_discard(void)
{
    static const char *const names[] = {"data.mdb", "lock.mdb", "cluster-snapshot.tmp",
                                        "cluster-restore.mdb"};
    char path[PATH_MAX + 32];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", cl.data_dir, names[i]);
        if (unlink(path) != 0 && errno != ENOENT) {
            log_error("cluster: cannot remove %s: %s", path, strerror(errno));
            return -1;
        }
    }
    if (durable_dir_sync(cl.data_dir) != 0) {
        log_error("cluster: cannot sync %s: %s", cl.data_dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* The store's directory and the Raft log's (under it): 0, or -1 (logged). */
static int paths_set(const char *data_dir)
{
    snprintf(cl.data_dir, sizeof cl.data_dir, "%s", data_dir);
    if (snprintf(cl.dir, sizeof cl.dir, "%s/raft", data_dir) >= (int)sizeof cl.dir) {
        log_error("cluster: the data directory's path is too long");
        return -1;
    }
    return 0;
}

int cluster_store_prepare(const cluster_config_t *cfg)
{
    /* wrong flags: cluster_open says why */
    if (!cfg->node_id || !cfg->data_dir || cluster_config_check(cfg)) return 0;
    if (paths_set(cfg->data_dir) != 0) return -1;
    if (!line_read(BOOT_ID_PATH, cl.boot_id, sizeof cl.boot_id)) cl.boot_id[0] = 0;
    char path[PATH_MAX + 32], was[64];
    marker_path(path, sizeof path);
    bool marked = access(path, F_OK) == 0;
    if (marked && !line_read(path, was, sizeof was)) snprintf(was, sizeof was, "(unreadable)");
    if (marked && (!cl.boot_id[0] || strcmp(was, cl.boot_id) != 0)) {
        /* A system crash (or a failed sync) since unsynced commits: the
         * disk may hold a meta page naming pages it does not hold. */
        log_warn("cluster: the store may be torn (unsynced commits of boot %s, now boot %s): "
                 "discarded; rebuilding it from the Raft snapshot and log",
                 was, cl.boot_id[0] ? cl.boot_id : "(unknown)");
        if (store_discard() != 0) return -1;
    }
    if (!cl.boot_id[0]) {
        /* the store has no unsynced page now (synced, or deleted) */
        if (marked && marker_remove() != 0) {
            log_error("cluster: cannot remove %s: %s", path, strerror(errno));
            return -1;
        }
        log_warn("cluster: cannot read %s: every store commit is synced", BOOT_ID_PATH);
    }
    return 0;
}

/* Sync-failure: pages may be lost whatever later syncs say: the next start
 * must rebuild the store, and this node must not go on serving it. */
static void store_sync_failed(const char *what, int err)
{
    log_error("cluster: %s failed: %s; the store may have lost pages, the next start rebuilds "
              "it from the Raft log; stopping", what, strerror(err));
    if (marker_write(MARKER_SYNC_FAILED) != 0)
        log_error("cluster: cannot mark the store for a rebuild: %s", strerror(errno));
}

/* The syncer thread: the store's pages reach the disk at least every
 * SYNC_INTERVAL_MS (LMDB's sync takes no lock: commits go on). */
static void *syncer_main(void *arg)
{
    pthread_mutex_lock(&cl.mutex);
    while (!cl.syncer_stop) {
        struct timespec until;
        deadline_after(&until, SYNC_INTERVAL_MS);
        while (!cl.syncer_stop &&
               pthread_cond_timedwait(&cl.syncer_cond, &cl.mutex, &until) != ETIMEDOUT) {
        }
        if (cl.syncer_stop) break;
        pthread_mutex_unlock(&cl.mutex);
        int rc = mdb_env_sync(storage_env(), 1);
        if (rc) {
            store_sync_failed("syncing the store", rc);
            abort();
        }
        pthread_mutex_lock(&cl.mutex);
    }
    pthread_mutex_unlock(&cl.mutex);
    return NULL;
}

/* Commits unsynced from now on, once the marker names this boot; else
 * (no boot id, the marker cannot be written) synced as ever. */
static int store_sync_mode(void)
{
    if (cl.boot_id[0] && marker_write(cl.boot_id) != 0)
        log_error("cluster: cannot write %s/" MARKER_NAME ": %s; every store commit is synced",
                  cl.dir, strerror(errno));
    else if (cl.boot_id[0])
        cl.nosync = true;
    /* The Raft log (synced by libraft before an entry counts) is the
     * durable record.  Unsynced, a store commit costs no fsync; synced, it
     * need not sync its meta page too (one fsync per commit, not two):
     * LMDB stays intact on a crash and may lose its last commits, which
     * the log then applies again. */
    int rc = mdb_env_set_flags(storage_env(), cl.nosync ? MDB_NOSYNC : MDB_NOMETASYNC, 1);
    if (rc) {
        log_error("cluster: cannot set the store's sync mode: %s", mdb_strerror(rc));
        return -1;
    }
    if (cl.nosync) {
        if (pthread_create(&cl.syncer, NULL, syncer_main, NULL) != 0) {
            log_error("cluster: cannot start the store's sync thread");
            return -1;
        }
        pthread_setname_np(cl.syncer, "store sync");
        cl.syncer_started = true;
    }
    return 0;
}

void cluster_store_closed(void)
{
    if (!cl.nosync) return;
    cl.nosync = false;
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/data.mdb", cl.data_dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = fd < 0 ? -1 : fdatasync(fd);
    int err = errno;
    if (fd >= 0) close(fd);
    if (rc != 0) {
        store_sync_failed("syncing the store at its close", err);
        return;
    }
    if (marker_remove() != 0)
        log_error("cluster: cannot remove %s/" MARKER_NAME ": %s", cl.dir, strerror(errno));
}

/* --- open / close ------------------------------------------------------------ */

int cluster_open(const cluster_config_t *cfg)
{
    const char *why = cluster_config_check(cfg);
    if (why) {
        log_error("%s", why);
        return -1;
    }
    if (!cfg->node_id) return 0;
    snprintf(cl.api_address, sizeof cl.api_address, "%s", cfg->api_address);
    cl.join = cfg->join;
    cl.snapshot_entries = cfg->snapshot_entries ? cfg->snapshot_entries : CLUSTER_SNAPSHOT_ENTRIES;
    buf_init(&snapshot_header);
    if (paths_set(cfg->data_dir) != 0) return -1;
    if ((mkdir(cl.dir, 0755) != 0 && errno != EEXIST) || cluster_segments_dir(cl.dir) != 0) {
        log_error("cluster: cannot create %s: %s", cl.dir, strerror(errno));
        return -1;
    }
    int rc = storage_run_sync(meta_open, NULL);
    if (rc) {
        log_error("cluster: cannot open its state: %s", mdb_strerror(rc));
        return -1;
    }
    if (store_sync_mode() != 0) return -1;
    buf_init(&cl.recording);
    cl.seq = (uint64_t)clock_now_ms() << 16; /* unlike any earlier run's */
    if (raft_setup() != 0) return -1;
    storage_set_replicator(&replicator);
    if (pthread_create(&cl.applier, NULL, applier_main, NULL) != 0) {
        log_error("cluster: cannot start the applier thread");
        return -1;
    }
    pthread_setname_np(cl.applier, "applier");
    cl.applier_started = true;
    if (pthread_create(&cl.thread, NULL, raft_main, NULL) != 0) {
        log_error("cluster: cannot start the Raft thread");
        return -1;
    }
    pthread_setname_np(cl.thread, "raft");
    cl.started = true;
    cluster_on = true;
    log_info("cluster: node %llu of %zu, cluster address %s, log in %s, applied up to %llu, "
             "store commits %s", cl.id, cl.nmembers, member_find(cl.id)->address, cl.dir,
             cl.applied, cl.nosync ? "unsynced" : "synced");
    return cluster_forward_start(leader_api, leadership_confirm);
}

void cluster_close(void)
{
    if (cl.syncer_started) {
        pthread_mutex_lock(&cl.mutex);
        cl.syncer_stop = true;
        pthread_cond_signal(&cl.syncer_cond);
        pthread_mutex_unlock(&cl.mutex);
        pthread_join(cl.syncer, NULL);
        cl.syncer_started = false;
    }
    if (!cl.started) return;
    cluster_forward_stop();
    pthread_mutex_lock(&cl.mutex);
    cl.stopping = true;
    cl.ready = cl.leading = false;
    pthread_cond_broadcast(&cl.cond);
    pthread_mutex_unlock(&cl.mutex);
    raft_wake();
    pthread_join(cl.thread, NULL);
    uv_loop_close(&cl.loop);
    close(cl.wake_fd);
    cl.wake_fd = -1;
    /* a proposal Raft never took, or dropped at its close */
    pthread_mutex_lock(&cl.mutex);
    if (cl.state == P_QUEUED || cl.state == P_PROPOSED) cl.state = P_FAILED;
    pthread_cond_broadcast(&cl.cond);
    /* the entries handed over are applied (else Raft replays them at the
     * next start), once the writer's transaction, if any, ended */
    cl.applier_stop = true;
    pthread_cond_signal(&cl.applier_cond);
    pthread_mutex_unlock(&cl.mutex);
    if (cl.applier_started) pthread_join(cl.applier, NULL);
    cl.applier_started = false;
    cl.started = false;
    buf_free(&cl.recording);
    buf_free(&snapshot_header);
}
