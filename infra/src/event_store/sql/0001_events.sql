-- The event log. Events are never updated or deleted (see the triggers).
-- transaction_id + global_position order the log gap-safely: readers only see
-- transactions older than the oldest one still running (pg_snapshot_xmin).
CREATE TABLE events (
    global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id  bigint      NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    event_id        uuid        NOT NULL UNIQUE,
    stream_type     text        NOT NULL,
    stream_id       text        NOT NULL,
    stream_version  bigint      NOT NULL CHECK (stream_version > 0),
    event_type      text        NOT NULL,
    schema_version  integer     NOT NULL CHECK (schema_version > 0),
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    actor_id        text        NOT NULL,
    actor_role      text        NOT NULL,
    correlation_id  uuid        NOT NULL,
    causation_id    uuid,
    idempotency_key text,
    payload         jsonb       NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
    UNIQUE (stream_type, stream_id, stream_version)
);
CREATE INDEX events_log_order ON events (transaction_id, global_position);

-- The current version of each stream: the row lock serialises writers of one stream.
CREATE TABLE streams (
    stream_type text   NOT NULL,
    stream_id   text   NOT NULL,
    version     bigint NOT NULL,
    PRIMARY KEY (stream_type, stream_id)
);

-- The first result of every append that carried an idempotency key.
CREATE TABLE idempotency_keys (
    key            text PRIMARY KEY,
    stream_type    text   NOT NULL,
    stream_id      text   NOT NULL,
    first_version  bigint,
    last_version   bigint,
    first_position bigint,
    last_position  bigint,
    transaction_id bigint,
    recorded_at    timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION events_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are never updated or deleted; append a correcting event instead'
        USING ERRCODE = 'ES403';
END $$;
CREATE TRIGGER events_no_update_delete BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_are_immutable();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_are_immutable();

-- Appends a batch in one round trip. p_expected: -1 any, 0 no stream, n exact.
-- Raises SQLSTATE ES409 on a wrong expected version and ES422 when the
-- idempotency key belongs to another stream; returns the first result again
-- (deduplicated = true) when the key was used for this stream.
CREATE FUNCTION append_events(
    p_stream_type text, p_stream_id text, p_expected bigint,
    p_event_ids uuid[], p_event_types text[], p_schema_versions integer[],
    p_occurred_at timestamptz[], p_payloads jsonb[],
    p_actor_id text, p_actor_role text, p_correlation_id uuid, p_causation_id uuid,
    p_idempotency_key text)
RETURNS TABLE (first_version bigint, last_version bigint, first_position bigint,
               last_position bigint, transaction_id bigint, deduplicated boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    n       bigint := cardinality(p_event_ids);
    v_last  bigint;
    k       idempotency_keys%ROWTYPE;
    p_first bigint;
    p_last  bigint;
    tx      bigint;
BEGIN
    IF p_idempotency_key IS NOT NULL THEN
        INSERT INTO idempotency_keys (key, stream_type, stream_id)
        VALUES (p_idempotency_key, p_stream_type, p_stream_id)
        ON CONFLICT (key) DO NOTHING;
        IF NOT FOUND THEN
            SELECT * INTO k FROM idempotency_keys i WHERE i.key = p_idempotency_key;
            IF k.stream_type <> p_stream_type OR k.stream_id <> p_stream_id THEN
                RAISE EXCEPTION 'idempotency key used for another stream'
                    USING ERRCODE = 'ES422', DETAIL = k.stream_type || '/' || k.stream_id;
            END IF;
            RETURN QUERY SELECT k.first_version, k.last_version, k.first_position,
                                k.last_position, k.transaction_id, true;
            RETURN;
        END IF;
    END IF;

    IF p_expected = -1 THEN
        INSERT INTO streams AS s (stream_type, stream_id, version)
        VALUES (p_stream_type, p_stream_id, n)
        ON CONFLICT (stream_type, stream_id) DO UPDATE SET version = s.version + n
        RETURNING s.version INTO v_last;
    ELSIF p_expected = 0 THEN
        INSERT INTO streams (stream_type, stream_id, version)
        VALUES (p_stream_type, p_stream_id, n)
        ON CONFLICT (stream_type, stream_id) DO NOTHING
        RETURNING version INTO v_last;
    ELSE
        UPDATE streams s SET version = s.version + n
        WHERE s.stream_type = p_stream_type AND s.stream_id = p_stream_id
          AND s.version = p_expected
        RETURNING s.version INTO v_last;
    END IF;
    IF v_last IS NULL THEN
        RAISE EXCEPTION 'wrong expected version' USING ERRCODE = 'ES409';
    END IF;

    WITH ins AS (
        INSERT INTO events (event_id, stream_type, stream_id, stream_version, event_type,
                            schema_version, occurred_at, actor_id, actor_role, correlation_id,
                            causation_id, idempotency_key, payload)
        SELECT e.id, p_stream_type, p_stream_id, v_last - n + e.ord, e.typ, e.ver, e.at,
               p_actor_id, p_actor_role, p_correlation_id, p_causation_id, p_idempotency_key,
               e.payload
        FROM unnest(p_event_ids, p_event_types, p_schema_versions, p_occurred_at, p_payloads)
             WITH ORDINALITY AS e(id, typ, ver, at, payload, ord)
        ORDER BY e.ord
        RETURNING events.global_position, events.transaction_id
    )
    SELECT min(ins.global_position), max(ins.global_position), min(ins.transaction_id)
    INTO p_first, p_last, tx
    FROM ins;

    IF p_idempotency_key IS NOT NULL THEN
        UPDATE idempotency_keys i
        SET first_version = v_last - n + 1, last_version = v_last,
            first_position = p_first, last_position = p_last, transaction_id = tx
        WHERE i.key = p_idempotency_key;
    END IF;

    RETURN QUERY SELECT v_last - n + 1, v_last, p_first, p_last, tx, false;
END $$;
