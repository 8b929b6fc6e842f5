-- Up Migration
-- Folds in bounded chunks, oldest deltas first (docs/design/summary-folding.md). One fold of the
-- whole backlog in one statement could outgrow statement_timeout after a stall, roll back, and be
-- started over by every read: the read side stayed down for good. A chunk holds at most
-- max_deltas delta rows and max_pairs (sensor, variable) pairs, and commits on its own, so any
-- backlog drains at a steady rate.

-- The sum of an int8 array, for the generated column below (generated columns take no subquery).
CREATE FUNCTION int8_array_sum(int8[]) RETURNS int8 LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT coalesce(sum(x), 0)::int8 FROM unnest($1) AS x $$;

-- id: the order folds take deltas in (oldest first) and a read's horizon (see below).
-- created_at: when the flush that appended the row began, for `as_of` and the backlog's age.
-- n_pairs, n_readings: a row's size, so chunks and the backlog are measured without detoasting
-- its arrays. The writer's INSERTs set none of them.
ALTER TABLE sensor_summary_deltas
  ADD COLUMN id int8 GENERATED ALWAYS AS IDENTITY,
  ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN n_pairs int4 GENERATED ALWAYS AS (cardinality(sensor_ids)) STORED,
  ADD COLUMN n_readings int8 GENERATED ALWAYS AS (int8_array_sum(reading_counts)) STORED,
  ADD CONSTRAINT sensor_summary_deltas_pkey PRIMARY KEY (id);

-- Folds the oldest pending deltas (at most max_deltas rows holding at most max_pairs pairs, and
-- always at least one row, whatever its size) into the summary, in one transaction: the DELETE and
-- the upsert commit together, so each delta counts exactly once. Folds take turns on an advisory
-- lock, taken only when something is pending; the fold statement takes its snapshot after the
-- lock, so it never picks rows a fold it waited for has deleted.
-- Answers what it folded, and next_id: the oldest delta it left (NULL when it took all it saw).
-- Stages, each a CTE of the one statement: chunk (which rows) -> taken (deleted, returned) ->
-- d (their pairs as rows) -> totals and latest per pair -> upsert into the summary. Whatever else
-- is derived from the deltas belongs beside the summary upsert, reading `d`, so it commits with it.
CREATE FUNCTION fold_summary_deltas_chunk(max_deltas int4, max_pairs int8)
RETURNS TABLE (folded_deltas int8, folded_pairs int8, folded_readings int8, next_id int8)
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT FROM sensor_summary_deltas) THEN
    RETURN QUERY SELECT 0::int8, 0::int8, 0::int8, NULL::int8;
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('fold_sensor_summary_deltas', 0));
  WITH oldest AS (
    SELECT id, n_pairs FROM sensor_summary_deltas ORDER BY id LIMIT max_deltas
  ), chunk AS (
    SELECT id FROM (
      SELECT id, row_number() OVER w AS n, sum(n_pairs) OVER w AS pairs_through FROM oldest WINDOW w AS (ORDER BY id)
    ) running
    WHERE n = 1 OR pairs_through <= max_pairs
  ), taken AS (
    DELETE FROM sensor_summary_deltas WHERE id IN (SELECT id FROM chunk) RETURNING *
  ), d AS NOT MATERIALIZED (
    -- unnest() in the select list, not in FROM, where each call is materialised; and run twice
    -- below rather than materialised once, which costs three times as much.
    SELECT unnest(sensor_ids) AS sensor_id, unnest(variables) AS variable, unnest(reading_counts) AS reading_count,
      unnest(first_seen) AS first_seen, unnest(last_seen) AS last_seen,
      unnest(latest_values) AS latest_value, unnest(latest_units) AS latest_unit
    FROM taken
  ), totals AS (
    SELECT sensor_id, variable, sum(reading_count)::int8 AS reading_count, min(first_seen) AS first_seen, max(last_seen) AS last_seen
    FROM d
    GROUP BY sensor_id, variable
  ), pair_rows AS (
    -- Each pair's newest reading gives its latest value (a pair's timestamps are unique, as its
    -- readings are; DISTINCT ON keeps one row per pair regardless). The upsert below locks summary
    -- rows in this order; COLLATE "C": any fixed order will do, and byte order sorts fastest.
    SELECT DISTINCT ON (t.sensor_id, t.variable COLLATE "C")
      t.sensor_id, t.variable, t.reading_count, t.first_seen, t.last_seen, d.latest_value, d.latest_unit
    FROM totals t
    JOIN d ON d.sensor_id = t.sensor_id AND d.variable = t.variable AND d.last_seen = t.last_seen
    ORDER BY t.sensor_id, t.variable COLLATE "C"
  ), summary_upsert AS (
    INSERT INTO sensor_variable_summary AS s
      (sensor_id, variable, reading_count, first_seen, last_seen, latest_value, latest_unit)
    SELECT * FROM pair_rows
    ON CONFLICT (sensor_id, variable) DO UPDATE SET
      reading_count = s.reading_count + excluded.reading_count,
      first_seen = least(s.first_seen, excluded.first_seen),
      last_seen = greatest(s.last_seen, excluded.last_seen),
      -- A late reading older than the stored latest one leaves the latest value alone.
      latest_value = CASE WHEN excluded.last_seen > s.last_seen THEN excluded.latest_value ELSE s.latest_value END,
      latest_unit = CASE WHEN excluded.last_seen > s.last_seen THEN excluded.latest_unit ELSE s.latest_unit END
  )
  SELECT count(*), coalesce(sum(taken.n_pairs), 0)::int8, coalesce(sum(taken.n_readings), 0)::int8,
    -- In the chunk's own snapshot (the chunk is a prefix of it in id order): what a chunk
    -- started later will find, short of deltas committed since. None: the backlog is drained.
    (SELECT min(id) FROM sensor_summary_deltas WHERE id > (SELECT max(id) FROM chunk))
  INTO folded_deltas, folded_pairs, folded_readings, next_id
  FROM taken;
  RETURN NEXT;
