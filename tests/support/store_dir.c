/* store_dir.c — removing a test's LMDB store directory. */
#include "store_dir.h"

#include <stdio.h>
#include <unistd.h>

void store_dir_remove(const char *dir)
{
    char p[512];
    snprintf(p, sizeof p, "%s/data.mdb", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/lock.mdb", dir);
    unlink(p);
    rmdir(dir);
}
