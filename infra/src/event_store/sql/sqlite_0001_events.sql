-- The embedded event log: the same tables as PostgreSQL's. SQLite has one
-- writer at a time, so transaction ids increase with commit order.
CREATE TABLE IF NOT EXISTS events (
    global_position INTEGER PRIMARY KEY AUTOINCREMENT,
    transaction_id  INTEGER NOT NULL,
    event_id        BLOB    NOT NULL UNIQUE,
    stream_type     TEXT    NOT NULL,
    stream_id       TEXT    NOT NULL,
    stream_version  INTEGER NOT NULL CHECK (stream_version > 0),
    event_type      TEXT    NOT NULL,
    schema_version  INTEGER NOT NULL CHECK (schema_version > 0),
    occurred_at     INTEGER NOT NULL, -- microseconds since the Unix epoch, UTC
    recorded_at     INTEGER NOT NULL,
    actor_id        TEXT    NOT NULL,
    actor_role      TEXT    NOT NULL,
    correlation_id  BLOB    NOT NULL,
    causation_id    BLOB,
    idempotency_key TEXT,
    payload         TEXT    NOT NULL CHECK (json_valid(payload)),
    UNIQUE (stream_type, stream_id, stream_version)
);
CREATE INDEX IF NOT EXISTS events_log_order ON events (transaction_id, global_position);

CREATE TABLE IF NOT EXISTS streams (
    stream_type TEXT    NOT NULL,
    stream_id   TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    PRIMARY KEY (stream_type, stream_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS idempotency_keys (
    key            TEXT PRIMARY KEY,
    stream_type    TEXT    NOT NULL,
    stream_id      TEXT    NOT NULL,
    first_version  INTEGER NOT NULL,
    last_version   INTEGER NOT NULL,
    first_position INTEGER NOT NULL,
    last_position  INTEGER NOT NULL,
    transaction_id INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are never updated or deleted; append a correcting event instead'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are never updated or deleted; append a correcting event instead'); END;
