/* Data folder creation and its single-daemon lock (see dirlock.h). */
#include "core/dirlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"

int tc_dir_create(const char *dir, char *err, size_t errlen)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        snprintf(err, errlen, "data folder path is too long");
        return TC_EIO;
    }
    for (char *p = path + 1;; p++) {
        char c = *p;
        if (c != '/' && c != '\0')
            continue;
        *p = '\0';
        if (mkdir(path, 0750) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create data folder %s: %s", path, strerror(errno));
            return TC_EIO;
        }
        *p = c;
        if (!c)
            break;
    }
    return 0;
}

int tc_dir_lock(const char *dir, int *fd, char *err, size_t errlen)
{
    *fd = -1;
    int rc = tc_dir_create(dir, err, errlen);
    if (rc)
        return rc;
    char path[4200];
    snprintf(path, sizeof path, "%s/tocsin.lock", dir);
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (f < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return TC_EIO;
    }
    if (flock(f, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        if (e == EWOULDBLOCK) {
            char pid[32] = "";
            ssize_t n = pread(f, pid, sizeof pid - 1, 0);
            pid[n > 0 ? n : 0] = '\0';
            pid[strcspn(pid, "\n")] = '\0';
            snprintf(err, errlen, "data folder %s is in use by another tocsin%s%s%s", dir,
                     pid[0] ? " (pid " : "", pid, pid[0] ? ")" : "");
            close(f);
            return TC_EEXIST;
        }
        snprintf(err, errlen, "cannot lock %s: %s", path, strerror(e));
        close(f);
        return TC_EIO;
    }
    /* The pid is only a hint for the message above; the lock itself is what counts. */
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(f, 0) != 0 || pwrite(f, pid, (size_t)n, 0) != n) {
        /* A lock without the hint still protects the store. */
    }
    *fd = f;
    return 0;
}

void tc_dir_unlock(int fd)
{
    if (fd >= 0)
        close(fd);
}
