-- 0004: ImmPort templates read as schemas. Parsed once per distinct content (blob), so a
-- snapshot's templates are those of the blobs in its tree, wherever they sit in the zip.

-- Every text blob examined; kind is 'definitions', 'text-template', 'lookups' or 'other'.
CREATE TABLE recognized_blob (
    blob_sha256  TEXT PRIMARY KEY REFERENCES blob(sha256),
    kind         TEXT NOT NULL
) WITHOUT ROWID;

-- A template from a definitions file (ordinal = its place in the array) or a .txt template.
CREATE TABLE template (
    id              INTEGER PRIMARY KEY,
    blob_sha256     TEXT    NOT NULL REFERENCES blob(sha256),
    ordinal         INTEGER NOT NULL,
    source          TEXT    NOT NULL CHECK (source IN ('definitions', 'text')),
    name            TEXT    NOT NULL,
    file_name       TEXT,            -- the definition's fileName; NULL for .txt templates
    schema_version  TEXT,
    template_type   TEXT,
    properties      TEXT    NOT NULL,   -- JSON object: the definition's other top-level keys
    UNIQUE (blob_sha256, ordinal)
);
CREATE INDEX template_by_name ON template(name);

-- The blocks of a template in order: the named blocks of a compound template (with their
-- other attributes, e.g. templateRequired), or the one unnamed block of any other.
CREATE TABLE template_block (
    template_id  INTEGER NOT NULL REFERENCES template(id),
    position     INTEGER NOT NULL,
    name         TEXT,               -- NULL outside compound templates
    attributes   TEXT    NOT NULL,   -- JSON object: the block's keys other than name and columns
    PRIMARY KEY (template_id, position)
) WITHOUT ROWID;

-- Columns in order, by block.
CREATE TABLE template_column (
    template_id     INTEGER NOT NULL REFERENCES template(id),
    block_position  INTEGER NOT NULL,   -- template_block.position
    position        INTEGER NOT NULL,
    name            TEXT    NOT NULL,   -- templateColumn: the header submitters see
    attributes      TEXT    NOT NULL,   -- JSON object: every other attribute the definition gives
    PRIMARY KEY (template_id, block_position, position)
) WITHOUT ROWID;

CREATE TABLE lookup_table (
    id           INTEGER PRIMARY KEY,
    blob_sha256  TEXT    NOT NULL REFERENCES blob(sha256),
    ordinal      INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    UNIQUE (blob_sha256, ordinal)
);

CREATE TABLE lookup_value (
    table_id     INTEGER NOT NULL REFERENCES lookup_table(id),
    position     INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    description  TEXT,
    link         TEXT,
    PRIMARY KEY (table_id, position)
) WITHOUT ROWID;
