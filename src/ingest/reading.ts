import { z } from 'zod'
import { parseTimestamp } from './timestamp.js'

/** A validated reading, ready for the writer. */
export interface Reading {
  sensorId: number
  /** The instant, whatever the offset: epoch milliseconds (floor), then microseconds past them. */
  epochMs: number
  microsInMs: number
  variable: string
  value: number
  unit: string
}

export interface ReadingError {
  index: number
  path: string
  message: string
}

// eslint-disable-next-line no-control-regex -- control characters are what it finds
export const CONTROL_CHARS = /[\u0000-\u001F\u007F-\u009F]/

// A missing field and a field of the wrong type get different messages.
const typeError = (expected: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : expected

const text = (min: number, max: number) =>
  z.string({ error: typeError('must be a string') })
    .min(min, { error: min === 1 ? 'must not be empty' : `must have at least ${min} characters` })
    .max(max, { error: `must have at most ${max} characters` })
    .refine((s) => !CONTROL_CHARS.test(s), { error: 'must not contain control characters' })
    .refine((s) => s.isWellFormed(), { error: 'must be valid Unicode (no lone surrogates)' })

// zod checks the type; parseTimestamp (run once per reading in validateReadings) checks the
// format, and yields the instant the writer needs, without a second pass.
const timestamp = z.union([z.string(), z.number()], { error: typeError('expected an ISO 8601 string or epoch milliseconds') })

/** No coercion, no unknown fields, finite numbers only. */
export const readingSchema = z.strictObject({
  sensor_id: z.int({ error: typeError('must be a whole number from 0 to 2147483647') })
    .min(0, { error: 'must be a whole number from 0 to 2147483647' })
    .max(2147483647, { error: 'must be a whole number from 0 to 2147483647' }),
  timestamp,
  variable: text(1, 100),
  value: z.number({ error: typeError('must be a finite number') }),
  unit: text(0, 32)
})

export type ValidationResult = { ok: true, readings: Reading[] } | { ok: false, errors: ReadingError[] }

const MAX_ERRORS_REPORTED = 100
const MAX_KEYS_REPORTED = 10

/** "unknown fields: a, b, c and 899997 more": a body of a million keys must not answer megabytes. */
function unknownFields (keys: string[]): string {
  const named = keys.slice(0, MAX_KEYS_REPORTED).map((k) => k.length > 100 ? `${k.slice(0, 100)}…` : k).join(', ')
  return `unknown field${keys.length > 1 ? 's' : ''}: ${named}${keys.length > MAX_KEYS_REPORTED ? ` and ${keys.length - MAX_KEYS_REPORTED} more` : ''}`
}

/**
 * Validates every item (all-or-nothing: one bad reading rejects the request) and reports up to
 * 100 errors with their index and field.
 */
export function validateReadings (items: unknown[], nowMs: number, maxFutureSkewS: number): ValidationResult {
  const readings: Reading[] = []
  const errors: ReadingError[] = []
  const latest = nowMs + maxFutureSkewS * 1000
  for (let index = 0; index < items.length && errors.length < MAX_ERRORS_REPORTED; index++) {
    const result = readingSchema.safeParse(items[index])
    if (!result.success) {
      for (const issue of result.error.issues) {
        const path = issue.path.join('.')
        const message = issue.code === 'unrecognized_keys'
          ? unknownFields(issue.keys)
          : issue.code === 'invalid_type' && issue.path.length === 0
            ? 'a reading must be a JSON object'
            : issue.message
        errors.push({ index, path, message })
      }
      // Report a malformed timestamp too, though its type was right and another field failed.
      const raw = (items[index] as { timestamp?: unknown } | null)?.timestamp
      if ((typeof raw === 'string' || typeof raw === 'number') && !errors.some((e) => e.index === index && e.path === 'timestamp')) {
        const ts = parseTimestamp(raw)
        if (!ts.ok) errors.push({ index, path: 'timestamp', message: ts.message })
      }
      continue
    }
    const r = result.data
    const ts = parseTimestamp(r.timestamp)
    if (!ts.ok) {
      errors.push({ index, path: 'timestamp', message: ts.message })
      continue
    }
    if (ts.value.epochMs > latest) {
      errors.push({ index, path: 'timestamp', message: `is more than ${maxFutureSkewS} s in the future` })
      continue
    }
    readings.push({
      sensorId: r.sensor_id,
      epochMs: ts.value.epochMs,
      microsInMs: ts.value.microsInMs,
      variable: r.variable,
      value: r.value,
      unit: r.unit
    })
  }
  return errors.length > 0 ? { ok: false, errors: errors.slice(0, MAX_ERRORS_REPORTED) } : { ok: true, readings }
}
