// What a Node script using the npm client statuspage.io (pinned in scripts/install-deps) reads
// from a status page: node statuspage_io_client.js CLIENTS_DIR BASE_URL prints one JSON object,
// each of the client's read calls with the data it returned or the error it threw.
'use strict';
const path = require('path');
const {Statuspage} = require(path.join(process.argv[2], 'node_modules', 'statuspage.io'));

// The client wants a Statuspage page id for its default host; setApiUrl() points it at ours.
const page = new Statuspage('tocsin');
page.setApiUrl(process.argv[3]);
const calls = {
    summary: () => page.api.getSummary(),
    status: () => page.api.getStatus(),
    components: () => page.api.getComponents(),
    incidents: () => page.api.incidents.getAll(),
    unresolved: () => page.api.incidents.getUnresolved(),
    maintenances_active: () => page.api.scheduledMaintenances.getActive(),
    maintenances_upcoming: () => page.api.scheduledMaintenances.getUpcoming(),
    maintenances_all: () => page.api.scheduledMaintenances.getAll(),
};

(async () => {
    const out = {};
    for (const [name, call] of Object.entries(calls)) {
        try {
            out[name] = {data: await call()};
        } catch (e) {
            out[name] = {error: e.message, status: e.response ? e.response.status : null};
        }
    }
    process.stdout.write(JSON.stringify(out));
})();
