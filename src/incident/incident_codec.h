/* The storage format of incidents: owned here, not by the public API. A stored incident is a
 * small JSON document {"v": 1, ...} with every time as integer milliseconds since the epoch
 * (UTC), component ids with the status the incident sets, and the updates oldest first. It
 * holds only what the engine needs to rebuild the incident: no component objects, no
 * formatted times, no page-zone text, so the public shape can change without touching the
 * store and saving never needs a view or a renderer.
 *
 * Version 0 is what tocsin stored before: the v1 write API's JSON (Statuspage's public shape
 * plus private fields, times in the page's zone). It is still read, so an old store loads;
 * the engine rewrites such rows in version 1 when it loads them.
 *
 * Ownership: tc_incident_encode() returns a malloc'd string the caller frees;
 * tc_incident_decode() returns a new incident freed with tc_incident_free(). */
#ifndef TC_INCIDENT_CODEC_H
#define TC_INCIDENT_CODEC_H

#include <stddef.h>

#include "incident/incident.h"

#define TC_INCIDENT_CODEC_VERSION 1 /* what tc_incident_encode() writes */

/** Encode @p i in the current storage format. Never fails (allocation aborts). */
char *tc_incident_encode(const tc_incident_t *i);

/** Decode a stored incident of any known version.
 *  @param version receives the version it was stored in (0 for the legacy JSON); may be NULL.
 *  @return 0 and *out, or TC_EINVAL with what is wrong in @p err (nothing allocated). */
int tc_incident_decode(const char *text, size_t len, tc_incident_t **out, int *version,
                       char *err, size_t errlen);

#endif
