/* cluster_forward: calls passed on to the leader's API port, as they came,
 * by a pool of threads (up to 64, started as calls need them) with a
 * kept-alive connection each, and their answers relayed (status and body,
 * decoded if the leader compressed it).
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
#include "json.h"

#define CLUSTER_FORWARD_HEADER "x-ddbd-forwarded"
#define CLUSTER_FORWARD_TIMEOUT_S 10

/* Where to send: writes the leader's "HOST:PORT" into out and returns 0,
 * waiting up to wait_ms for one to be known; -1 when none is. */
typedef int (*cluster_leader_fn)(char *out, size_t cap, unsigned wait_ms);
/* This node still leads: 0 once an entry appended after the call was
 * committed and applied here, -1 when that failed or took over wait_ms. */
typedef int (*cluster_confirm_fn)(unsigned wait_ms);
/* An operation's handler (ops.h's op_handler_t). */
typedef api_result_t (*cluster_handler_t)(api_call_t *call, const json_value_t *req);

int cluster_forward_start(cluster_leader_fn leader, cluster_confirm_fn confirm);
void cluster_forward_stop(void);
/* Send request[0..len) (a whole HTTP/1.1 request, in the call's arena) for
 * call; the call completes from a forwarding thread. */
void cluster_forward_submit(api_call_t *call, const char *request, size_t len);
/* On the leader: run handler(call, req) (a read) on a forwarding thread,
 * with a read transaction of that thread's own, once leadership is
 * confirmed, or answer 500; the call completes from that thread. */
void cluster_forward_confirmed(api_call_t *call, cluster_handler_t handler,
                               const json_value_t *req);

#endif
