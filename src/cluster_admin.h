/* cluster_admin: the `ddbd cluster status|add|remove ... --to HOST:PORT`
 * command.  It asks a node's API port (from this machine: the server
 * answers admin requests from loopback addresses only) for the requests of
 * cluster_admin (cluster.h), sends a change on to the leader that node
 * names, and prints the outcome; status prints one line per member, with
 * each member's own role, term, commit and applied indexes (asked from
 * it) and the leader's replicated index and lag for it.
 * Exit status 0, 1 when the change or status failed (why on stderr), 2 for
 * bad arguments. */
#ifndef DDBD_CLUSTER_ADMIN_H
#define DDBD_CLUSTER_ADMIN_H

/* argv[0] is "cluster". */
int cluster_admin_main(int argc, char **argv);

#include "buf.h"

/* One HTTP/1.1 request (no body, Connection: close) to address
 * "HOST:PORT", waiting at most timeout_s per step; the HTTP status and the
 * body, or 0 with why in body. */
int cluster_admin_http(const char *address, const char *method, const char *path, int timeout_s,
                       buf_t *body);

#endif
