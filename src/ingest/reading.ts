import { Ajv, type ErrorObject } from 'ajv'
import { Reading as ReadingSchema } from './schemas.js'
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

/** A reading as sent, once the schema has accepted its shape. */
export interface SentReading {
  sensor_id: number
  timestamp: string | number
  variable: string
  value: number
  unit: string
}

// eslint-disable-next-line no-control-regex -- control characters are what it finds
export const CONTROL_CHARS = /[\u0000-\u001F\u007F-\u009F]/

// The JSON Schema /openapi.json publishes is the validator (docs/design/openapi.md): no coercion,
// no stripping, and no Infinity or NaN (`strictNumbers`, which ajv leaves off by default).
const ajv = new Ajv({ allErrors: true, coerceTypes: false, removeAdditional: false, useDefaults: false, strictNumbers: true, strict: false })
const matchesSchema = ajv.compile<SentReading>(ReadingSchema)

const FIELDS = ['sensor_id', 'timestamp', 'variable', 'value', 'unit'] as const
type Field = typeof FIELDS[number]

const WHOLE_NUMBER = 'must be a whole number from 0 to 2147483647'
const TIMESTAMP_TYPE = 'expected an ISO 8601 string or epoch milliseconds'

/** The message clients get for a field the schema rejected (one per field). */
function fieldMessage (field: Field, raw: unknown, error: ErrorObject): string {
  if (raw === undefined) return 'is required'
  switch (field) {
    case 'sensor_id': return WHOLE_NUMBER
    case 'value': return 'must be a finite number'
    case 'timestamp': {
      const ts = parseTimestamp(raw)
      return ts.ok ? TIMESTAMP_TYPE : ts.message
    }
    case 'variable':
    case 'unit':
      if (typeof raw !== 'string') return 'must be a string'
      if (error.keyword === 'minLength') return 'must not be empty'
      if (error.keyword === 'maxLength') return `must have at most ${String(error.params.limit)} characters`
      return CONTROL_CHARS.test(raw) ? 'must not contain control characters' : 'must be valid Unicode (no lone surrogates)'
  }
}

const MAX_ERRORS_REPORTED = 100
const MAX_KEYS_REPORTED = 10

/** "unknown fields: a, b, c and 899997 more": a body of a million keys must not answer megabytes. */
function unknownFields (keys: string[]): string {
  const named = keys.slice(0, MAX_KEYS_REPORTED).map((k) => k.length > 100 ? `${k.slice(0, 100)}…` : k).join(', ')
  return `unknown field${keys.length > 1 ? 's' : ''}: ${named}${keys.length > MAX_KEYS_REPORTED ? ` and ${keys.length - MAX_KEYS_REPORTED} more` : ''}`
}

/** What is wrong with an item the schema rejected: one error per field, in the schema's order, then the unknown fields. */
function itemErrors (index: number, item: unknown, schemaErrors: ErrorObject[]): ReadingError[] {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return [{ index, path: '', message: 'a reading must be a JSON object' }]
  const sent = item as Record<string, unknown>
  const firstByField = new Map<Field, ErrorObject>()
  const unknownKeys: string[] = []
  for (const e of schemaErrors) {
    if (e.keyword === 'additionalProperties') {
      unknownKeys.push(String(e.params.additionalProperty))
      continue
    }
    const field = (e.keyword === 'required' ? e.params.missingProperty : e.instancePath.split('/')[1]) as Field
    if (!firstByField.has(field)) firstByField.set(field, e)
  }
  const errors: ReadingError[] = []
  for (const field of FIELDS) {
    const e = firstByField.get(field)
    if (e !== undefined) errors.push({ index, path: field, message: fieldMessage(field, sent[field], e) })
  }
  // A well-formed timestamp for an impossible date (Feb 30) passes the schema: report it beside the rest.
  const raw = sent.timestamp
  if (!firstByField.has('timestamp') && (typeof raw === 'string' || typeof raw === 'number')) {
    const ts = parseTimestamp(raw)
    if (!ts.ok) errors.push({ index, path: 'timestamp', message: ts.message })
  }
  if (unknownKeys.length > 0) errors.push({ index, path: '', message: unknownFields(unknownKeys) })
  return errors
}

export type ValidationResult = { ok: true, readings: Reading[] } | { ok: false, errors: ReadingError[] }

/** What a shape check makes of one item: the reading as sent, or what is wrong with it. */
export type ShapeCheck = (item: unknown, index: number) => SentReading | ReadingError[]

/** The published JSON Schema, compiled by ajv (about 3 times zod's speed: docs/design/openapi.md). */
const schemaCheck: ShapeCheck = (item, index) => matchesSchema(item) ? item : itemErrors(index, item, matchesSchema.errors ?? [])

/**
 * Validates every item (all-or-nothing: one bad reading rejects the request) and reports up to
 * 100 errors with their index and field. The shape check (the schema: each field's type, range,
 * length in characters, that is code points, and text) comes first; parseTimestamp then checks
 * the date exists and yields the instant the writer needs.
 */
export function validateReadings (items: unknown[], nowMs: number, maxFutureSkewS: number, checkShape: ShapeCheck = schemaCheck): ValidationResult {
  const readings: Reading[] = []
  const errors: ReadingError[] = []
  const latest = nowMs + maxFutureSkewS * 1000
  for (let index = 0; index < items.length && errors.length < MAX_ERRORS_REPORTED; index++) {
    const item = checkShape(items[index], index)
    if (Array.isArray(item)) {
      errors.push(...item)
      continue
    }
    const ts = parseTimestamp(item.timestamp)
    if (!ts.ok) {
      errors.push({ index, path: 'timestamp', message: ts.message })
      continue
    }
    if (ts.value.epochMs > latest) {
      errors.push({ index, path: 'timestamp', message: `is more than ${maxFutureSkewS} s in the future` })
      continue
    }
    readings.push({
      sensorId: item.sensor_id,
      epochMs: ts.value.epochMs,
      microsInMs: ts.value.microsInMs,
      variable: item.variable,
      value: item.value,
      unit: item.unit
    })
  }
  return errors.length > 0 ? { ok: false, errors: errors.slice(0, MAX_ERRORS_REPORTED) } : { ok: true, readings }
}
