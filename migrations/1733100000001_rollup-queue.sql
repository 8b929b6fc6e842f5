-- Up Migration
-- Rollups folded apart from the summary (docs/design/reading-rollups.md). Migration 1733100000000
-- upserted them inside the summary fold's transaction, which made summary folds about 4 times
-- slower (a 1.5-million-reading backlog no longer caught up within 300 s at a 1 s statement
-- timeout). Now the summary fold only queues what it takes (and counts ingest); the rollup fold
-- (fold_rollup_deltas_chunk(), one chunk between summary rounds) upserts the queue into the
-- rollups. Exactly once still: each step moves the deltas in one transaction, so a reading's delta
-- is in exactly one of sensor_summary_deltas, rollup_deltas or the rollups at any time.

-- Deltas the summary fold has taken, waiting for the rollup fold: the summary's fold only moves
-- them here (and counts ingest), so it keeps its pace; fold_rollup_deltas_chunk() then upserts
-- them into the rollups, in chunks of its own. A reading's delta is in exactly one of
-- sensor_summary_deltas, rollup_deltas or the rollups at any time, which reads rely on.
CREATE TABLE rollup_deltas (
  id             int8          GENERATED ALWAYS AS IDENTITY,
  n_pairs        int4          NOT NULL,
  sensor_ids     int4[]        NOT NULL,
  variables      text[]        NOT NULL,
  reading_counts int8[]        NOT NULL,
  first_seen     timestamptz[] NOT NULL,
  last_seen      timestamptz[] NOT NULL,
  latest_values  float8[]      NOT NULL,
  min_values     float8[],
  max_values     float8[],
  sum_values     float8[],
  first_values   float8[],
  CONSTRAINT rollup_deltas_pkey PRIMARY KEY (id)
) WITH (
  autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
  toast.autovacuum_vacuum_scale_factor = 0, toast.autovacuum_vacuum_threshold = 10000
);

-- On the summary fold's DELETE of the deltas it takes (`taken`), in its transaction: queue them for
-- the rollups and count them by minute of arrival (one or two rows).
CREATE FUNCTION queue_folded_deltas() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO rollup_deltas (n_pairs, sensor_ids, variables, reading_counts, first_seen, last_seen, latest_values, min_values, max_values, sum_values, first_values)
  SELECT n_pairs, sensor_ids, variables, reading_counts, first_seen, last_seen, latest_values, min_values, max_values, sum_values, first_values
  FROM taken ORDER BY id;
  INSERT INTO ingest_rollups_minute AS i
  SELECT date_bin(interval '1 minute', created_at, timestamptz 'epoch'), sum(n_readings)::int8
  FROM taken
  GROUP BY 1
  ORDER BY 1
  ON CONFLICT (bucket) DO UPDATE SET reading_count = i.reading_count + excluded.reading_count;
  RETURN NULL;
END
$$;

