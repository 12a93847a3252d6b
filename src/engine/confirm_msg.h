/* A confirmation's messages between nodes (engine/confirm.c, docs/DEPLOY.md): the leader's
 * question "run this monitor now" and each node's answer, as the link carries them (NOTIFY
 * payloads, JSON). Only the decoder is here, outside the engine's own header, because its
 * fuzz harness (tests/fuzz/fuzz_confirm.c) calls it: a payload is whatever reached the
 * database's channel, from any session that can NOTIFY. */
#ifndef TC_CONFIRM_MSG_H
#define TC_CONFIRM_MSG_H

#include <stdbool.h>
#include <stdint.h>

#include "status/status.h"

/* A question or an answer. */
typedef struct tc_confirm_msg {
    int64_t id;                 /* the question's, > 0 */
    char monitor[256];          /* the monitor's config id */
    char location[65];          /* answers: where the run was made */
    tc_monitor_state_t vote;    /* answers: up, degraded or down */
} tc_confirm_msg_t;

/** Read a question's or (with @p answer) an answer's @p payload into @p out. Pure.
 *  @return 0, or -1 when it is not one (not JSON, a field missing or of the wrong type, an
 *  id below 1, a string too long for @p out, a vote other than up, degraded or down). */
int tc_engine_confirm_decode(const char *payload, bool answer, tc_confirm_msg_t *out);

#endif
