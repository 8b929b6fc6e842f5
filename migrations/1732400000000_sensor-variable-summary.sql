-- Up Migration
-- One row per (sensor, variable), maintained by the writer in the same statement as the readings
-- it summarises (src/ingest/repository.ts), so the read API answers fleet-wide questions
-- (GET /sensors, /sensors/{id}, /sensors/silent) without reading the readings table.
-- latest_value/latest_unit belong to the reading at last_seen (the greatest timestamp, not the
-- last one to arrive).
CREATE TABLE sensor_variable_summary (
  sensor_id     int4        NOT NULL,
  variable      text        NOT NULL,
  reading_count int8        NOT NULL,
  first_seen    timestamptz NOT NULL,
  last_seen     timestamptz NOT NULL,
  latest_value  float8      NOT NULL,
  latest_unit   text        NOT NULL,
  CONSTRAINT sensor_variable_summary_pkey PRIMARY KEY (sensor_id, variable)
);

-- Summarise readings stored before this migration; SHARE mode holds writers off until it commits,
-- so no reading is missed or counted twice.
LOCK TABLE readings IN SHARE MODE;
INSERT INTO sensor_variable_summary (sensor_id, variable, reading_count, first_seen, last_seen, latest_value, latest_unit)
SELECT s.sensor_id, s.variable, s.reading_count, s.first_seen, s.last_seen, latest.value, latest.unit
FROM (
  SELECT sensor_id, variable, count(*) AS reading_count, min(ts) AS first_seen, max(ts) AS last_seen
  FROM readings GROUP BY sensor_id, variable
) s
JOIN readings latest ON latest.sensor_id = s.sensor_id AND latest.ts = s.last_seen AND latest.variable = s.variable;

-- Down Migration
DROP TABLE sensor_variable_summary;
