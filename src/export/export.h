/* The static mirror: the public documents of one snapshot written to a folder as plain files
 * (with their .gz and .br variants), ready for nginx, Caddy or any object store, so the page
 * outlives the host that runs tocsin. A folder is never half-written: the files go to a new
 * folder beside it, which then takes the old one's place in one atomic exchange. After that
 * an optional command runs (the user's rsync or object-store sync), with a time limit.
 *
 * A job owns a copy of the snapshot's bytes, so the engine can hand it to a worker thread
 * and publish the snapshot itself at once; tc_export_run() does all the I/O and touches no
 * engine state. */
#ifndef TC_EXPORT_H
#define TC_EXPORT_H

#include <stddef.h>

#include "web/snapshot.h"

typedef struct tc_export_job tc_export_job_t;

/** A job that writes the public documents of @p snap (copied; the console's assets are left
 *  out) to @p dir and then runs @p command (NULL for none) through /bin/sh with
 *  TOCSIN_EXPORT_DIR set, killing it after @p timeout_ms. */
tc_export_job_t *tc_export_prepare(const tc_snapshot_t *snap, const char *dir,
                                   const char *command, long timeout_ms);

/** Do it (any thread). @return 0; TC_EIO when the folder could not be written (the old one
 *  is left as it was); TC_ECANCELED when the files are in place but the command failed or
 *  timed out. The reason is in @p err either way. */
int tc_export_run(tc_export_job_t *j, char *err, size_t errlen);

/** The number of documents written by the last tc_export_run(). */
size_t tc_export_count(const tc_export_job_t *j);

void tc_export_free(tc_export_job_t *j);

/** The file (relative to the folder) that holds document @p path: "/" -> "index.html",
 *  "/history" -> "history/index.html", "/api/v2/summary.json" -> itself without the slash.
 *  @return 0, or TC_EINVAL for a path that cannot be a file name ("..", empty segments). */
int tc_export_file_name(const char *path, char *out, size_t outlen);

#endif
