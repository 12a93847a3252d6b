/* Probe self-health: when most of a node's monitors fail at once, is it the targets or the
 * node's own network? A node whose uplink is cut sees every target fail; paging everyone
 * about every service then is worse than useless. The node asks itself first: its resolver
 * and the targets of `self_check:` (by default its own gateway). When those fail too, the
 * node declares its vantage impaired: its runs measure its own network, so they are shown
 * but not counted, and no alert or automatic incident can come of them.
 *
 * The decision, step by step (tc_vantage_step()):
 * - HEALTHY while fewer than `min_failing` monitors, or less than `failing_ratio` of those
 *   with a say, failed their latest run;
 * - once most fail together (an "episode" begins), CHECKING until a self-check round that
 *   started during the episode has finished: runs wait (they are not counted), and a round
 *   is asked for;
 * - then IMPAIRED when that round failed, HEALTHY when it passed or found no evidence (the
 *   targets' failures are real, and count from then on);
 * - later rounds move it between HEALTHY and IMPAIRED the same way while the episode lasts;
 *   the episode ends, and the node is HEALTHY, as soon as most monitors no longer fail.
 *
 * Pure: no I/O, no clock (times come in), no allocation, no tocsin header. The engine
 * (engine/vantage.c) runs the self-check rounds and feeds the figures in. */
#ifndef TC_VANTAGE_H
#define TC_VANTAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    TC_VANTAGE_HEALTHY,  /* runs count as usual */
    TC_VANTAGE_CHECKING, /* most monitors fail at once; a self-check decides: runs wait */
    TC_VANTAGE_IMPAIRED, /* most monitors fail and so did the node's own check: runs held */
} tc_vantage_state_t;

/* One part of a self-check round, as judged. */
typedef struct tc_self_part {
    bool resolver; /* the node's resolver; otherwise a target */
    bool passed;   /* it answered */
    bool trusted;  /* its failure is evidence: configured explicitly, or a default (the
                      gateway, the system's resolver) that has passed since the start. A
                      default that never answered is a guess that does not fit this network
                      (a gateway that drops unexpected connections) and must not hold
                      alerts. */
} tc_self_part_t;

/* What a self-check round found. */
typedef enum {
    TC_SELF_PASSED,      /* the node reaches what it should: the failures are the targets' */
    TC_SELF_FAILED,      /* a trusted resolver failed, or every trusted target did */
    TC_SELF_NO_EVIDENCE, /* nothing trusted was checked: the vantage cannot be blamed */
} tc_self_verdict_t;

/* The decision's state. Zeroed: HEALTHY, no episode. */
typedef struct tc_vantage {
    tc_vantage_state_t state;
    bool episode;        /* most monitors are failing together */
    int64_t episode_at;  /* monotonic ms the episode began */
    int64_t since;       /* monotonic ms the state began (0: the start) */
} tc_vantage_t;

/* What one step looks at. */
typedef struct tc_vantage_in {
    int64_t now;              /* monotonic ms */
    bool most_failing;        /* tc_vantage_most_failing() of the monitors' latest runs */
    bool check_running;       /* a self-check round is in flight */
    bool checked;             /* a round has finished since the start */
    int64_t check_started;    /* monotonic ms the last finished round started */
    tc_self_verdict_t check;  /* what it found */
} tc_vantage_in_t;

typedef struct tc_vantage_out {
    bool changed;     /* the state is not the one before the step */
    bool start_check; /* start a self-check round now (none is running, none fresh enough) */
} tc_vantage_out_t;

/** The self-check's verdict from its @p n parts: only trusted parts count. FAILED when a
 *  trusted resolver failed or when every trusted target failed (one target answering shows
 *  the node is on the network); NO_EVIDENCE when no part is trusted; PASSED otherwise. */
tc_self_verdict_t tc_vantage_self_verdict(const tc_self_part_t *parts, size_t n);

/** Did a resolver that answered with @p rcode ("NOERROR", "SERVFAIL", ...; "" for no
 *  answer) resolve? An address or "no such name" is an answer; SERVFAIL, REFUSED and the
 *  rest say the resolver cannot resolve for this node. */
bool tc_vantage_resolver_answered(const char *rcode);

/** Are most monitors failing: at least @p min_failing of them, and at least @p ratio of the
 *  @p voting monitors (those whose latest run had a say)? */
bool tc_vantage_most_failing(size_t failing, size_t voting, size_t min_failing, double ratio);

/** Take one step with the facts in @p in (see the file comment for the rules).
 *  @return whether the state changed and whether to start a self-check round. */
tc_vantage_out_t tc_vantage_step(tc_vantage_t *v, const tc_vantage_in_t *in);

/** @return "healthy", "checking" or "impaired". */
const char *tc_vantage_state_name(tc_vantage_state_t s);

#endif
