// The live feed's wire format, shared by the server (src/dashboard/) and the pages (web/src/live.ts).

/** One sensor as the feed carries it: times in epoch milliseconds. */
export interface FleetSensor {
  sensor_id: number
  first_seen_ms: number
  last_seen_ms: number
  reading_count: number
  variables: string[]
}

/** The data of every event: `now` is the server's clock (epoch ms), so pages tell silence by it. */
export interface FeedData {
  now: number
  sensors: FleetSensor[]
}
