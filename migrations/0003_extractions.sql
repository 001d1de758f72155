-- 0003: what `extract` wrote where, so that re-extracting can update its own files and
-- leave everyone else's alone.
CREATE TABLE extraction (
    directory     TEXT    PRIMARY KEY,   -- absolute path of the target folder
    workspace_id  INTEGER NOT NULL,
    snapshot_id   INTEGER NOT NULL REFERENCES snapshot(id),
    extracted_at  TEXT    NOT NULL
);

-- Recorded before the folder is swapped in and pruned after, so that a crash in between
-- leaves both the old and the new bytes of a path known as the tool's own.
CREATE TABLE extracted_file (
    directory  TEXT NOT NULL,
    path       TEXT NOT NULL,   -- relative to directory, as stored in the zip
    sha256     TEXT NOT NULL,   -- bytes written there, to tell whether someone edited them since
    PRIMARY KEY (directory, path, sha256)
) WITHOUT ROWID;
