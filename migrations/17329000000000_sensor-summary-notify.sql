-- Up Migration
-- Tells every replica which sensors a statement changed in sensor_variable_summary, so the
-- dashboard's live feed (src/dashboard/) reads only those. Only folds write the summary, about once
-- a second, so this runs once per fold and never in an ingest flush. NOTIFY is delivered on commit,
-- to every session LISTENing on the channel, whichever replica folded.
-- Payload: the sensor ids, comma-separated, or '*' when more than 500 changed (a NOTIFY payload is
-- at most 8000 bytes; listeners then reread the whole summary).
CREATE FUNCTION notify_sensor_summary_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids int4[];
BEGIN
  SELECT array_agg(sensor_id) INTO ids FROM (SELECT DISTINCT sensor_id FROM changed LIMIT 501) s;
  IF ids IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM pg_notify('sensor_summary_changed', CASE WHEN cardinality(ids) > 500 THEN '*' ELSE array_to_string(ids, ',') END);
  RETURN NULL;
END
$$;

-- A trigger with a transition table takes one event; a fold's upsert fires both.
CREATE TRIGGER sensor_summary_inserted AFTER INSERT ON sensor_variable_summary
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_sensor_summary_changed();
CREATE TRIGGER sensor_summary_updated AFTER UPDATE ON sensor_variable_summary
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_sensor_summary_changed();

-- Down Migration
DROP TRIGGER sensor_summary_updated ON sensor_variable_summary;
DROP TRIGGER sensor_summary_inserted ON sensor_variable_summary;
DROP FUNCTION notify_sensor_summary_changed();
