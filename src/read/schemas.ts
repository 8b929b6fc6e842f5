import { Type } from 'typebox'
import { bearer, CursorText, InstantText, IntegerText, IsoMicros, problemResponses, SensorId } from '../openapi/schemas.js'

// The read API's contract (docs/api.md): query and path parameters as sent (text, never coerced;
// zod in the routes holds the rules), answers as serialised (fast-json-stringify).

const Staleness = {
  as_of: Type.Optional({ ...IsoMicros, description: 'Only when the summary lags: every reading stored before this instant is counted' }),
  pending_readings: Type.Optional(Type.Integer({ minimum: 0, description: 'Only when the summary lags: readings stored before the request, fleet-wide, not counted yet' }))
}

const SensorSummary = {
  sensor_id: SensorId,
  first_seen: IsoMicros,
  last_seen: IsoMicros,
  reading_count: Type.Integer({ minimum: 1 }),
  mean_interval_s: Type.Union([Type.Number(), Type.Null()], { description: 'Seconds between readings; null until some variable has two' })
}

export const ReadingsPage = Type.Object({
  readings: Type.Array(Type.Object({
    sensor_id: SensorId,
    timestamp: IsoMicros,
    variable: Type.String(),
    value: Type.Number(),
    unit: Type.String()
  })),
  next_cursor: Type.Union([Type.String(), Type.Null()])
}, {
  examples: [{
    readings: [
      { sensor_id: 7, timestamp: '2024-05-01T12:00:00.000001Z', variable: 'temperature', value: 21.5, unit: 'C' },
      { sensor_id: 7, timestamp: '2024-05-01T11:59:00.000000Z', variable: 'temperature', value: 21.4, unit: 'C' }
    ],
    next_cursor: 'eyJ0cyI6IjIwMjQtMDUtMDFUMTE6NTk6MDAuMDAwMDAwWiIsInZhcmlhYmxlIjoidGVtcGVyYXR1cmUifQ'
  }]
})

export const readingsRoute = {
  tags: ['read'],
  summary: 'One sensor\'s readings, newest first, keyset-paginated',
  security: bearer,
  querystring: Type.Object({
    sensor_id: IntegerText(0, 2147483647, '7'),
    variable: Type.Optional(Type.String({ minLength: 1, maxLength: 100, examples: ['temperature'] })),
    from: Type.Optional(InstantText('2024-05-01T00:00:00Z')),
    to: Type.Optional(InstantText('1714564800000')),
    limit: Type.Optional(IntegerText(1, 10000, '100')),
    cursor: Type.Optional(CursorText)
  }, { additionalProperties: false }),
  response: { 200: ReadingsPage, ...problemResponses }
}

export const SensorsPage = Type.Object({
  sensors: Type.Array(Type.Object({ ...SensorSummary, variables: Type.Array(Type.String()) })),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
  ...Staleness
}, {
  examples: [{
    sensors: [{
      sensor_id: 7,
      first_seen: '2024-05-01T11:00:00.000000Z',
      last_seen: '2024-05-01T12:00:00.000001Z',
      reading_count: 121,
      mean_interval_s: 60,
      variables: ['humidity', 'temperature']
    }],
    next_cursor: null
  }]
})

export const sensorsRoute = {
  tags: ['read'],
  summary: 'Every sensor with a stored reading, by sensor_id, keyset-paginated',
  security: bearer,
  querystring: Type.Object({
    limit: Type.Optional(IntegerText(1, 10000, '100')),
    cursor: Type.Optional(CursorText)
  }, { additionalProperties: false }),
  response: { 200: SensorsPage, ...problemResponses }
}

export const SilentReport = Type.Object({
  minutes: Type.Integer({ minimum: 1 }),
  silent: Type.Integer({ minimum: 0 }),
  total: Type.Integer({ minimum: 0 }),
  share: Type.Number({ minimum: 0, maximum: 1 }),
  sensors: Type.Array(Type.Object({ sensor_id: SensorId, last_seen: IsoMicros })),
  ...Staleness
}, {
  examples: [{
    minutes: 10,
    silent: 1,
    total: 4,
    share: 0.25,
    sensors: [{ sensor_id: 12, last_seen: '2024-05-01T10:00:00.000000Z' }]
  }]
})

