-- 0005: documentation series, a materialized sequence, stored comparisons, deferred search.
--
-- Costs grow with changes, not with fetches: an unchanged fetch adds one short snapshot row
-- (its zip and origin are shared rows), `changed` reads an index of changes, and template
-- comparisons are computed once per pair of trees.

-- Each distinct zip as received, once: an unchanged fetch of the same bytes reuses it, and a
-- re-import of a known zip is recognized from its SHA-256 without inflating it.
CREATE TABLE archive (
    id       INTEGER PRIMARY KEY,
    sha256   TEXT    NOT NULL UNIQUE,
    size     INTEGER NOT NULL,
    tree_id  INTEGER NOT NULL REFERENCES tree(id)
);

-- Where snapshots came from ('sync <url>' or 'import <file name>'), once each.
CREATE TABLE origin (
    id    INTEGER PRIMARY KEY,
    text  TEXT NOT NULL UNIQUE
);

INSERT INTO origin (text) SELECT DISTINCT origin FROM snapshot;
INSERT INTO archive (sha256, size, tree_id)
    SELECT archive_sha256, archive_size, min(tree_id) FROM snapshot GROUP BY archive_sha256;

-- One row per fetch or import. previous_id and changed are kept up to date on every insert
-- and removal (by fetch time within the series), so that reading them costs nothing.
CREATE TABLE snapshot_v5 (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id  INTEGER NOT NULL REFERENCES workspace(id),
    api           TEXT    NOT NULL DEFAULT 'upload' CHECK (api IN ('upload', 'batch-updater')),
    fetched_at    INTEGER NOT NULL,   -- milliseconds since 1970, UTC
    origin_id     INTEGER NOT NULL REFERENCES origin(id),
    archive_id    INTEGER NOT NULL REFERENCES archive(id),
    tree_id       INTEGER NOT NULL REFERENCES tree(id),
    previous_id   INTEGER,            -- the series' snapshot before this one
    changed       INTEGER NOT NULL    -- 1 when the tree differs from previous_id's (or there is none)
);

INSERT INTO snapshot_v5 (id, workspace_id, api, fetched_at, origin_id, archive_id, tree_id, previous_id, changed)
SELECT s.id, s.workspace_id, 'upload',
       CAST(strftime('%s', substr(s.fetched_at, 1, 19)) AS INTEGER) * 1000
           + CAST(coalesce(nullif(substr(s.fetched_at, 21, 3), ''), '0') AS INTEGER),
       o.id, a.id, s.tree_id,
       LAG(s.id) OVER w,
       (LAG(s.tree_id) OVER w IS NULL OR LAG(s.tree_id) OVER w <> s.tree_id)
FROM snapshot s
JOIN origin o ON o.text = s.origin
JOIN archive a ON a.sha256 = s.archive_sha256
WINDOW w AS (PARTITION BY s.workspace_id ORDER BY s.fetched_at, s.id);

-- Keep AUTOINCREMENT's high-water mark: numbers are never reused.
DELETE FROM sqlite_sequence WHERE name = 'snapshot_v5';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'snapshot_v5', max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'snapshot'), 0),
                              coalesce((SELECT max(id) FROM snapshot), 0));

DROP VIEW snapshot_sequence;
-- extraction refers to snapshot: its rows are kept aside and put back below.
CREATE TEMP TABLE extraction_kept AS SELECT * FROM extraction;
DROP TABLE extraction;
DROP TABLE snapshot;
ALTER TABLE snapshot_v5 RENAME TO snapshot;

CREATE INDEX snapshot_by_series ON snapshot(workspace_id, api, fetched_at, id);
CREATE INDEX snapshot_by_tree ON snapshot(tree_id);
CREATE INDEX snapshot_by_archive ON snapshot(archive_id);
CREATE INDEX snapshot_changes ON snapshot(fetched_at) WHERE changed AND previous_id IS NOT NULL;

CREATE TABLE extraction (
    directory     TEXT    PRIMARY KEY,   -- absolute path of the target folder
    workspace_id  INTEGER NOT NULL,
    snapshot_id   INTEGER NOT NULL,      -- may since have been forgotten
    extracted_at  TEXT    NOT NULL
);
INSERT INTO extraction SELECT directory, workspace_id, snapshot_id, extracted_at FROM extraction_kept;
DROP TABLE extraction_kept;

-- Folders `extract` created itself (it may update them; it never replaces anyone else's),
-- with the folder's identity (device:inode), so that another folder of the same name later is
-- not taken for it. Earlier extractions made (or replaced) their folders whole: they count as
-- created, with no identity recorded.
CREATE TABLE extraction_folder (
    directory   TEXT PRIMARY KEY,
    created_at  TEXT NOT NULL,
    identity    TEXT
) WITHOUT ROWID;
INSERT INTO extraction_folder (directory, created_at) SELECT directory, extracted_at FROM extraction;

-- The comparison of two trees, computed once: file counts, template counts for
-- `changed --templates`, and the whole typed comparison as JSON for `diff`.
CREATE TABLE tree_comparison (
    from_tree_id        INTEGER NOT NULL REFERENCES tree(id),
    to_tree_id          INTEGER NOT NULL REFERENCES tree(id),
    files_added         INTEGER NOT NULL,
    files_removed       INTEGER NOT NULL,
    files_modified      INTEGER NOT NULL,
    files_renamed       INTEGER NOT NULL,
    templates_added     INTEGER NOT NULL,
    templates_removed   INTEGER NOT NULL,
    templates_modified  INTEGER NOT NULL,
    templates_renamed   INTEGER NOT NULL,
    lookups_changed     INTEGER NOT NULL,
    breaking            INTEGER NOT NULL,
    version_moves       TEXT    NOT NULL,   -- JSON [{from, to, templates}]
    detail              TEXT    NOT NULL,   -- JSON of the typed comparison
    PRIMARY KEY (from_tree_id, to_tree_id)
) WITHOUT ROWID;
CREATE INDEX tree_comparison_to ON tree_comparison(to_tree_id);

-- Text blobs not yet in the full-text index: search indexes them first (indexing inline
-- would dominate an import's time).
CREATE TABLE search_backlog (
    blob_id  INTEGER PRIMARY KEY REFERENCES blob(id)
);

-- Imports in progress and the blobs each has stored but not yet referenced from a tree, so
-- that a clean-up running meanwhile leaves them alone. A crashed import's rows are removed
-- (and its blobs collected) once its process is gone.
CREATE TABLE ingest (
    id          TEXT    PRIMARY KEY,
    host        TEXT    NOT NULL,
    pid         INTEGER NOT NULL,
    started_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE ingest_claim (
    ingest_id    TEXT NOT NULL REFERENCES ingest(id),
    blob_sha256  TEXT NOT NULL,
    PRIMARY KEY (ingest_id, blob_sha256)
) WITHOUT ROWID;
CREATE INDEX ingest_claim_by_blob ON ingest_claim(blob_sha256);
