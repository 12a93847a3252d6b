/* Time: a monotonic clock for intervals and timers, and wall-clock timestamps formatted in
 * the page's time zone for what users read. Wall-clock time only ever appears in stored
 * and displayed timestamps. */
#ifndef TC_CLOCK_H
#define TC_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/** Milliseconds since the Unix epoch. */
int64_t tc_clock_wall_ms(void);
/** Milliseconds on a monotonic clock with an arbitrary origin. */
int64_t tc_clock_mono_ms(void);

/** @return non-zero when @p name is an IANA zone installed in the system's tz database. */
int tc_clock_zone_exists(const char *name);

/** Make @p name the zone used by tc_clock_format_*(). Process-wide (it sets TZ): call it only
 *  from the engine thread, which is the only thread that formats local times. */
void tc_clock_use_zone(const char *name);

/** Format @p ms as RFC 3339 with milliseconds and the zone's offset ("Z" for UTC),
 *  e.g. 2024-11-14T13:08:00.000-08:00. An offset with seconds (historic local mean time),
 *  which RFC 3339 cannot write, gives the time in UTC instead, so parsing the text back
 *  always yields @p ms. @p out needs 30 bytes. */
void tc_clock_format_iso(int64_t ms, char *out, size_t outlen);

/** Wall ms of local midnight @p days_back days before the day holding @p ms, in the zone set
 *  with tc_clock_use_zone() (DST-aware: a day may last 23 or 25 hours). */
int64_t tc_clock_local_midnight(int64_t ms, int days_back);

/** Format @p ms with strftime(3) @p fmt in the current zone. */
void tc_clock_format_local(int64_t ms, const char *fmt, char *out, size_t outlen);

#endif
