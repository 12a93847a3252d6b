/* The data folder: created on first use, and held by one daemon at a time. Two daemons on
 * one folder would be two engines writing one store and sending every alert twice, so
 * `tocsin serve` takes an exclusive lock on DATA/tocsin.lock for as long as it runs. The lock
 * is flock(2): the kernel drops it when the process dies, even by kill -9, so a crash never
 * leaves a stale lock behind. Command-line tools (apikey, import) do not take it. */
#ifndef TC_DIRLOCK_H
#define TC_DIRLOCK_H

#include <stddef.h>

/** Create folder @p dir and any missing parents (like mkdir -p), mode 0750.
 *  @return 0, or TC_EIO with the reason in @p err. */
int tc_dir_create(const char *dir, char *err, size_t errlen);

/** Create @p dir if needed and take the exclusive lock on its tocsin.lock without waiting.
 *  @param fd receives the open lock file; keep it open while the lock is needed and release
 *         it with tc_dir_unlock().
 *  @return 0; TC_EEXIST when another process holds the lock (its pid, when the file holds
 *          one, is in @p err); TC_EIO on any other failure. */
int tc_dir_lock(const char *dir, int *fd, char *err, size_t errlen);

/** Release a lock taken by tc_dir_lock() (a negative @p fd is ignored). */
void tc_dir_unlock(int fd);

#endif
