/* regions: the other regions this server replicates global tables with.
 *
 * Each peer region is a name and the URL of that region's ddbd API
 * (http://host:port or https://host:port), given by --peer-region
 * NAME=URL (repeatable) or a file of such lines (--peer-regions-file;
 * '#' starts a comment line).  Calls to a peer (regions_call) are signed
 * with SigV4 for the peer's region when a replication key is configured
 * (--replication-key ID:SECRET), and an https peer's certificate is checked
 * against the CA file given (--replication-ca-file; none: the system's).
 *
 * Configured once at start-up, read-only afterwards: any thread may read.
 */
#ifndef DDBD_REGIONS_H
#define DDBD_REGIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define REGIONS_MAX 16

typedef struct {
    const char *name; /* us-west-2 */
    const char *url;  /* as given */
    char host[256];
    char port[8];
    bool tls;
} region_peer_t;

/* Start-up: add one NAME=URL; NULL or the reason it is refused. */
const char *regions_add(const char *spec);
/* Start-up: every line of a file; NULL or the reason (naming the line). */
const char *regions_load_file(const char *path);
/* Start-up: the key replication calls are signed with ("ID:SECRET"). */
const char *regions_set_key(const char *spec);
/* The key to sign with when none was set (copied). */
void regions_default_key(const char *id, const char *secret);
const char *regions_set_ca_file(const char *path);
/* Start-up: this server's region (a peer may not have its name). */
const char *regions_set_local(const char *region);
/* Forget the peers added (a test's fresh start-up). */
void regions_clear(void);
/* Log the peers (start-up). */
void regions_log(void);

size_t regions_count(void);
const region_peer_t *regions_get(size_t i);
const region_peer_t *regions_find(const char *name, size_t len);
const char *regions_local(void);
/* "[us-east-1, us-west-2]": the local region and the peers, as the
 * region-not-supported text lists them. */
void regions_render_list(buf_t *b);

/* POST body to the peer's API with X-Amz-Target target (signed when a key
 * is set), waiting at most timeout_s for the answer.  0 with *status and
 * the response body in *out, or -1 when the peer could not be reached. */
int regions_call(const region_peer_t *p, const char *target, const char *body, size_t len,
                 int timeout_s, int *status, buf_t *out);
/* The same with a body of another Content-Type (type). */
int regions_call_typed(const region_peer_t *p, const char *target, const char *type,
                       const char *body, size_t len, int timeout_s, int *status, buf_t *out);

/* A thread that called regions_call ends: close the connections it kept. */
void regions_thread_done(void);
void regions_shutdown(void);

#endif
