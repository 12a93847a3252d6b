/* libFuzzer driver for a confirmation's messages between nodes (engine/confirm_msg.h): the
 * NOTIFY payloads any session on the database could send. The first byte picks question or
 * answer, the rest is the payload as a NUL-terminated string of exactly its length. A
 * payload that decodes must give what the engine relies on: an id above 0, strings that fit
 * their buffers, and a vote of up, degraded or down.
 *
 * Run: build-fuzz/fuzz_confirm tests/fuzz/corpus/confirm */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "engine/confirm_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool answer = data[0] & 1;
    char *payload = tc_strndup((const char *)data + 1, size - 1);
    tc_confirm_msg_t m;
    if (tc_engine_confirm_decode(payload, answer, &m) == 0) {
        if (m.id < 1 || strnlen(m.monitor, sizeof m.monitor) == sizeof m.monitor ||
            strnlen(m.location, sizeof m.location) == sizeof m.location)
            abort();
        if (m.vote != TC_MONITOR_UP && m.vote != TC_MONITOR_DEGRADED &&
            m.vote != TC_MONITOR_DOWN)
            abort();
    }
    free(payload);
    return 0;
}
