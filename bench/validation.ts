import { z } from 'zod'
import { CONTROL_CHARS, validateReadings, type Reading, type ReadingError, type ValidationResult } from '../src/ingest/reading.js'
import { UNIT_MAX_LENGTH, VARIABLE_MAX_LENGTH } from '../src/ingest/schemas.js'
import { parseTimestamp } from '../src/ingest/timestamp.js'
import { abba, formatChange } from './abba.js'

// npm run bench -- --validation-only: the ingest path's body validation, in-process, no database.
// A: zod, which validated readings until ajv measured faster here (the baseline, kept so the
// comparison can be rerun). B: validateReadings, the JSON Schema /openapi.json publishes compiled
// by ajv, as the API runs it. Both then parse timestamps and check the future skew into the same
// result. Measured on parsed bodies (JSON.parse is the same either way).

const MAX_ERRORS_REPORTED = 100
const MAX_FUTURE_SKEW_S = 300

const text = (min: number, max: number) => z.string().min(min).max(max)
  .refine((s) => !CONTROL_CHARS.test(s), { error: 'must not contain control characters' })
  .refine((s) => s.isWellFormed(), { error: 'must be valid Unicode (no lone surrogates)' })
const zodReading = z.strictObject({
  sensor_id: z.int().min(0).max(2147483647),
  timestamp: z.union([z.string(), z.number()]),
  variable: text(1, VARIABLE_MAX_LENGTH),
  value: z.number(),
  unit: text(0, UNIT_MAX_LENGTH)
})

/** validateReadings as it was with zod: same all-or-nothing result, errors with index and path. */
export function validateReadingsZod (items: unknown[], nowMs: number, maxFutureSkewS: number): ValidationResult {
  const readings: Reading[] = []
  const errors: ReadingError[] = []
  const latest = nowMs + maxFutureSkewS * 1000
  for (let index = 0; index < items.length && errors.length < MAX_ERRORS_REPORTED; index++) {
    const result = zodReading.safeParse(items[index])
    if (!result.success) {
      for (const issue of result.error.issues) errors.push({ index, path: issue.path.join('.'), message: issue.message })
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
    const zod = validateReadingsZod(items, Date.now(), MAX_FUTURE_SKEW_S)
    const viaAjv = validateReadings(items, Date.now(), MAX_FUTURE_SKEW_S)
    if (zod.ok !== viaAjv.ok) throw new Error(`validation bench: zod and ajv disagree on ${name}`)
    for (const validate of [validateReadingsZod, validateReadings]) rate(validate, items, 200) // warm-up
    const medians = { A: [] as number[], B: [] as number[] }
    const result = await abba(rounds, async (side) => {
      const r = rate(side === 'A' ? validateReadingsZod : validateReadings, items, runMs)
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
