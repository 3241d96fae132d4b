/* A throw-away LMDB environment for the unit tests of modules that read or
 * write the store: made unsynced in a fresh temporary directory, removed
 * with its files afterwards. */
#ifndef UNIT_STORE_H
#define UNIT_STORE_H

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* dir: a mkdtemp template ("...XXXXXX"), filled in; map_size 0 keeps
 * LMDB's default.  Aborts on any failure. */
static inline MDB_env *unit_store_open(char *dir, unsigned maxdbs, size_t map_size)
{
    MDB_env *env;
    if (!mkdtemp(dir) || mdb_env_create(&env) || mdb_env_set_maxdbs(env, maxdbs) ||
        (map_size && mdb_env_set_mapsize(env, map_size)) ||
        mdb_env_open(env, dir, MDB_NOSYNC, 0644))
        abort();
    return env;
}

static inline void unit_store_remove(MDB_env *env, const char *dir)
{
    mdb_env_close(env);
    char path[256];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/lock.mdb", dir);
    unlink(path);
    rmdir(dir);
}

#endif