-- Folds the oldest queued deltas (at most max_deltas rows holding at most max_pairs entries, and
-- one row at least) into the minute and hour rollups, in one transaction (the DELETE and the
-- upserts commit together). Rollup folds take turns on an advisory lock of their own and lock rows
-- in key order. Answers what it folded and the oldest row it left (NULL: it took all it saw).
CREATE FUNCTION fold_rollup_deltas_chunk(max_deltas int4, max_pairs int8)
RETURNS TABLE (folded_deltas int8, folded_pairs int8, next_id int8)
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT FROM rollup_deltas) THEN
    RETURN QUERY SELECT 0::int8, 0::int8, NULL::int8;
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('fold_rollup_deltas', 0));
  WITH oldest AS (
    SELECT id, n_pairs FROM rollup_deltas ORDER BY id LIMIT max_deltas
  ), chunk AS (
    SELECT id FROM (
      SELECT id, row_number() OVER w AS n, sum(n_pairs) OVER w AS pairs_through FROM oldest WINDOW w AS (ORDER BY id)
    ) running
    WHERE n = 1 OR pairs_through <= max_pairs
  ), taken AS (
    DELETE FROM rollup_deltas WHERE id IN (SELECT id FROM chunk) RETURNING *
  ), e AS (
    SELECT sensor_id, variable, n, first_ts, last_ts, last_value,
      coalesce(min_value, last_value) AS min_value, coalesce(max_value, last_value) AS max_value,
      coalesce(sum_value, last_value * n) AS sum_value, coalesce(first_value, last_value) AS first_value
    FROM (
      -- unnest() in the select list: one pass over each array, in lockstep (a NULL array gives NULLs).
      SELECT unnest(sensor_ids) AS sensor_id, unnest(variables) AS variable, unnest(reading_counts) AS n,
        unnest(first_seen) AS first_ts, unnest(last_seen) AS last_ts, unnest(latest_values) AS last_value,
        unnest(min_values) AS min_value, unnest(max_values) AS max_value, unnest(sum_values) AS sum_value, unnest(first_values) AS first_value
      FROM taken
    ) entries
  ), per_minute AS MATERIALIZED (
    SELECT sensor_id, variable, date_bin(interval '1 minute', first_ts, timestamptz 'epoch') AS bucket,
      sum(n)::int8 AS reading_count, min(min_value) AS min_value, max(max_value) AS max_value, sum(sum_value) AS sum_value,
      min(first_ts) AS first_ts, (min(ARRAY[extract(epoch FROM first_ts)::float8, first_value]))[2] AS first_value,
      max(last_ts) AS last_ts, (max(ARRAY[extract(epoch FROM last_ts)::float8, last_value]))[2] AS last_value
    FROM e
    GROUP BY 1, 2, 3
  ), minute_upsert AS (
    INSERT INTO reading_rollups_minute AS r
    SELECT * FROM per_minute ORDER BY sensor_id, variable COLLATE "C", bucket
    ON CONFLICT (sensor_id, variable, bucket) DO UPDATE SET
      reading_count = r.reading_count + excluded.reading_count,
      min_value = least(r.min_value, excluded.min_value),
      max_value = greatest(r.max_value, excluded.max_value),
      sum_value = r.sum_value + excluded.sum_value,
      first_value = CASE WHEN excluded.first_ts < r.first_ts THEN excluded.first_value ELSE r.first_value END,
      first_ts = least(r.first_ts, excluded.first_ts),
      last_value = CASE WHEN excluded.last_ts > r.last_ts THEN excluded.last_value ELSE r.last_value END,
      last_ts = greatest(r.last_ts, excluded.last_ts)
  ), hour_upsert AS (
    INSERT INTO reading_rollups_hour AS r
    SELECT sensor_id, variable, date_bin(interval '1 hour', bucket, timestamptz 'epoch') AS hour,
      sum(reading_count)::int8, min(min_value), max(max_value), sum(sum_value),
      min(first_ts), (min(ARRAY[extract(epoch FROM first_ts)::float8, first_value]))[2], max(last_ts), (max(ARRAY[extract(epoch FROM last_ts)::float8, last_value]))[2]
    FROM per_minute
    GROUP BY 1, 2, 3
    ORDER BY sensor_id, variable COLLATE "C", hour
    ON CONFLICT (sensor_id, variable, bucket) DO UPDATE SET
      reading_count = r.reading_count + excluded.reading_count,
      min_value = least(r.min_value, excluded.min_value),
      max_value = greatest(r.max_value, excluded.max_value),
      sum_value = r.sum_value + excluded.sum_value,
      first_value = CASE WHEN excluded.first_ts < r.first_ts THEN excluded.first_value ELSE r.first_value END,
      first_ts = least(r.first_ts, excluded.first_ts),
      last_value = CASE WHEN excluded.last_ts > r.last_ts THEN excluded.last_value ELSE r.last_value END,
      last_ts = greatest(r.last_ts, excluded.last_ts)
  )
  SELECT count(*), coalesce(sum(taken.n_pairs), 0)::int8,
    (SELECT min(id) FROM rollup_deltas WHERE id > (SELECT max(id) FROM chunk))
  INTO folded_deltas, folded_pairs, next_id
  FROM taken;
  RETURN NEXT;
END
$$;

