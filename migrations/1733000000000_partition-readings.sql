-- Up Migration
-- `readings` becomes partitioned by range of ts (docs/design/partitions.md). An existing table is
-- not copied: it becomes the partition `readings_legacy` covering everything before a bound a day
-- or two ahead of now. Attaching it scans nothing because a validated CHECK constraint already
-- proves the bound, and that validation runs in a transaction of its own, while writers go on
-- writing; the only exclusive lock is the one of the swap at the end (milliseconds).
-- The migration runner wraps pending migrations in one transaction: the explicit COMMIT/BEGIN
-- below split this one into four. Each step can run again after a failure of a later one.

-- Both steps that lock readings exclusively take a moment once they hold the lock, but waiting
-- for it behind a long transaction (a long read) would hold every writer queued behind the
-- wait: each attempt waits at most a second, then lets the writers through and tries again.
CREATE OR REPLACE FUNCTION pg_temp.lock_readings_briefly() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  previous text := current_setting('lock_timeout');
BEGIN
  FOR attempt IN 1..120 LOOP
    BEGIN
      PERFORM set_config('lock_timeout', '1s', true);
      LOCK TABLE readings IN ACCESS EXCLUSIVE MODE;
      PERFORM set_config('lock_timeout', previous, true);
      RETURN;
    EXCEPTION WHEN lock_not_available THEN
      PERFORM pg_sleep(0.2);
    END;
  END LOOP;
  RAISE EXCEPTION 'readings stayed locked by other transactions for 2 minutes; run the migration again';
END
$$;

-- 1. The bound: past any reading a writer may accept meanwhile (now + MAX_FUTURE_SKEW_S, which
-- src/db/migrate.ts passes as iot.max_future_skew_s). NOT VALID: instant; new rows are checked.
DO $$
DECLARE
  skew interval := make_interval(secs => coalesce(nullif(current_setting('iot.max_future_skew_s', true), '')::int, 300));
  bound timestamptz := date_bin('1 day', now() + skew, timestamptz '1970-01-01Z') + interval '2 days';
BEGIN
  IF (SELECT relkind FROM pg_class WHERE oid = 'readings'::regclass) = 'r' THEN
    PERFORM pg_temp.lock_readings_briefly();
    ALTER TABLE readings DROP CONSTRAINT IF EXISTS readings_legacy_ts_bound;
    EXECUTE format('ALTER TABLE readings ADD CONSTRAINT readings_legacy_ts_bound CHECK (ts < %L) NOT VALID', bound);
  END IF;
END $$;
COMMIT;

-- 2. Readings already stored beyond the bound (stored while MAX_FUTURE_SKEW_S was larger) wait
-- aside, and go back in after the swap. A scan, under a lock that blocks no writer.
BEGIN;
CREATE TABLE IF NOT EXISTS readings_upgrade_beyond (LIKE readings);
DO $$
DECLARE
  bound timestamptz := (SELECT substring(pg_get_constraintdef(oid) FROM '''([^'']+)''')::timestamptz
    FROM pg_constraint WHERE conrelid = 'readings'::regclass AND conname = 'readings_legacy_ts_bound');
BEGIN
  IF bound IS NOT NULL THEN
    WITH moved AS (DELETE FROM readings WHERE ts >= bound RETURNING *)
    INSERT INTO readings_upgrade_beyond SELECT * FROM moved;
  END IF;
END $$;
COMMIT;

-- 3. The long scan: SHARE UPDATE EXCLUSIVE, which inserts and reads do not wait for.
BEGIN;
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_constraint WHERE conrelid = 'readings'::regclass AND conname = 'readings_legacy_ts_bound') THEN
    ALTER TABLE readings VALIDATE CONSTRAINT readings_legacy_ts_bound;
  END IF;
END $$;
COMMIT;

-- 4. The swap, in the runner's last transaction with the migration's record. An empty old table
-- (a new deployment) is dropped rather than kept as a partition of everything before the bound.
BEGIN;
DO $$
DECLARE
  bound timestamptz;
BEGIN
  IF (SELECT relkind FROM pg_class WHERE oid = 'readings'::regclass) <> 'r' THEN
    RETURN;
  END IF;
  PERFORM pg_temp.lock_readings_briefly();
  bound := (SELECT substring(pg_get_constraintdef(oid) FROM '''([^'']+)''')::timestamptz
    FROM pg_constraint WHERE conrelid = 'readings'::regclass AND conname = 'readings_legacy_ts_bound' AND convalidated);
  IF bound IS NULL THEN
    RAISE EXCEPTION 'readings_legacy_ts_bound is missing or not validated';
  END IF;
  ALTER TABLE readings RENAME TO readings_legacy;
  ALTER TABLE readings_legacy RENAME CONSTRAINT readings_pkey TO readings_legacy_pkey;
  CREATE TABLE readings (
    LIKE readings_legacy INCLUDING DEFAULTS,
    CONSTRAINT readings_pkey PRIMARY KEY (sensor_id, ts, variable)
  ) PARTITION BY RANGE (ts);
  IF EXISTS (SELECT FROM readings_legacy) THEN
    EXECUTE format('ALTER TABLE readings ATTACH PARTITION readings_legacy FOR VALUES FROM (MINVALUE) TO (%L)', bound);
    ALTER TABLE readings_legacy DROP CONSTRAINT readings_legacy_ts_bound;
  ELSE
    DROP TABLE readings_legacy;
  END IF;
  -- Whatever no partition covers yet: backfills, clocks ahead. The service gives such rows a
  -- partition of their own (create_readings_partition moves them there).
  CREATE TABLE readings_default PARTITION OF readings DEFAULT;
  INSERT INTO readings SELECT * FROM readings_upgrade_beyond;
