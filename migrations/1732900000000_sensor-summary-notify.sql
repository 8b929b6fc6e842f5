-- Up Migration
-- Tells every replica which sensors a statement changed in sensor_variable_summary, so the
-- dashboard's live feed (src/dashboard/) rereads only those. Only folds write the summary, about
-- once a second, so this runs once per fold and never in an ingest flush. NOTIFY is delivered on
-- commit, to every session LISTENing on the channel, whichever replica folded.
-- Payload: sensor ids, comma-separated, at most 600 per notification (a payload holds at most
-- 8000 bytes): a fold that changed more sends several. Nothing is done while no replica listens:
-- the feed's listening connections name themselves 'iot-sensors-service/<instance>/live'.
CREATE FUNCTION notify_sensor_summary_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids text;
BEGIN
  IF NOT EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'iot-sensors-service/%/live') THEN
    RETURN NULL;
  END IF;
  FOR ids IN
    SELECT string_agg(sensor_id::text, ',' ORDER BY sensor_id)
    FROM (SELECT sensor_id, (row_number() OVER (ORDER BY sensor_id) - 1) / 600 AS chunk FROM (SELECT DISTINCT sensor_id FROM changed) d) numbered
    GROUP BY chunk
    ORDER BY chunk
  LOOP
    PERFORM pg_notify('sensor_summary_changed', ids);
  END LOOP;
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
