/** `lakehouse --help` lines of `local slots` and `local status`. */
export const SLOT_USAGE_LINES = `  lakehouse local slots --source URL [--drop NAME|--drop-inactive]
                                                     list (and drop) the replication slots capture created
  lakehouse local status --raw DIR [--source URL]    phase, slot, confirmed position, lag and files of a raw zone`;

/** `lakehouse local slots|status --help`. */
export const SLOT_HELP: Record<string, string> = {
  'local slots': `Usage: lakehouse local slots --source URL [--drop NAME | --drop-inactive] [--json]

Lists the replication slots of the local lakehouse on the source's server: those named lakehouse_…
(capture's default) and those capture recorded under another --slot name. For each: the database,
whether a capture is streaming from it (active), the WAL the server keeps for it
(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)), and the raw directory it feeds, as capture
recorded it in the lakehouse state directory ($LAKEHOUSE_STATE_DIR, else $XDG_STATE_HOME/lakehouse,
else ~/.local/state/lakehouse): "(gone)" when that raw zone no longer exists, "(captured through
another slot)" when it was captured again. A slot keeps WAL on the server until it is dropped, so
the slot of an abandoned raw zone fills the disk and takes one of max_replication_slots.

Options:
  --source URL       postgres://user:password@host:5432/database (the user needs REPLICATION to drop)
  --drop NAME        drop that slot; an active slot (a capture is running) is refused
  --drop-inactive    drop every inactive lakehouse slot; active ones are left alone
  --json             print JSON instead of a table
  -h, --help         show this help

A dropped slot's raw zone cannot continue its change stream: capture it again into a new raw directory.

A mysql:// or mariadb:// source has no replication slots: slots says so and shows the server's binlogs
and their retention (nothing holds binlogs back for a stopped capture); status --source tells whether a
raw directory's stored binlog position is still on the server.`,
  'local status': `Usage: lakehouse local status --raw DIR [--source URL] [--json]

Where the capture into DIR stands, from the raw zone's capture state and files:
  phase       full load or CDC while a capture runs, stopped when none does (and what the next
              capture does: continue the change stream, or redo an unfinished full load)
  slot        the replication slot (with --source: active or not, WAL it keeps)
  confirmed   everything committed before this WAL position is in durable raw files
  lag         with --source: bytes (the server's current WAL position minus the confirmed one) and
              seconds (now minus the commit time of the newest change written; 0 when nothing is behind)
  tables      LOAD and CDC files and rows written per table

Options:
  --raw DIR      raw zone written by \`lakehouse local capture\`
  --source URL   the captured source, to add the lag and the slot's state (MySQL/MariaDB: the binlog
                 line instead of the slot: stored position and GTID, whether the server still has it;
                 lag in binlog bytes, summed across files)
  --json         print JSON instead of text
  -h, --help     show this help`,
};
