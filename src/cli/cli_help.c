/* Help texts for every command, kept in one table so `tocsin help X` and the usage errors
 * always agree. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const struct {
    const char *name;
    const char *text;
} commands[] = {
    {"serve",
     "usage: tocsin serve [-c FILE] [--listen HOST:PORT] [--data DIR] [--node NAME]\n"
     "                    [--location PLACE] [--log-level LEVEL]\n"
     "\n"
     "Run the daemon: serve the status page and APIs from FILE (default tocsin.yaml).\n"
     "  -c, --config FILE     configuration file (YAML)\n"
     "  --listen HOST:PORT    listen address, overriding server.listen\n"
     "  --data DIR            data folder, overriding storage.path\n"
     "  --node NAME           this node's name among several, overriding node.name\n"
     "  --location PLACE      where it probes from, overriding node.location\n"
     "  --log-level LEVEL     debug, info (default), warn or error\n"
     "Signals: SIGHUP reloads FILE (a bad file is reported and the running config stays);\n"
     "SIGTERM and SIGINT stop cleanly.\n"},
    {"check-config",
     "usage: tocsin check-config -c FILE\n"
     "\n"
     "Validate FILE and print every error as FILE:LINE:COL: what is wrong.\n"
     "Exit code 0 when the file is valid, 2 when it is not.\n"},
    {"probe",
     "usage: tocsin probe [-c FILE] [--runs N] MONITOR_ID\n"
     "\n"
     "Run one monitor once and print what it measured: connection, status, each phase's\n"
     "timing, certificate expiry, each condition with its actual value and PASS/FAIL, and\n"
     "the verdict, then the window: the share of runs that failed and the response-time\n"
     "percentiles. A failed run is re-checked when the monitor sets retries.\n"
     "  --runs N   run it N times in a row (1 to 1000) and show what the daemon would make\n"
     "             of them: failure share, [RESPONSE_TIME_P95] and the others over the\n"
     "             runs so far, flapping, and the state (failure window and thresholds)\n"
     "Exit code 0 up (or pending), 1 down, 3 degraded (or flapping), 2 usage or config\n"
     "error; with --runs, by the state the runs add up to.\n"},
    {"apikey",
     "usage: tocsin apikey [-c FILE] [--data DIR] create --name NAME\n"
     "       tocsin apikey [-c FILE] [--data DIR] list\n"
     "       tocsin apikey [-c FILE] [--data DIR] revoke ID\n"
     "\n"
     "Manage the keys of the write API (/v1/pages/PAGE_ID/...). create prints the new key on\n"
     "stdout once; only its hash is stored. Send it as 'Authorization: OAuth KEY' (or\n"
     "'Bearer KEY'). Works while the daemon runs.\n"},
    {"user",
     "usage: tocsin user [-c FILE] [--data DIR] add NAME [--role admin|editor]\n"
     "       tocsin user [-c FILE] [--data DIR] list\n"
     "       tocsin user [-c FILE] [--data DIR] remove NAME\n"
     "       tocsin user [-c FILE] [--data DIR] passwd NAME\n"
     "\n"
     "Manage the people who may log in to the console at /admin/. add and passwd read the\n"
     "password (8 or more characters) from a prompt, or the first line of stdin; only its\n"
     "Argon2id hash is stored. Editors run incidents, maintenance, components and\n"
     "subscribers; admins also manage API keys and users (role defaults to editor).\n"
     "remove and passwd end the user's sessions. Works while the daemon runs.\n"},
    {"report",
     "usage: tocsin report [-c FILE] [--data DIR] coverage [--since 90d]\n"
     "\n"
     "What the probes missed: for every incident a person opened in the period, whether a\n"
     "monitor feeding its components failed first (within an hour before it began, and how\n"
     "long before), only after it began, or not at all; and which components no monitor\n"
     "feeds. Times in the page's zone. Works while the daemon runs.\n"},
    {"export",
     "usage: tocsin export [-c FILE] [--data DIR] FOLDER\n"
     "\n"
     "Write the page as the store has it to FOLDER as static files: every page, JSON\n"
     "document, feed and badge, with .gz and .br variants, plus tocsin-mirror.nginx.conf and\n"
     "tocsin-mirror.Caddyfile to serve them. The folder is replaced in one atomic step. Not\n"
     "while a daemon runs on the data folder: configure export: {dir: FOLDER, command: ...}\n"
     "and the daemon refreshes the mirror after every change. Exit 0 done, 1 failure.\n"},
    {"backup",
     "usage: tocsin backup [-c FILE] [--data DIR] BACKUP.db\n"
     "\n"
     "Write a consistent copy of the store to BACKUP.db (a new file; never over an existing\n"
     "one) while the daemon runs: SQLite's online backup, so writes carry on and the copy is\n"
     "one point in time. The copy is checked before the command returns. Exit 0 done, 1 on\n"
     "failure. For a PostgreSQL store, use pg_dump.\n"},
    {"restore",
     "usage: tocsin restore [-c FILE] [--data DIR] BACKUP.db\n"
     "\n"
     "Put a backup into an empty data folder (no store, no daemon running on it), after\n"
     "checking that it is a sound tocsin store this version can read. Start tocsin on the\n"
     "folder afterwards. Exit 0 done, 2 when the backup or the folder will not do.\n"},
    {"migrate",
     "usage: tocsin migrate --from DATA_DIR --to DSN\n"
     "\n"
     "Copy the SQLite store in DATA_DIR (incidents, status history, results and rollups,\n"
     "API keys, subscribers, the outbox, console users, sessions and audit log, recurring\n"
     "maintenance, settings) into the empty PostgreSQL database DSN names (a libpq\n"
     "connection string; keep the password in PGPASSWORD or ~/.pgpass, not on the command\n"
     "line). One transaction: on any failure nothing is copied. A database that already\n"
     "holds rows is refused. Stop the daemon first. Exit 0 done, 1 failure, 2 refused.\n"},
    {"import",
     "usage: tocsin import [-c FILE] [--data DIR] [--shift-to-now] statuspage HISTORY.json\n"
     "\n"
     "Import incidents, their updates and maintenances from a Statuspage v2 incidents.json\n"
     "(or scheduled-maintenances.json, or a list of incident objects) with their original\n"
     "ids and times. Importing the same file again changes nothing. A running daemon shows\n"
     "the import after SIGHUP. --shift-to-now moves every time by whole weeks so that the\n"
     "latest is within the last seven days (for demo pages; importing again moves it again).\n"},
    {"help", "usage: tocsin help [COMMAND]\n\nShow help for COMMAND, or list the commands.\n"},
};

int tc_cli_help(const char *command)
{
    if (!command) {
        printf("usage: tocsin COMMAND [OPTIONS]\n"
               "\n"
               "tocsin serves a status page and the Statuspage v2 API from a YAML config.\n"
               "\n"
               "Commands:\n"
               "  serve          run the daemon\n"
               "  check-config   validate a configuration file\n"
               "  probe          run one monitor once and explain its verdict\n"
               "  apikey         create, list and revoke write-API keys\n"
               "  user           add, list and remove console users; set passwords\n"
               "  report         what the probes missed (coverage of incidents)\n"
               "  export         write the page as static files (a mirror)\n"
               "  backup         copy the running store to a file\n"
               "  restore        put a backup into an empty data folder\n"
               "  migrate        copy a SQLite store into PostgreSQL\n"
               "  import         import a Statuspage incident history\n"
               "  help           show help for a command\n"
               "\n"
               "Options:\n"
               "  --version      print the version\n"
               "\n"
               "Exit codes: 0 ok, 1 runtime failure, 2 usage or config error.\n");
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(commands[i].name, command) == 0) {
            fputs(commands[i].text, stdout);
            return 0;
        }
    }
    fprintf(stderr, "tocsin: unknown command \"%s\"; see 'tocsin help'\n", command);
    return 2;
}

int tc_cli_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "tocsin %s: ", command);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nsee 'tocsin help %s'\n", command);
    return 2;
}