export const silentRoute = {
  tags: ['read'],
  summary: 'Sensors whose newest reading is older than `minutes`, longest silent first',
  security: bearer,
  querystring: Type.Object({
    minutes: Type.Optional(IntegerText(1, 527040, '10')),
    limit: Type.Optional(IntegerText(1, 10000, '100'))
  }, { additionalProperties: false }),
  response: { 200: SilentReport, ...problemResponses }
}

export const SensorDetail = Type.Object({
  ...SensorSummary,
  variables: Type.Array(Type.Object({
    variable: Type.String(),
    reading_count: Type.Integer({ minimum: 1 }),
    first_seen: IsoMicros,
    last_seen: IsoMicros,
    latest: Type.Object({ timestamp: IsoMicros, value: Type.Number(), unit: Type.String() })
  })),
  ...Staleness
}, {
  examples: [{
    sensor_id: 7,
    first_seen: '2024-05-01T11:00:00.000000Z',
    last_seen: '2024-05-01T12:00:00.000001Z',
    reading_count: 61,
    mean_interval_s: 60,
    variables: [{
      variable: 'temperature',
      reading_count: 61,
      first_seen: '2024-05-01T11:00:00.000000Z',
      last_seen: '2024-05-01T12:00:00.000001Z',
      latest: { timestamp: '2024-05-01T12:00:00.000001Z', value: 21.5, unit: 'C' }
    }]
  }]
})

export const sensorRoute = {
  tags: ['read'],
  summary: 'One sensor: counts, first and last seen, each variable\'s latest reading',
  security: bearer,
  params: Type.Object({ id: IntegerText(0, 2147483647, '7') }, { additionalProperties: false }),
  querystring: Type.Object({}, { additionalProperties: false }),
  response: { 200: SensorDetail, ...problemResponses }
}

const BucketName = Type.Union([Type.Literal('1m'), Type.Literal('5m'), Type.Literal('15m'), Type.Literal('1h'), Type.Literal('6h'), Type.Literal('1d')])
const BucketText = Type.Union([Type.Literal('auto'), ...BucketName.anyOf], {
  description: 'bucket width, or `auto`: the smallest giving at most 1,000 buckets over the range'
})

const rangeQuery = {
  from: Type.Optional(InstantText('1714521600000')),
  to: Type.Optional(InstantText('2024-05-02T00:00:00Z')),
  bucket: Type.Optional(BucketText)
}

export const Aggregate = Type.Object({
  sensor_id: SensorId,
  variable: Type.String(),
  from: IsoMicros,
  to: IsoMicros,
  bucket: BucketName,
  bucket_seconds: Type.Integer({ minimum: 60 }),
  buckets: Type.Array(Type.Object({
    start: IsoMicros,
    count: Type.Integer({ minimum: 1 }),
    min: Type.Number(),
    max: Type.Number(),
    avg: Type.Number(),
    first: Type.Number(),
    last: Type.Number()
  }), { description: 'Oldest first; buckets holding no reading are left out' })
}, {
  examples: [{
    sensor_id: 7,
    variable: 'temperature',
    from: '2024-05-01T00:00:00.000000Z',
    to: '2024-05-02T00:00:00.000000Z',
    bucket: '5m',
    bucket_seconds: 300,
    buckets: [{ start: '2024-05-01T00:00:00.000000Z', count: 300, min: 20.5, max: 21.5, avg: 21.02, first: 20.5, last: 21.5 }]
  }]
})

export const aggregateRoute = {
  tags: ['read'],
  summary: 'One sensor-variable per time bucket: count, min, max, average, first and last value',
  security: bearer,
  querystring: Type.Object({
    sensor_id: IntegerText(0, 2147483647, '7'),
    variable: Type.String({ minLength: 1, maxLength: 100, examples: ['temperature'] }),
    ...rangeQuery
  }, { additionalProperties: false }),
  response: { 200: Aggregate, ...problemResponses }
}

