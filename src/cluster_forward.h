/* cluster_forward: calls passed on to the leader's API port, as they came,
 * by a few threads with a kept-alive connection each, and their answers
 * relayed (status and body, decoded if the leader compressed it).
 *
 * A forwarded request carries the header CLUSTER_FORWARD_HEADER, so that a
 * node that is no longer the leader never passes it on again.  Without a
 * known leader within a second, or when the leader does not answer within
 * CLUSTER_FORWARD_TIMEOUT_S, the call gets the service's retryable
 * InternalServerError (500).
 */
#ifndef DDBD_CLUSTER_FORWARD_H
#define DDBD_CLUSTER_FORWARD_H

#include <stddef.h>

#include "api.h"

#define CLUSTER_FORWARD_HEADER "x-ddbd-forwarded"
#define CLUSTER_FORWARD_TIMEOUT_S 10

/* Where to send: writes the leader's "HOST:PORT" into out and returns 0,
 * waiting up to wait_ms for one to be known; -1 when none is. */
typedef int (*cluster_leader_fn)(char *out, size_t cap, unsigned wait_ms);

int cluster_forward_start(cluster_leader_fn leader);
void cluster_forward_stop(void);
/* Send request[0..len) (a whole HTTP/1.1 request, in the call's arena) for
 * call; the call completes from a forwarding thread. */
void cluster_forward_submit(api_call_t *call, const char *request, size_t len);

#endif
