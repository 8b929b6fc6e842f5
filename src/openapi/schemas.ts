import { Type } from 'typebox'

// Building blocks of the route schemas (TypeBox: JSON Schema with static types). How a route
// declares its schemas: docs/development.md, "Adding a route".

export const ISO_MICROS_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z$'

/** A timestamp as every answer prints it: ISO 8601 UTC with all six fractional digits. */
export const IsoMicros = Type.String({
  pattern: ISO_MICROS_PATTERN,
  description: 'ISO 8601 UTC with six fractional digits',
  examples: ['2024-05-01T12:00:00.000001Z']
})

export const SensorId = Type.Integer({ minimum: 0, maximum: 2147483647 })

/** A query or path parameter holding a whole number (no sign, no exponent), as text: query strings are never coerced. */
export const IntegerText = (min: number, max: number, example: string) => Type.String({
  pattern: '^\\d{1,16}$',
  description: `a whole number from ${min} to ${max}`,
  examples: [example]
})

/** An instant in a query: ISO 8601 with an offset (`+` written `%2B`) or epoch milliseconds. */
export const InstantText = (example: string) => Type.String({
  description: 'ISO 8601 with an offset (at most six fractional digits) or whole epoch milliseconds',
  examples: [example]
})

/** An opaque page cursor: `next_cursor` of the previous page, unchanged. */
export const CursorText = Type.String({ pattern: '^[A-Za-z0-9_-]{1,1024}$', description: 'next_cursor of the previous page, unchanged' })

/** RFC 9457 problem details; extension members (errors, stored, checks, as_of) beside the standard ones. */
export const Problem = Type.Object({
  type: Type.String({ examples: ['urn:iot-sensors:problem:invalid-parameters'] }),
  title: Type.String(),
  status: Type.Integer({ minimum: 400, maximum: 599 }),
  detail: Type.Optional(Type.String())
}, {
  additionalProperties: true,
  description: 'RFC 9457 application/problem+json',
  examples: [{
    type: 'urn:iot-sensors:problem:invalid-parameters',
    title: 'Bad Request',
    status: 400,
    detail: 'Some query parameters are invalid',
    errors: [{ path: 'limit', message: 'must be a whole number from 1 to 10000' }]
  }]
})

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: Problem } }
})

/** The error answers every route may give (4xx for the request, 503 when the database cannot serve). */
export const problemResponses = {
  '4xx': problemResponse('The request was refused (problem+json naming what is wrong); nothing was stored'),
  503: problemResponse('The database is unavailable or the instance is closing; retry after Retry-After seconds')
}

/** Security requirement of routes behind READ_TOKENS / INGEST_TOKENS (open when none are set). */
export const bearer: Array<Record<string, string[]>> = [{}, { bearer: [] }]