END $$;
DROP TABLE readings_upgrade_beyond;

-- Every partition but the default one, with its bounds (-infinity for MINVALUE).
CREATE FUNCTION readings_partitions() RETURNS TABLE (name text, lower_bound timestamptz, upper_bound timestamptz)
LANGUAGE sql STABLE AS $$
  SELECT c.relname::text,
    CASE WHEN b[1] = 'MINVALUE' THEN '-infinity' ELSE trim(BOTH '''' FROM b[1])::timestamptz END,
    CASE WHEN b[2] = 'MAXVALUE' THEN 'infinity' ELSE trim(BOTH '''' FROM b[2])::timestamptz END
  FROM pg_inherits i
  JOIN pg_class c ON c.oid = i.inhrelid
  CROSS JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \((.*)\) TO \((.*)\)') AS b
  WHERE i.inhparent = 'readings'::regclass AND b IS NOT NULL
$$;

-- Creates the partition of [lo, hi), clipped to what no partition covers yet (none when that is
-- empty), moving into it the rows the default partition holds in that range. Replicas take turns
-- on an advisory lock. Answers the partition created and how many rows it took from the default.
CREATE FUNCTION create_readings_partition(lo timestamptz, hi timestamptz)
RETURNS TABLE (partition text, moved int8) LANGUAGE plpgsql AS $$
DECLARE
  name text;
  n int8 := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('readings_partitions', 0));
  -- Waiting long for the default partition's lock would queue the writers behind this one.
  PERFORM set_config('lock_timeout', '2s', true);
  lo := greatest(lo, (SELECT max(p.upper_bound) FROM readings_partitions() p WHERE p.lower_bound <= lo AND p.upper_bound > lo));
  hi := least(hi, (SELECT min(p.lower_bound) FROM readings_partitions() p WHERE p.lower_bound >= lo AND p.lower_bound < hi));
  IF lo >= hi THEN
    RETURN;
  END IF;
  name := 'readings_p' || to_char(lo AT TIME ZONE 'UTC', 'YYYYMMDD_HH24MISS');
  EXECUTE format('CREATE TABLE %I (LIKE readings INCLUDING DEFAULTS)', name);
  -- Writers bound for the default partition wait while its rows of the range move (normally none).
  LOCK TABLE readings_default IN ACCESS EXCLUSIVE MODE;
  EXECUTE format('WITH moved AS (DELETE FROM readings_default WHERE ts >= $1 AND ts < $2 RETURNING *) INSERT INTO %I SELECT * FROM moved', name)
    USING lo, hi;
  GET DIAGNOSTICS n = ROW_COUNT;
  -- Builds the primary key's index on the new table (empty, or the rows just moved), then
  -- checks the default partition holds no row of the range: it no longer does.
  EXECUTE format('ALTER TABLE readings ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', name, lo, hi);
  RETURN QUERY SELECT name, n;
END
$$;

-- Drops every partition that ends at or before `cutoff` (the default partition never), one
-- replica at a time; answers what it dropped. No row is ever deleted.
CREATE FUNCTION drop_readings_partitions_before(cutoff timestamptz)
RETURNS TABLE (partition text, lower_bound timestamptz, upper_bound timestamptz) LANGUAGE plpgsql AS $$
DECLARE
  p record;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('readings_partitions', 0));
  -- DROP takes the parent's ACCESS EXCLUSIVE lock: give up (and retry on the next round) rather
  -- than hold every writer behind a long read.
  PERFORM set_config('lock_timeout', '2s', true);
  FOR p IN SELECT * FROM readings_partitions() r WHERE r.upper_bound <= cutoff ORDER BY r.lower_bound LOOP
    EXECUTE format('DROP TABLE %I', p.name);
    partition := p.name; lower_bound := p.lower_bound; upper_bound := p.upper_bound;
    RETURN NEXT;
  END LOOP;
END
$$;

-- Down Migration
DROP FUNCTION drop_readings_partitions_before(timestamptz);
DROP FUNCTION create_readings_partition(timestamptz, timestamptz);
DROP FUNCTION readings_partitions();
ALTER TABLE readings RENAME TO readings_partitioned;
ALTER TABLE readings_partitioned RENAME CONSTRAINT readings_pkey TO readings_partitioned_pkey;
CREATE TABLE readings (
  LIKE readings_partitioned INCLUDING DEFAULTS,
  CONSTRAINT readings_pkey PRIMARY KEY (sensor_id, ts, variable)
);
INSERT INTO readings SELECT * FROM readings_partitioned;
DROP TABLE readings_partitioned;
