import { z } from 'zod'
import { CONTROL_CHARS, validateReadings, type ShapeCheck, type ValidationResult } from '../src/ingest/reading.js'
import { UNIT_MAX_LENGTH, VARIABLE_MAX_LENGTH } from '../src/ingest/schemas.js'
import { abba, formatChange } from './abba.js'

// npm run bench -- --validation-only: the ingest path's body validation, in-process, no database.
// A: validateReadings with zod checking each reading's shape, as it did until ajv measured faster
// here (the baseline, kept so the comparison can be rerun). B: validateReadings as the API runs
// it, the JSON Schema /openapi.json publishes compiled by ajv. The rest (timestamps, the future
// skew, the result) is the same code. Measured on parsed bodies (JSON.parse is the same either way).

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

/** The shape check as it was with zod; validateReadings does the rest alike for both. */
const zodShape: ShapeCheck = (item, index) => {
  const result = zodReading.safeParse(item)
  return result.success ? result.data : result.error.issues.map((issue) => ({ index, path: issue.path.join('.'), message: issue.message }))
}

export const validateReadingsZod = (items: unknown[], nowMs: number, maxFutureSkewS: number): ValidationResult =>
  validateReadings(items, nowMs, maxFutureSkewS, zodShape)

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
