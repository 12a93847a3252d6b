/* Time: a monotonic clock for intervals and timers, and wall-clock timestamps formatted in
 * the page's time zone for what users read. Wall-clock time only ever appears in stored
 * and displayed timestamps.
 *
 * A time zone is a tc_zone_t: the zone's UTC offsets and abbreviations, loaded once per
 * config generation with tc_zone_load() and read-only afterwards. Formatting takes the zone
 * as an argument and touches no process-wide state, so any thread may format in any number
 * of zones at once. Only tc_zone_load() sets TZ (see its comment); nothing else does. */
#ifndef TC_CLOCK_H
#define TC_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* An IANA time zone's offsets, opaque. Immutable once loaded; owned by whoever loaded it
 * (the engine keeps one per config generation). NULL stands for UTC everywhere. */
typedef struct tc_zone tc_zone_t;

/** Milliseconds since the Unix epoch. */
int64_t tc_clock_wall_ms(void);
/** Milliseconds on a monotonic clock with an arbitrary origin. */
int64_t tc_clock_mono_ms(void);
/** Microseconds on the same clock, for bounding and measuring short pieces of work. */
int64_t tc_clock_mono_us(void);

/** @return non-zero when @p name is an IANA zone installed in the system's tz database. */
int tc_clock_zone_exists(const char *name);

/** Load the zone @p name (an IANA name that tc_clock_zone_exists() accepts).
 *
 *  The offsets are read from the C library, the same source local times always came from:
 *  TZ is set to @p name while its transitions between 1800 and 2200 are found, then left
 *  set to "UTC". Call it from one thread at a time (the engine's before other threads start,
 *  a reload's worker, or a command's only thread): no other thread may call localtime(). Before 1800 the zone's first offset (local mean time) holds,
 *  after 2200 its last one. Takes ~35 ms.
 *  @param out   the new zone, to free with tc_zone_free().
 *  @return 0, or TC_EINVAL with the reason in @p err. */
int tc_zone_load(const char *name, tc_zone_t **out, char *err, size_t errlen);

/** Free a zone from tc_zone_load(); NULL is ignored. */
void tc_zone_free(tc_zone_t *z);

/** @return the IANA name the zone was loaded from ("UTC" for NULL). */
const char *tc_zone_name(const tc_zone_t *z);

/** @return the zone's offset from UTC in seconds at @p ms (east positive). */
long tc_zone_offset(const tc_zone_t *z, int64_t ms);

/** Format @p ms as RFC 3339 with milliseconds and @p z's offset ("Z" for UTC),
 *  e.g. 2024-11-14T13:08:00.000-08:00. An offset with seconds (historic local mean time),
 *  which RFC 3339 cannot write, gives the time in UTC instead, so parsing the text back
 *  always yields @p ms. @p out needs 30 bytes. */
void tc_clock_format_iso(const tc_zone_t *z, int64_t ms, char *out, size_t outlen);

/** Wall ms of local midnight in @p z, @p days_back days before the day holding @p ms
 *  (DST-aware: a day may last 23 or 25 hours). A midnight that a change of offset skips
 *  gives the first instant of that day; one that happens twice gives the first. */
int64_t tc_clock_local_midnight(const tc_zone_t *z, int64_t ms, int days_back);

/** Wall ms of the first local midnight of the month @p months_back months before the month
 *  holding @p ms in @p z (0: this month, 1: last month, -1: next month), with the DST rules of
 *  tc_clock_local_midnight(). */
int64_t tc_clock_local_month_start(const tc_zone_t *z, int64_t ms, int months_back);

/** @return non-zero when @p year-@p month-@p day is a day of the Gregorian calendar (month
 *  1-12, day within that month: 29 February only in leap years). Parsers of dates people
 *  or clients type check with it, since 31 February would otherwise land in March. */
int tc_clock_date_exists(int year, int month, int day);

/** Wall ms of local time @p year-@p month-@p day @p hour:@p minute in @p z (the earliest
 *  instant when that local time happens twice; the end of the gap when a change of offset
 *  skips it). Fields are not range-checked: callers check what people typed. */
int64_t tc_clock_from_local(const tc_zone_t *z, int year, int month, int day, int hour,
                            int minute);

/** The local day of the week of @p ms in @p z: 0 Sunday ... 6 Saturday. */
int tc_clock_local_weekday(const tc_zone_t *z, int64_t ms);

/** Format @p ms with strftime(3) @p fmt in @p z (%Z is the zone's abbreviation then, %z its
 *  offset). @p out is empty when the result does not fit. */
void tc_clock_format_local(const tc_zone_t *z, int64_t ms, const char *fmt, char *out,
                           size_t outlen);

#endif
