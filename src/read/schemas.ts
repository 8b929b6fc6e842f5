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
