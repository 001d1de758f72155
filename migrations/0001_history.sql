-- 0001: the history of every workspace's template zip.
-- Contents are addressed by SHA-256: a file's bytes are stored once however many snapshots
-- hold them, and snapshots whose contents are equal share one tree.

-- Workspaces seen by sync or import. Names come from GET /workspaces; imports leave them NULL.
CREATE TABLE workspace (
    id        INTEGER PRIMARY KEY,   -- ImmPort's workspaceId
    name      TEXT,
    type      TEXT,
    category  TEXT
);

-- Each distinct file content, once. id is declared so that VACUUM never renumbers it
-- (the full-text index refers to it).
CREATE TABLE blob (
    id       INTEGER PRIMARY KEY,
    sha256   TEXT    NOT NULL UNIQUE,   -- lower-case hex
    size     INTEGER NOT NULL,
    content  BLOB    NOT NULL          -- written and read in chunks (incremental blob I/O)
);

-- A distinct set of (path, content): the contents of one zip, independent of entry order
-- and timestamps. sha256 is over the sorted "path NUL sha256 NUL" lines of its entries.
CREATE TABLE tree (
    id          INTEGER PRIMARY KEY,
    sha256      TEXT    NOT NULL UNIQUE,
    file_count  INTEGER NOT NULL,
    total_size  INTEGER NOT NULL
);

-- The entries of a tree: files, and folders that hold nothing (unzip still creates them).
CREATE TABLE tree_entry (
    tree_id      INTEGER NOT NULL REFERENCES tree(id),
    path         TEXT    NOT NULL,          -- exactly as stored in the zip; folders end in '/'
    blob_sha256  TEXT    REFERENCES blob(sha256),   -- NULL for folders
    size         INTEGER NOT NULL,
    PRIMARY KEY (tree_id, path)
) WITHOUT ROWID;
CREATE INDEX tree_entry_by_blob ON tree_entry(blob_sha256);

-- One row per fetch or import.
CREATE TABLE snapshot (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id    INTEGER NOT NULL REFERENCES workspace(id),
    fetched_at      TEXT    NOT NULL,   -- ISO 8601 UTC, fixed width: text order is time order
    origin          TEXT    NOT NULL,   -- 'sync <url>' or 'import <file name>'
    archive_sha256  TEXT    NOT NULL,   -- of the zip as received
    archive_size    INTEGER NOT NULL,
    tree_id         INTEGER NOT NULL REFERENCES tree(id)
);
CREATE INDEX snapshot_by_workspace ON snapshot(workspace_id, fetched_at, id);
CREATE INDEX snapshot_by_time ON snapshot(fetched_at);

-- Each snapshot with the one before it in the same workspace (by fetch time). Computed, not
-- stored, so that importing an older zip later keeps every "changed" flag right.
CREATE VIEW snapshot_sequence AS
SELECT s.*,
       LAG(s.id)      OVER w AS previous_id,
       LAG(s.tree_id) OVER w AS previous_tree_id,
       (LAG(s.tree_id) OVER w IS NULL OR LAG(s.tree_id) OVER w <> s.tree_id) AS changed
FROM snapshot s
WINDOW w AS (PARTITION BY s.workspace_id ORDER BY s.fetched_at, s.id);
