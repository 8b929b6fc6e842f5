import { z } from 'zod'
import { CONTROL_CHARS } from '../ingest/reading.js'
import { parseTimestamp } from '../ingest/timestamp.js'
import { HttpProblem } from '../problem.js'

export interface ParamError {
  path: string
  message: string
}

export const MAX_SENSOR_ID = 2147483647

/** A whole number in a query string or path: digits only, no sign, no exponent, no repeats. */
export function integerParam (min: number, max: number) {
  const message = `must be a whole number from ${min} to ${max}`
  return z.string({ error: (issue) => issue.input === undefined ? 'is required' : message })
    .regex(/^\d{1,16}$/, { error: message })
    .transform(Number)
    .pipe(z.number().int().min(min, { error: message }).max(max, { error: message }))
}

export const sensorIdParam = integerParam(0, MAX_SENSOR_ID)

// As in a reading's text fields (src/ingest/reading.ts): C0, DEL and C1, NUL included.

/** Text as strict as a reading's text fields: `min`..`max` characters, valid Unicode, no control characters. */
export const textParam = (min: number, max: number) => z.string({ error: 'must be given once' })
  .min(min, { error: min === 1 ? 'must not be empty' : `must have at least ${min} characters` })
  .max(max, { error: `must have at most ${max} characters` })
  .refine((s) => !CONTROL_CHARS.test(s), { error: 'must not contain control characters' })
  .refine((s) => s.isWellFormed(), { error: 'must be valid Unicode (no lone surrogates)' })

/** A variable name as readings carry it. */
export const variableParam = textParam(1, 100)

/** `limit`: how many items one page holds. */
export const limitParam = (defaultLimit: number, maxLimit: number) => integerParam(1, maxLimit).default(defaultLimit)

/** An instant as a reading's timestamp is sent: ISO 8601 with an offset, or epoch milliseconds. Yields ISO text PostgreSQL parses exactly. */
export const timestampParam = z.string({ error: 'must be given once' }).transform((input, ctx) => {
  const parsed = parseTimestamp(/^-?\d+$/.test(input) ? Number(input) : input)
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: parsed.message })
    return z.NEVER
  }
  return parsed.value
})

/**
 * Validates a request's query string or path parameters as strictly as a body (unknown
 * parameters, repeats and bad values are refused) and throws a 400 problem naming each one.
 */
export function parseParams<T extends z.ZodType> (schema: T, input: unknown, what = 'query parameters'): z.output<T> {
  const result = schema.safeParse(input ?? {})
  if (result.success) return result.data
  const errors: ParamError[] = result.error.issues.map((issue) => issue.code === 'unrecognized_keys'
    ? { path: issue.keys.join(','), message: `unknown parameter${issue.keys.length > 1 ? 's' : ''}` }
    : { path: issue.path.join('.'), message: issue.message })
  throw new HttpProblem(400, 'invalid-parameters', `Some ${what} are invalid`, { errors })
}

/** The bucket widths aggregated reads offer, in seconds, smallest first. */
export const BUCKET_SECONDS = { '1m': 60, '5m': 300, '15m': 900, '1h': 3600, '6h': 21_600, '1d': 86_400 } as const
export type BucketName = keyof typeof BUCKET_SECONDS

/** `bucket`: one of BUCKET_SECONDS' names, or `auto` (the default). */
export const bucketParam = z.enum([...Object.keys(BUCKET_SECONDS) as BucketName[], 'auto'], {
  error: `must be one of ${Object.keys(BUCKET_SECONDS).join(', ')} or auto`
}).default('auto')
