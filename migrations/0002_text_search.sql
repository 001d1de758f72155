-- 0002: which contents are text, and a full-text index over them.

-- 1 when the bytes hold no NUL (shown as text by diff --patch and indexed for search).
ALTER TABLE blob ADD COLUMN is_text INTEGER NOT NULL DEFAULT 0;
UPDATE blob SET is_text = (instr(content, x'00') = 0);

-- FTS5 over text contents, reading them from blob (external content: nothing stored twice).
-- Each distinct content is indexed once, however many snapshots hold it.
CREATE VIRTUAL TABLE blob_text USING fts5(
    content,
    content = 'blob',
    content_rowid = 'id',
    tokenize = 'unicode61'
);
INSERT INTO blob_text (rowid, content) SELECT id, content FROM blob WHERE is_text;
