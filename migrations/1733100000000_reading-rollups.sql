-- Up Migration
-- Rollups for aggregated reads (GET /readings/aggregate, GET /stats/ingest; issue 15), kept from
-- the summary deltas as folds take them (docs/design/reading-rollups.md):
--   reading_rollups_minute / _hour: per (sensor, variable) and minute / hour of `ts` (UTC, aligned
--     on the epoch): count, min, max, sum, and the first and last reading's time and value;
--   ingest_rollups_minute: readings stored fleet-wide per minute of arrival (received_at, which
--     is the storing flush's transaction time, as is its delta's created_at).
-- A delta holds only readings its flush inserted, and a fold deletes it in the transaction that
-- rolls it up, so a duplicate, a conflict or a retry never counts, and nothing counts twice.

-- Since this migration the writer's delta entries are per pair and minute and carry these
-- (src/ingest/summary-delta.ts). NULL (the one-reading-per-entry statement, or a writer of the
-- previous release): each entry is its one reading, latest_values.
ALTER TABLE sensor_summary_deltas
  ADD COLUMN min_values float8[],
  ADD COLUMN max_values float8[],
  ADD COLUMN sum_values float8[],
  ADD COLUMN first_values float8[];

CREATE TABLE reading_rollups_minute (
  sensor_id     int4        NOT NULL,
  variable      text        NOT NULL,
  bucket        timestamptz NOT NULL,
  reading_count int8        NOT NULL,
  min_value     float8      NOT NULL,
  max_value     float8      NOT NULL,
  sum_value     float8      NOT NULL,
  first_ts      timestamptz NOT NULL,
  first_value   float8      NOT NULL,
  last_ts       timestamptz NOT NULL,
  last_value    float8      NOT NULL,
  CONSTRAINT reading_rollups_minute_pkey PRIMARY KEY (sensor_id, variable, bucket)
) WITH (fillfactor = 80); -- a minute's row is updated by the folds of that minute: room for HOT updates

CREATE TABLE reading_rollups_hour (LIKE reading_rollups_minute INCLUDING ALL);
ALTER TABLE reading_rollups_hour SET (fillfactor = 50);

CREATE TABLE ingest_rollups_minute (
  bucket        timestamptz NOT NULL,
  reading_count int8        NOT NULL,
  CONSTRAINT ingest_rollups_minute_pkey PRIMARY KEY (bucket)
);

-- The rollup upserts of one fold, from `taken` (the delta rows it deleted). Rows are locked in key
-- order; folds take turns on their advisory lock anyway.
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

-- Every rollup recomputed from `readings`, with writers held off (SHARE) and every pending delta
-- folded first, so that no reading is missed or counted twice. Reads every reading: for this
-- migration's backfill, and for benchmarks that seed readings with SQL.
CREATE FUNCTION rebuild_reading_rollups() RETURNS void LANGUAGE plpgsql AS $$
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

SELECT rebuild_reading_rollups();

-- AFTER DELETE: the folds' DELETE of the deltas they take (fold_summary_deltas_chunk(), and the
-- previous release's fold_sensor_summary_deltas()), in their transaction.
CREATE TRIGGER sensor_summary_deltas_rolled_up AFTER DELETE ON sensor_summary_deltas
  REFERENCING OLD TABLE AS taken FOR EACH STATEMENT EXECUTE FUNCTION rollup_folded_deltas();

-- Down Migration
DROP TRIGGER sensor_summary_deltas_rolled_up ON sensor_summary_deltas;
DROP FUNCTION rebuild_reading_rollups();
DROP FUNCTION rollup_folded_deltas();
DROP TABLE ingest_rollups_minute;
DROP TABLE reading_rollups_hour;
DROP TABLE reading_rollups_minute;
ALTER TABLE sensor_summary_deltas
  DROP COLUMN first_values, DROP COLUMN sum_values, DROP COLUMN max_values, DROP COLUMN min_values;