export const IngestStats = Type.Object({
  from: IsoMicros,
  to: IsoMicros,
  bucket: BucketName,
  bucket_seconds: Type.Integer({ minimum: 60 }),
  buckets: Type.Array(Type.Object({ start: IsoMicros, count: Type.Integer({ minimum: 0 }) }),
    { description: 'Oldest first, every bucket of the range (count 0 included)' })
}, {
  examples: [{
    from: '2024-05-01T11:00:00.000000Z',
    to: '2024-05-01T12:00:00.000000Z',
    bucket: '1m',
    bucket_seconds: 60,
    buckets: [{ start: '2024-05-01T11:00:00.000000Z', count: 5000 }, { start: '2024-05-01T11:01:00.000000Z', count: 0 }]
  }]
})

export const ingestStatsRoute = {
  tags: ['read'],
  summary: 'Readings stored per time bucket, fleet-wide, by the time they were stored',
  security: bearer,
  querystring: Type.Object(rangeQuery, { additionalProperties: false }),
  response: { 200: IngestStats, ...problemResponses }
}

const SensorRangesText = Type.String({ description: 'sensor ids and inclusive ranges, comma-separated (at most 100)', examples: ['1-500,731'] })
const FleetPage = {
  now: { ...IsoMicros, description: 'The server\'s clock when it answered' },
  next_cursor: Type.Union([Type.String(), Type.Null()]),
  ...Staleness
}

export const FleetLatest = Type.Object({
  variable: Type.String(),
  sensor_ids: Type.Array(SensorId),
  values: Type.Array(Type.Number()),
  units: Type.Array(Type.String()),
  timestamps: Type.Array(IsoMicros),
  ...FleetPage
}, {
  description: 'Parallel arrays, by sensor_id',
  examples: [{
    variable: 'temperature',
    sensor_ids: [7, 12],
    values: [81.5, 84],
    units: ['C', 'C'],
    timestamps: ['2024-05-01T12:00:00.000001Z', '2024-05-01T11:59:30.000000Z'],
    now: '2024-05-01T12:00:05.000000Z',
    next_cursor: null
  }]
})

export const fleetLatestRoute = {
  tags: ['read'],
  summary: 'The latest value of one variable for every sensor, filtered server-side (for the watchdog\'s rules)',
  security: bearer,
  querystring: Type.Object({
    variable: Type.String({ minLength: 1, maxLength: 100, examples: ['temperature'] }),
    sensors: Type.Optional(SensorRangesText),
    min: Type.Optional(Type.String({ description: 'only values at or above this', examples: ['80'] })),
    max: Type.Optional(Type.String({ description: 'only values at or below this', examples: ['-10.5'] })),
    limit: Type.Optional(IntegerText(1, 50000, '10000')),
    cursor: Type.Optional(CursorText)
  }, { additionalProperties: false }),
  response: { 200: FleetLatest, ...problemResponses }
}

export const FleetLastSeen = Type.Object({
  per_variable: Type.Boolean(),
  silent_for: Type.Optional(Type.Integer({ minimum: 0 })),
  sensors_total: Type.Integer({ minimum: 0 }),
  sensors_silent: Type.Optional(Type.Integer({ minimum: 0 })),
  sensor_ids: Type.Array(SensorId),
  variables: Type.Optional(Type.Array(Type.String())),
  last_seen: Type.Array(IsoMicros),
  ...FleetPage
}, {
  description: 'Parallel arrays, by sensor_id (and variable with per_variable)',
  examples: [{
    per_variable: false,
    silent_for: 600,
    sensors_total: 1000,
    sensors_silent: 1,
    sensor_ids: [12],
    last_seen: ['2024-05-01T10:00:00.000000Z'],
    now: '2024-05-01T12:00:05.000000Z',
    next_cursor: null
  }]
})

export const fleetLastSeenRoute = {
  tags: ['read'],
  summary: 'The newest reading time of every sensor (or sensor and variable); with silent_for only the silent ones (for the watchdog)',
  security: bearer,
  querystring: Type.Object({
    per_variable: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
    sensors: Type.Optional(SensorRangesText),
    silent_for: Type.Optional(IntegerText(0, 31622400, '600')),
    limit: Type.Optional(IntegerText(1, 50000, '10000')),
    cursor: Type.Optional(CursorText)
  }, { additionalProperties: false }),
  response: { 200: FleetLastSeen, ...problemResponses }
}
