import { Type } from 'typebox'
import { bearer, IsoMicros, problemResponses, SensorId } from '../openapi/schemas.js'

// POST /readings' contract (docs/api.md). `Reading` is both what /openapi.json publishes and what
// validateReadings (reading.ts) compiles with ajv to check each reading, so the two cannot differ.
// Lengths are in characters (code points), as JSON Schema counts them.

/** No control characters (C0, DEL, C1) and no lone surrogates; needs the `u` flag (ajv's default). */
const CLEAN_TEXT = '^[^\\u0000-\\u001F\\u007F-\\u009F\\p{Cs}]*$'

/** ISO 8601 with an offset and at most six fractional digits (dates are checked when parsed). */
export const ISO_WITH_OFFSET = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,6})?(Z|[+-]\\d{2}:\\d{2})$'

/** Lengths in characters; bench/validation.ts's zod baseline states the same. */
export const VARIABLE_MAX_LENGTH = 100
export const UNIT_MAX_LENGTH = 32

export const Reading = Type.Object({
  sensor_id: SensorId,
  timestamp: Type.Union([
    Type.String({ pattern: ISO_WITH_OFFSET, description: 'ISO 8601 with an offset, at most six fractional digits, years 0001..9999' }),
    Type.Integer({ minimum: -62135596800000, maximum: 253402300799999, description: 'epoch milliseconds' })
  ], { description: 'at most MAX_FUTURE_SKEW_S in the future' }),
  variable: Type.String({ minLength: 1, maxLength: VARIABLE_MAX_LENGTH, pattern: CLEAN_TEXT }),
  value: Type.Number(),
  unit: Type.String({ minLength: 0, maxLength: UNIT_MAX_LENGTH, pattern: CLEAN_TEXT })
}, {
  additionalProperties: false,
  examples: [{ sensor_id: 7, timestamp: '2024-05-01T12:00:00.000001Z', variable: 'temperature', value: 21.5, unit: 'C' }]
})

/** One reading, or a non-empty array of them (at most MAX_BATCH); NDJSON carries one per line. */
export const IngestBody = Type.Union([Reading, Type.Array(Reading, { minItems: 1 })], {
  examples: [
    { sensor_id: 7, timestamp: '2024-05-01T12:00:00.000001Z', variable: 'temperature', value: 21.5, unit: 'C' },
    [
      { sensor_id: 7, timestamp: '2024-05-01T12:00:00.000001Z', variable: 'humidity', value: 40, unit: '%' },
      { sensor_id: 8, timestamp: 1714564800000, variable: 'pressure', value: 1013.25, unit: 'hPa' }
    ]
  ]
})

const StoredReading = Type.Object({
  sensor_id: SensorId,
  timestamp: IsoMicros,
  variable: Type.String(),
  value: Type.Number(),
  unit: Type.String()
})

export const IngestResult = Type.Object({
  received: Type.Integer({ minimum: 1 }),
  inserted: Type.Integer({ minimum: 0 }),
  duplicates: Type.Integer({ minimum: 0 }),
  conflicts: Type.Array(Type.Object({ index: Type.Integer({ minimum: 0 }), stored: StoredReading }))
}, {
  examples: [{ received: 1, inserted: 1, duplicates: 0, conflicts: [] }]
})

export const ingestRoute = {
  tags: ['ingest'],
  summary: 'Store readings exactly once',
  description: 'One reading, a JSON array, or NDJSON (one reading per line); Content-Encoding gzip, deflate or br accepted. ' +
    'All or nothing on validation. Answered once committed; an exact resend is a safe retry (200, duplicates).',
  security: bearer,
  body: IngestBody,
  response: {
    200: IngestResult,
    201: IngestResult,
    ...problemResponses
  }
}
