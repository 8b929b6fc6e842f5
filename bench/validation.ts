import { Ajv, type ErrorObject } from 'ajv'
import { validateReadings, type Reading, type ReadingError, type ValidationResult } from '../src/ingest/reading.js'
import { Reading as ReadingSchema } from '../src/ingest/schemas.js'
import { parseTimestamp } from '../src/ingest/timestamp.js'
import { abba, formatChange } from './abba.js'

// npm run bench -- --validation-only: the ingest path's body validation, in-process, no database.
// A: today's zod schema (validateReadings). B: ajv (Fastify's native validator) compiling the
// JSON Schema /openapi.json publishes for a reading, then the same timestamp parsing and
// future-skew check, into the same result. Measured on parsed bodies (JSON.parse is the same
// either way).

const MAX_ERRORS_REPORTED = 100
const MAX_FUTURE_SKEW_S = 300

const ajv = new Ajv({ allErrors: true, coerceTypes: false, removeAdditional: false, useDefaults: false, strict: false })
const validateReading = ajv.compile(ReadingSchema)

function ajvError (index: number, e: ErrorObject): ReadingError {
  if (e.keyword === 'additionalProperties') return { index, path: '', message: `unknown field: ${String(e.params.additionalProperty)}` }
  if (e.keyword === 'required') return { index, path: String(e.params.missingProperty), message: 'is required' }
  return { index, path: e.instancePath.slice(1).replaceAll('/', '.'), message: e.message ?? 'is invalid' }
}

/** validateReadings with ajv in place of zod: same all-or-nothing result, errors with index and path. */
export function validateReadingsAjv (items: unknown[], nowMs: number, maxFutureSkewS: number): ValidationResult {
  const readings: Reading[] = []
  const errors: ReadingError[] = []
  const latest = nowMs + maxFutureSkewS * 1000
  for (let index = 0; index < items.length && errors.length < MAX_ERRORS_REPORTED; index++) {
    const item = items[index]
    if (!validateReading(item)) {
      for (const e of validateReading.errors ?? []) errors.push(ajvError(index, e))
      continue
    }
    const r = item as { sensor_id: number, timestamp: string | number, variable: string, value: number, unit: string }
    const ts = parseTimestamp(r.timestamp)
    if (!ts.ok) {
      errors.push({ index, path: 'timestamp', message: ts.message })
      continue
    }
    if (ts.value.epochMs > latest) {
      errors.push({ index, path: 'timestamp', message: `is more than ${maxFutureSkewS} s in the future` })
      continue
    }
    readings.push({ sensorId: r.sensor_id, epochMs: ts.value.epochMs, microsInMs: ts.value.microsInMs, variable: r.variable, value: r.value, unit: r.unit })
  }
  return errors.length > 0 ? { ok: false, errors: errors.slice(0, MAX_ERRORS_REPORTED) } : { ok: true, readings }
}

/** A parsed body of `n` readings as sensors send them, the last one invalid when asked. */
function body (n: number, lastInvalid: boolean): unknown[] {
  const start = Date.now() - 3_600_000
  const variables = ['temperature', 'humidity', 'pressure', 'co2', 'battery']
  return Array.from({ length: n }, (_, i) => {
    const reading: Record<string, unknown> = {
      sensor_id: 1_000_000 + (i % 1000),
      timestamp: `${new Date(start + i * 1000).toISOString().slice(0, 23)}${String(i % 1000).padStart(3, '0')}Z`,
      variable: variables[i % variables.length],
      value: 20 + (i % 17) / 10,
      unit: 'C'
    }
    if (lastInvalid && i === n - 1) reading.value = '21.5'
    return reading
  })
}

type Validate = (items: unknown[], nowMs: number, maxFutureSkewS: number) => ValidationResult

/** Bodies validated per second, running for `ms`. */
function rate (validate: Validate, items: unknown[], ms: number): number {
  let n = 0
  const started = performance.now()
  const until = started + ms
  let now = started
  while (now < until) {
    for (let i = 0; i < 16; i++) validate(items, Date.now(), MAX_FUTURE_SKEW_S)
    n += 16
    now = performance.now()
  }
  return n / ((now - started) / 1000)
}

export async function runValidationBench (opts: { log: (line: string) => void, rounds?: number, runMs?: number }): Promise<void> {
  const rounds = opts.rounds ?? 4
  const runMs = opts.runMs ?? 400
  const scenarios = [
    { name: '1 reading', items: body(1, false) },
    { name: '1,000 readings', items: body(1000, false) },
    { name: '1,000 readings, the last invalid', items: body(1000, true) }
  ]
  for (const { name, items } of scenarios) {
    // Both must reach the same verdict, or the comparison means nothing.
    const zod = validateReadings(items, Date.now(), MAX_FUTURE_SKEW_S)
    const viaAjv = validateReadingsAjv(items, Date.now(), MAX_FUTURE_SKEW_S)
    if (zod.ok !== viaAjv.ok) throw new Error(`validation bench: zod and ajv disagree on ${name}`)
    for (const validate of [validateReadings, validateReadingsAjv]) rate(validate, items, 200) // warm-up
    const medians = { A: [] as number[], B: [] as number[] }
    const result = await abba(rounds, async (side) => {
      const r = rate(side === 'A' ? validateReadings : validateReadingsAjv, items, runMs)
      medians[side].push(r)
      return r
    })
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length
    const perBody = (r: number) => r >= 1000 ? `${Math.round(r).toLocaleString('en')} bodies/s` : `${r.toFixed(0)} bodies/s`
    const us = (r: number) => `${(1e6 / r).toFixed(1)} µs/body`
    opts.log(`validation, ${name}: zod ${perBody(mean(medians.A))} (${us(mean(medians.A))}), ` +
      `ajv ${perBody(mean(medians.B))} (${us(mean(medians.B))}); ajv against zod ${formatChange(result)}`)
  }
}
