-- Up Migration
-- The rollups folded in batches (docs/design/reading-rollups.md). The rollup fold took the queue
-- as soon as a summary fold had filled it, so under load every (sensor, variable, minute) and
-- (sensor, variable, hour) row was upserted after every summary chunk, about twice a second, and
-- the rollups cost ingest 15% of its throughput (npm run bench -- --aggregate-only). Now a fold
-- waits until the oldest queued row is min_age old (the folder passes ROLLUP_FOLD_DELAY_MS), then
-- takes up to max_pairs at once, so each row is upserted once for all the flushes of that time.
-- Reads are as exact as before: they add what is queued (src/read/aggregate-repository.ts).
-- The first and last values are picked by date_part (float8) rather than extract (numeric since
-- PostgreSQL 14), which made the per-minute aggregation 40% cheaper.

-- When the summary fold queued the row: what min_age is measured from.
ALTER TABLE rollup_deltas ADD COLUMN queued_at timestamptz NOT NULL DEFAULT now();

-- Replicas of the previous release call the two-argument form during a rolling upgrade: the
-- default min_age folds at once for them, as before.
DROP FUNCTION fold_rollup_deltas_chunk(int4, int8);

-- Folds the oldest queued deltas (at most max_deltas rows holding at most max_pairs entries, and
-- one row at least) into the minute and hour rollups, in one transaction, once the oldest of them
-- was queued min_age ago; until then it takes nothing. Rollup folds take turns on an advisory
-- lock of their own and lock rows in key order. Answers what it folded and the oldest row it left
-- (NULL: it took all it saw, or nothing was old enough).
CREATE FUNCTION fold_rollup_deltas_chunk(max_deltas int4, max_pairs int8, min_age interval DEFAULT interval '0')
RETURNS TABLE (folded_deltas int8, folded_pairs int8, next_id int8)
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (
    SELECT FROM rollup_deltas WHERE id = (SELECT min(id) FROM rollup_deltas) AND queued_at <= statement_timestamp() - min_age
  ) THEN
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
      min(first_ts) AS first_ts, (min(ARRAY[date_part('epoch', first_ts), first_value]))[2] AS first_value,
      max(last_ts) AS last_ts, (max(ARRAY[date_part('epoch', last_ts), last_value]))[2] AS last_value
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
      min(first_ts), (min(ARRAY[date_part('epoch', first_ts), first_value]))[2], max(last_ts), (max(ARRAY[date_part('epoch', last_ts), last_value]))[2]
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

-- Down Migration
DROP FUNCTION fold_rollup_deltas_chunk(int4, int8, interval);
-- Folds what is queued at once again.
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

ALTER TABLE rollup_deltas DROP COLUMN queued_at;
