/* durable_file: files that are on the disk when the call returns.
 *
 * Contract:
 * - durable_file_replace writes data to "<path>.tmp", flushes and fsyncs it,
 *   renames it over path and fsyncs the directory holding path: after a
 *   crash or a power loss path holds the old contents or the new ones,
 *   never a torn or missing file.  0 when done; -1 with errno set (the
 *   temporary removed) when any step failed.
 * - durable_dir_sync fsyncs a directory, so that the names created, renamed
 *   or removed in it survive a power loss; 0 or -1 with errno. */
#ifndef DDBD_DURABLE_FILE_H
#define DDBD_DURABLE_FILE_H

#include <stddef.h>

int durable_file_replace(const char *path, const void *data, size_t len);
int durable_dir_sync(const char *dir);

#endif
