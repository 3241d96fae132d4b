/* cluster_segments: the Raft log's segment files are made with their blocks
 * written (zeros), not merely reserved.
 *
 * libraft reserves each segment of its log (8 MB, "open-N") with
 * posix_fallocate and then writes every entry into it with O_DIRECT and
 * O_DSYNC, first submitted with RWF_NOWAIT from the Raft thread.  On ext4
 * (and XFS) a reserved block is an "unwritten extent": a direct write into
 * one must convert the extent (a journal commit), so the kernel refuses it
 * without blocking (EAGAIN) and libraft sends every entry's write again
 * through libuv's thread pool: a pool thread woken, its blocking io_submit
 * and io_getevents, and the Raft loop woken once more, per entry, on every
 * node.  Into blocks already written with zeros an entry's write is a plain
 * overwrite: submitted without blocking from the Raft thread, no
 * conversion, nothing in the pool.  The cost is the segment written twice
 * (its zeros once, when libraft prepares it ahead of use, on a pool thread).
 *
 * Only the part of the range past the file's end is written: what lies
 * before it is data, which posix_fallocate never changes (libraft calls it
 * on new files only, but any caller stays safe).
 *
 * The program defines posix_fallocate, which libraft's calls reach instead
 * of the C library's (the program's definitions come first in the dynamic
 * linker's search); a file outside the directory set here is handed to the
 * C library's. */
#ifndef DDBD_CLUSTER_SEGMENTS_H
#define DDBD_CLUSTER_SEGMENTS_H

/* Files allocated under dir from now on get their blocks written.  Called
 * once, before Raft starts (not thread-safe against allocations).  0, or -1
 * when dir cannot be resolved (errno). */
int cluster_segments_dir(const char *dir);

#endif
