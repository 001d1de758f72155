-- 0003: what `extract` wrote where, so that re-extracting can update its own files and
-- leave everyone else's alone.
CREATE TABLE extraction (
    directory     TEXT    PRIMARY KEY,   -- absolute path of the target folder
    workspace_id  INTEGER NOT NULL,
    snapshot_id   INTEGER NOT NULL REFERENCES snapshot(id),
    extracted_at  TEXT    NOT NULL
);

CREATE TABLE extracted_file (
    directory  TEXT NOT NULL REFERENCES extraction(directory) ON DELETE CASCADE,
    path       TEXT NOT NULL,   -- relative to directory, as stored in the zip
    sha256     TEXT NOT NULL,   -- the bytes written, to tell whether someone edited them since
    PRIMARY KEY (directory, path)
) WITHOUT ROWID;
