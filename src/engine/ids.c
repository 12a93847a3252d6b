/* The engine's ids: incidents, updates, subscribers and outbox events all get a fresh
 * 12-character lowercase base-36 code from 96 random bits (libsodium), the shape Statuspage
 * ids have. Calls no other engine file. */
#include "core/secret.h"
#include "engine/engine_int.h"
#include "incident/incident.h"

void tc_engine__new_id(char out[13])
{
    unsigned char raw[12];
    tc_secret_random(raw, sizeof raw);
    tc_incident_make_id(raw, out);
}