-- Every rollup recomputed from `readings`, with writers held off (SHARE) and every pending delta
-- folded first, and the rollups' queue emptied, so that no reading is missed or counted twice.
CREATE OR REPLACE FUNCTION rebuild_reading_rollups() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE readings IN SHARE MODE;
  WHILE (SELECT next_id FROM fold_summary_deltas_chunk(1000, 50000)) IS NOT NULL LOOP END LOOP;
  -- What the folds queued is in readings: recomputed below with the rest.
  TRUNCATE rollup_deltas, reading_rollups_minute, reading_rollups_hour, ingest_rollups_minute;
  INSERT INTO reading_rollups_minute
  SELECT sensor_id, variable, date_bin(interval '1 minute', ts, timestamptz 'epoch'),
    count(*), min(value), max(value), sum(value),
    min(ts), (array_agg(value ORDER BY ts))[1], max(ts), (array_agg(value ORDER BY ts DESC))[1]
  FROM readings
  GROUP BY 1, 2, 3;
  INSERT INTO reading_rollups_hour
  SELECT sensor_id, variable, date_bin(interval '1 hour', bucket, timestamptz 'epoch'),
    sum(reading_count), min(min_value), max(max_value), sum(sum_value),
    min(first_ts), (array_agg(first_value ORDER BY first_ts))[1], max(last_ts), (array_agg(last_value ORDER BY last_ts DESC))[1]
  FROM reading_rollups_minute
  GROUP BY 1, 2, 3;
  INSERT INTO ingest_rollups_minute
  SELECT date_bin(interval '1 minute', received_at, timestamptz 'epoch'), count(*) FROM readings GROUP BY 1;
END
$$;

-- Deltas pending when this runs are folded by the new trigger's queue; nothing is folded twice.
DROP TRIGGER sensor_summary_deltas_rolled_up ON sensor_summary_deltas;
CREATE TRIGGER sensor_summary_deltas_rolled_up AFTER DELETE ON sensor_summary_deltas
  REFERENCING OLD TABLE AS taken FOR EACH STATEMENT EXECUTE FUNCTION queue_folded_deltas();
DROP FUNCTION rollup_folded_deltas();

-- Down Migration
-- Roll up what is queued, then fold inline again.
DO $$ BEGIN
  WHILE (SELECT next_id FROM fold_rollup_deltas_chunk(1000, 50000)) IS NOT NULL LOOP END LOOP;