END
$$;

-- Replicas still running the previous release call this during a rolling upgrade: it now folds
-- one chunk, so they too never start a fold of the whole backlog.
CREATE OR REPLACE FUNCTION fold_sensor_summary_deltas() RETURNS int8 LANGUAGE sql AS $$
  SELECT folded_deltas FROM fold_summary_deltas_chunk(1000, 50000)
$$;

-- Down Migration
DO $$ BEGIN
  WHILE (SELECT next_id FROM fold_summary_deltas_chunk(1000, 50000)) IS NOT NULL LOOP END LOOP;
END $$;
DROP FUNCTION fold_sensor_summary_deltas();
DROP FUNCTION fold_summary_deltas_chunk(int4, int8);
ALTER TABLE sensor_summary_deltas
  DROP CONSTRAINT sensor_summary_deltas_pkey,
  DROP COLUMN n_readings, DROP COLUMN n_pairs, DROP COLUMN created_at, DROP COLUMN id;
DROP FUNCTION int8_array_sum(int8[]);
CREATE FUNCTION fold_sensor_summary_deltas() RETURNS int8 LANGUAGE plpgsql AS $$
DECLARE
  folded int8;
BEGIN
  IF NOT EXISTS (SELECT FROM sensor_summary_deltas) THEN
    RETURN 0;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('fold_sensor_summary_deltas', 0));
  WITH pending AS (
    DELETE FROM sensor_summary_deltas RETURNING *
  ), d AS NOT MATERIALIZED (
    SELECT unnest(sensor_ids) AS sensor_id, unnest(variables) AS variable, unnest(reading_counts) AS reading_count,
      unnest(first_seen) AS first_seen, unnest(last_seen) AS last_seen,
      unnest(latest_values) AS latest_value, unnest(latest_units) AS latest_unit
    FROM pending
  ), totals AS (
    SELECT sensor_id, variable, sum(reading_count)::int8 AS reading_count, min(first_seen) AS first_seen, max(last_seen) AS last_seen
    FROM d
    GROUP BY sensor_id, variable
  ), pairs AS (
    SELECT DISTINCT ON (t.sensor_id, t.variable COLLATE "C")
      t.sensor_id, t.variable, t.reading_count, t.first_seen, t.last_seen, d.latest_value, d.latest_unit
    FROM totals t
    JOIN d ON d.sensor_id = t.sensor_id AND d.variable = t.variable AND d.last_seen = t.last_seen
    ORDER BY t.sensor_id, t.variable COLLATE "C"
  ), folded_pairs AS (
    INSERT INTO sensor_variable_summary AS s
      (sensor_id, variable, reading_count, first_seen, last_seen, latest_value, latest_unit)
    SELECT * FROM pairs
    ON CONFLICT (sensor_id, variable) DO UPDATE SET
      reading_count = s.reading_count + excluded.reading_count,
      first_seen = least(s.first_seen, excluded.first_seen),
      last_seen = greatest(s.last_seen, excluded.last_seen),
      latest_value = CASE WHEN excluded.last_seen > s.last_seen THEN excluded.latest_value ELSE s.latest_value END,
      latest_unit = CASE WHEN excluded.last_seen > s.last_seen THEN excluded.latest_unit ELSE s.latest_unit END
  )
  SELECT count(*) INTO folded FROM pending;
  RETURN folded;
END
$$;
