-- Up Migration
-- The time column is part of the key so the table can become a TimescaleDB hypertable
-- (on ts) or a Citus table distributed by sensor_id without changing it.
CREATE TABLE readings (
  sensor_id   int4        NOT NULL,
  ts          timestamptz NOT NULL,
  variable    text        NOT NULL,
  value       float8      NOT NULL,
  unit        text        NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT readings_pkey PRIMARY KEY (sensor_id, ts, variable)
);

-- Down Migration
DROP TABLE readings;
