import { parseArgs } from 'node:util'
import { z } from 'zod'

/** How the run is driven: evenly paced at a reading rate, or as fast as the API answers. */
export type Pace =
  | { kind: 'paced', readingsPerSecond: number, readings: number }
  | { kind: 'max', readings?: number, durationS?: number }

export interface LoadTestOptions {
  /** Base URL of the API, without a trailing slash. */
  url: string
  pace: Pace
  connections: number
  /** Readings per request. */
  batch: number
  /** Distinct sensor ids the readings are spread over. */
  sensors: number
  /** Fraction of requests that resend an earlier request's readings exactly. */
  duplicates: number
  token?: string
  jsonFile?: string
  maxP99Ms?: number
}

export class ArgsError extends Error {
  override name = 'ArgsError'
}

export const USAGE = `Usage: npm run load-test -- [options]

Sends sensor readings to POST /readings, then checks through GET /sensors/{id} that every
acknowledged reading was stored once.

  --url URL          API base URL                                  (default http://localhost:3000)
  --readings N       readings to send                              (default 5000)
  --duration TIME    spread the readings evenly over TIME: 90, 60s, 2m, 500ms  (default 60s)
  --rate R           readings per second instead (overrides --duration pacing)
  --max              as fast as the API answers: sends --readings, or runs for
                     --duration when --duration is given (both given: whichever ends first)
  --connections N    concurrent HTTP connections                   (default 10)
  --batch N          readings per request                          (default 1)
  --sensors N        distinct sensor ids (up to 100000), new ones for every run (default 100)
  --duplicates F     fraction of requests (0 to <1) that resend an earlier request exactly (default 0)
  --token TOKEN      sent as Authorization: Bearer TOKEN (ingest and read)
  --json FILE        also write the summary as JSON to FILE
  --max-p99 MS       fail when the p99 latency is above MS milliseconds
  --help             show this help

Exit status: 0 passed, 1 the run or its verification failed (reason printed), 2 bad arguments.`

/** "90", "90s", "1.5m", "500ms", "1h" → seconds. */
function parseDuration (text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim())
  if (!match) return undefined
  const factor = { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2] as 'ms' | 's' | 'm' | 'h' ?? 's']
  return Number(match[1]) * factor
}

const number = (what: string) => z.string().trim().min(1, { error: `expected ${what}` })
  .transform((s, ctx) => {
    const n = Number(s)
    if (!Number.isFinite(n)) {
      ctx.addIssue({ code: 'custom', message: `expected ${what}, got "${s}"` })
      return z.NEVER
    }
    return n
  })

const wholeNumber = (min: number, max: number) => number(`a whole number from ${min} to ${max}`)
  .pipe(z.number().int({ error: `must be a whole number from ${min} to ${max}` })
    .min(min, { error: `must be a whole number from ${min} to ${max}` })
    .max(max, { error: `must be a whole number from ${min} to ${max}` }))

const positive = (what: string) => number(what).pipe(z.number().positive({ error: `must be ${what}` }))

const duration = z.string().transform((s, ctx) => {
  const seconds = parseDuration(s)
  if (seconds === undefined || seconds <= 0) {
    ctx.addIssue({ code: 'custom', message: `expected a duration above zero such as 60s, 2m, 500ms or 90 (seconds), got "${s}"` })
    return z.NEVER
  }
  return seconds
})

const argsSchema = z.strictObject({
  url: z.string().default('http://localhost:3000').refine((s) => /^https?:\/\//.test(s) && URL.canParse(s), {
    error: 'expected an http:// or https:// URL'
  }).transform((s) => s.replace(/\/+$/, '')),
  readings: wholeNumber(1, 1_000_000_000).optional(),
  duration: duration.optional(),
  rate: positive('a number of readings per second above zero').optional(),
  max: z.boolean().default(false),
  connections: wholeNumber(1, 10_000).default(10),
  batch: wholeNumber(1, 10_000).default(1),
  // Verification reads each sensor once (and so does the check that the ids are unused).
  sensors: wholeNumber(1, 100_000).default(100),
  duplicates: number('a fraction from 0 up to (not including) 1')
    .pipe(z.number().min(0, { error: 'must be a fraction from 0 up to (not including) 1' })
      .lt(1, { error: 'must be a fraction from 0 up to (not including) 1' }))
    .default(0),
  token: z.string().min(1, { error: 'must not be empty' }).optional(),
  json: z.string().min(1, { error: 'expected a file name' }).optional(),
  'max-p99': positive('a number of milliseconds above zero').optional()
}).superRefine((a, ctx) => {
  if (a.max && a.rate !== undefined) ctx.addIssue({ code: 'custom', path: ['max'], message: 'cannot be combined with --rate' })
})

const DEFAULT_READINGS = 5000
const DEFAULT_DURATION_S = 60

/**
 * Parses command-line arguments (without the node and script names). Throws ArgsError with a
 * message naming every bad option; returns 'help' for --help.
 */
export function parseLoadTestArgs (argv: readonly string[]): LoadTestOptions | 'help' {
  let values: Record<string, string | boolean | undefined>
  try {
    ({ values } = parseArgs({
      args: joinNegativeValues(argv),
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        readings: { type: 'string' },
        duration: { type: 'string' },
        rate: { type: 'string' },
        max: { type: 'boolean' },
        connections: { type: 'string' },
        batch: { type: 'string' },
        sensors: { type: 'string' },
        duplicates: { type: 'string' },
        token: { type: 'string' },
        json: { type: 'string' },
        'max-p99': { type: 'string' },
        help: { type: 'boolean', short: 'h' }
      }
    }))
  } catch (err) {
    throw new ArgsError((err as Error).message.split('\n')[0]!)
  }
  if (values.help === true) return 'help'
  delete values.help

  const parsed = argsSchema.safeParse(values)
  if (!parsed.success) {
    throw new ArgsError(parsed.error.issues
      .map((issue) => `--${String(issue.path[0])}${typeof values[String(issue.path[0])] === 'string' ? ` ${values[String(issue.path[0])] as string}` : ''}: ${issue.message}`)
      .join('\n'))
  }
  const a = parsed.data

  let pace: Pace
  if (a.max) {
    pace = a.readings === undefined && a.duration === undefined
      ? { kind: 'max', readings: DEFAULT_READINGS }
      : { kind: 'max', readings: a.readings, durationS: a.duration }
  } else {
    const readings = a.readings ?? DEFAULT_READINGS
    pace = { kind: 'paced', readings, readingsPerSecond: a.rate ?? readings / (a.duration ?? DEFAULT_DURATION_S) }
  }

  return {
    url: a.url,
    pace,
    connections: a.connections,
    batch: a.batch,
    sensors: a.sensors,
    duplicates: a.duplicates,
    token: a.token,
    jsonFile: a.json,
    maxP99Ms: a['max-p99']
  }
}

/**
 * `--rate -1` would make parseArgs complain that the value is "ambiguous"; joining it into
 * `--rate=-1` lets the validation say what is actually wrong with it.
 */
function joinNegativeValues (argv: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const next = argv[i + 1]
    if (/^--[a-z][a-z0-9-]*$/.test(arg) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`)
      i++
    } else {
      out.push(arg)
    }
  }
  return out
}
