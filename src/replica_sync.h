/* replica_sync: bringing one replica of a global table in line with the
 * group's settings and its own overrides.
 *
 * The group's settings (GSIs, billing mode, throughput, on-demand maxima,
 * stream, TTL) normally travel as each change is made (replication.h,
 * Settings).  A replica being created does not take them that way: its
 * table is made from the definition of the moment, and what changes while
 * its items are copied (or before a restart resumed the creation) would
 * otherwise be missed.  And a replica's own overrides (ReplicaUpdates
 * Update: the on-demand read maximum or provisioned read capacity of the
 * table and of each GSI) replace the group's figures in its region only.
 *
 * replica_sync_run compares the replica's table (its DescribeTable and
 * DescribeTimeToLive) with what it should be: this region's table with the
 * replica's overrides in place of the group's read figures.  It sends one
 * change at a time as a Settings call (applied there as the replica's own,
 * never sent on), waits while the replica's table or an index of it is
 * busy, and looks again until nothing differs (bounded in rounds and
 * time).  Runs on replication's control thread; blocks.
 *
 * Limitation: the group's figures are read from this region's table, so a
 * region whose own figures are overridden is not a faithful source of them.
 */
#ifndef DDBD_REPLICA_SYNC_H
#define DDBD_REPLICA_SYNC_H

#include <stdbool.h>

#include "regions.h"

/* overrides: the replica's (JSON of its Create/Update members), or NULL;
 * stop: set when the server stops (then it gives up at once).  True when
 * the replica matches; false when it could not be brought to. */
bool replica_sync_run(const char *table, const region_peer_t *peer, const char *overrides,
                      const volatile bool *stop);

#endif