END $$;
CREATE FUNCTION rollup_folded_deltas() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH e AS MATERIALIZED (
    SELECT sensor_id, variable, n, first_ts, last_ts, last_value,
      coalesce(min_value, last_value) AS min_value, coalesce(max_value, last_value) AS max_value,
      coalesce(sum_value, last_value * n) AS sum_value, coalesce(first_value, last_value) AS first_value
    FROM (
      -- unnest() in the select list: one pass over each array, in lockstep (a NULL array gives NULLs).
      SELECT unnest(sensor_ids) AS sensor_id, unnest(variables) AS variable, unnest(reading_counts) AS n,
        unnest(first_seen) AS first_ts, unnest(last_seen) AS last_ts, unnest(latest_values) AS last_value,
        unnest(min_values) AS min_value, unnest(max_values) AS max_value, unnest(sum_values) AS sum_value, unnest(first_values) AS first_value
      FROM taken
    ) entries
  ), per_minute AS (
    SELECT sensor_id, variable, date_bin(interval '1 minute', first_ts, timestamptz 'epoch') AS bucket,
      sum(n)::int8 AS reading_count, min(min_value) AS min_value, max(max_value) AS max_value, sum(sum_value) AS sum_value,
      min(first_ts) AS first_ts, (array_agg(first_value ORDER BY first_ts))[1] AS first_value,
      max(last_ts) AS last_ts, (array_agg(last_value ORDER BY last_ts DESC))[1] AS last_value
    FROM e
    GROUP BY 1, 2, 3
  ), minute_upsert AS (
    INSERT INTO reading_rollups_minute AS r
    SELECT * FROM per_minute ORDER BY sensor_id, variable COLLATE "C", bucket
    ON CONFLICT (sensor_id, variable, bucket) DO UPDATE SET
      reading_count = r.reading_count + excluded.reading_count,
      min_value = least(r.min_value, excluded.min_value),
      max_value = greatest(r.max_value, excluded.max_value),
      sum_value = r.sum_value + excluded.sum_value,
      first_value = CASE WHEN excluded.first_ts < r.first_ts THEN excluded.first_value ELSE r.first_value END,
      first_ts = least(r.first_ts, excluded.first_ts),
      last_value = CASE WHEN excluded.last_ts > r.last_ts THEN excluded.last_value ELSE r.last_value END,
      last_ts = greatest(r.last_ts, excluded.last_ts)
  ), hour_upsert AS (
    INSERT INTO reading_rollups_hour AS r
    SELECT sensor_id, variable, date_bin(interval '1 hour', bucket, timestamptz 'epoch') AS hour,
      sum(reading_count)::int8, min(min_value), max(max_value), sum(sum_value),
      min(first_ts), (array_agg(first_value ORDER BY first_ts))[1], max(last_ts), (array_agg(last_value ORDER BY last_ts DESC))[1]
    FROM per_minute
    GROUP BY 1, 2, 3
    ORDER BY sensor_id, variable COLLATE "C", hour
    ON CONFLICT (sensor_id, variable, bucket) DO UPDATE SET
      reading_count = r.reading_count + excluded.reading_count,
      min_value = least(r.min_value, excluded.min_value),
      max_value = greatest(r.max_value, excluded.max_value),
      sum_value = r.sum_value + excluded.sum_value,
      first_value = CASE WHEN excluded.first_ts < r.first_ts THEN excluded.first_value ELSE r.first_value END,
      first_ts = least(r.first_ts, excluded.first_ts),
      last_value = CASE WHEN excluded.last_ts > r.last_ts THEN excluded.last_value ELSE r.last_value END,
      last_ts = greatest(r.last_ts, excluded.last_ts)
  )
  INSERT INTO ingest_rollups_minute AS i
  SELECT date_bin(interval '1 minute', created_at, timestamptz 'epoch'), sum(n_readings)::int8
  FROM taken
  GROUP BY 1
  ORDER BY 1
  ON CONFLICT (bucket) DO UPDATE SET reading_count = i.reading_count + excluded.reading_count;
  RETURN NULL;
END
$$;
DROP TRIGGER sensor_summary_deltas_rolled_up ON sensor_summary_deltas;
CREATE TRIGGER sensor_summary_deltas_rolled_up AFTER DELETE ON sensor_summary_deltas
  REFERENCING OLD TABLE AS taken FOR EACH STATEMENT EXECUTE FUNCTION rollup_folded_deltas();
CREATE OR REPLACE FUNCTION rebuild_reading_rollups() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE readings IN SHARE MODE;
  WHILE (SELECT next_id FROM fold_summary_deltas_chunk(1000, 50000)) IS NOT NULL LOOP END LOOP;
  TRUNCATE reading_rollups_minute, reading_rollups_hour, ingest_rollups_minute;
  INSERT INTO reading_rollups_minute
  SELECT sensor_id, variable, date_bin(interval '1 minute', ts, timestamptz 'epoch'),
    count(*), min(value), max(value), sum(value),
    min(ts), (array_agg(value ORDER BY ts))[1], max(ts), (array_agg(value ORDER BY ts DESC))[1]
  FROM readings
  GROUP BY 1, 2, 3;
  INSERT INTO reading_rollups_hour
  SELECT sensor_id, variable, date_bin(interval '1 hour', bucket, timestamptz 'epoch'),
    sum(reading_count), min(min_value), max(max_value), sum(sum_value),
    min(first_ts), (array_agg(first_value ORDER BY first_ts))[1], max(last_ts), (array_agg(last_value ORDER BY last_ts DESC))[1]
  FROM reading_rollups_minute
  GROUP BY 1, 2, 3;
  INSERT INTO ingest_rollups_minute
  SELECT date_bin(interval '1 minute', received_at, timestamptz 'epoch'), count(*) FROM readings GROUP BY 1;
END
$$;
DROP FUNCTION fold_rollup_deltas_chunk(int4, int8);
DROP FUNCTION queue_folded_deltas();
DROP TABLE rollup_deltas;
