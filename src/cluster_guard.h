/* cluster_guard: a check of every byte that reaches the cluster port before
 * libraft reads it.
 *
 * libraft's TCP transport trusts what it reads: the lengths in a message's
 * header are used unchecked (an AppendEntries header announcing more
 * entries than it holds, an InstallSnapshot configuration longer than its
 * header, or entries whose lengths do not add up make it read past its
 * buffers and crash the node), and the handshake's address is used as a C
 * string without a terminator being checked.  The guard takes the
 * transport's listening side over: it accepts the connections itself,
 * reads the handshake (protocol 1, an address of at most 255 bytes ending
 * in NUL) and then each message's preamble and header, checks that every
 * length agrees with the message type's layout, and only then passes the
 * bytes on to libraft, through a socket pair whose other end libraft reads
 * as if it were the connection.  The first thing out of place closes the
 * connection (a peer reconnects; libraft's own messages always pass).  At
 * most GUARD_MAX_CONNECTIONS connections are open at once; more are closed
 * at once, and a connection that has not completed its handshake within
 * GUARD_HANDSHAKE_MS is closed.
 *
 * Outgoing connections are libraft's own, unchanged.  Everything runs on
 * the Raft thread's loop.
 */
#ifndef DDBD_CLUSTER_GUARD_H
#define DDBD_CLUSTER_GUARD_H

#include <raft.h>
#include <raft/uv.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define GUARD_MAX_CONNECTIONS 256
#define GUARD_HANDSHAKE_MS 10000
/* The longest header passed on (an AppendEntries of a million entries). */
#define GUARD_MAX_HEADER (16u << 20)

/* Put the guard in front of transport t (made by raft_uv_tcp_init on loop,
 * before raft_uv_init): its init, listen and close are replaced. */
void cluster_guard_wrap(struct raft_uv_transport *t, uv_loop_t *loop);

/* The check of one message header (exposed for tests): 0 when a header of
 * message type `type` with these len bytes is well formed, and then
 * *payload the length of the payload that follows it; -1 when not. */
int cluster_guard_check_header(uint64_t type, const uint8_t *h, size_t len, uint64_t *payload);

#endif
