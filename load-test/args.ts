import { parseArgs } from 'node:util'
import { z } from 'zod'

/** How the run is driven: evenly paced at a reading rate, or as fast as the API answers. */
export type Pace =
  | { kind: 'paced', readingsPerSecond: number, readings: number }
  | { kind: 'max', readings?: number, durationS?: number }

export interface LoadTestOptions {
  /** Base URL of the API, without a trailing slash: the first --url, where reads and verification go. */
  url: string
  /** Every --url (the first is `url`): connections are spread over them, and each one's /metrics is sampled. */
  urls: string[]
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
  reportFile?: string
  /** Length of the timeline's intervals. */
  intervalS: number
  /** Fail when the p99 latency (from the schedule in paced runs) is above this. */
  maxP99Ms?: number
}

export class ArgsError extends Error {
  override name = 'ArgsError'
}

export const USAGE = `Usage: npm run load-test -- [options]

Sends sensor readings to POST /readings, then checks through GET /sensors/{id} that every
acknowledged reading was stored once.

  --url URL          API base URL                                  (default http://localhost:3000);
                     give it again for each replica: connections are spread over them
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
  --json FILE        also write the summary (with its timeline) as JSON to FILE
  --report FILE      also write a self-contained HTML report to FILE
  --interval TIME    timeline interval (default: about 60 intervals per run, at least 1s)
  --max-p99 MS       fail when the p99 latency is above MS milliseconds (paced runs:
                     latency from each request's scheduled time; --max runs: from its send)
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

const url = z.string().refine((s) => /^https?:\/\//.test(s) && URL.canParse(s), {
  error: 'expected an http:// or https:// URL'
}).transform((s) => s.replace(/\/+$/, ''))

const argsSchema = z.strictObject({
  url: z.array(url).default(['http://localhost:3000']),
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
  report: z.string().min(1, { error: 'expected a file name' }).optional(),
  interval: duration.pipe(z.number().min(0.1, { error: 'must be at least 100ms' })).optional(),
  'max-p99': positive('a number of milliseconds above zero').optional()
}).superRefine((a, ctx) => {
  if (a.max && a.rate !== undefined) ctx.addIssue({ code: 'custom', path: ['max'], message: 'cannot be combined with --rate' })
  if (a.connections < a.url.length) {
    ctx.addIssue({ code: 'custom', path: ['connections'], message: `must be at least the number of --url (${a.url.length}), so each gets a connection` })
  }
})

const DEFAULT_READINGS = 5000
const DEFAULT_DURATION_S = 60

/**
 * Parses command-line arguments (without the node and script names). Throws ArgsError with a
 * message naming every bad option; returns 'help' for --help.
 */
export function parseLoadTestArgs (argv: readonly string[]): LoadTestOptions | 'help' {
  let values: Record<string, string | string[] | boolean | undefined>
  try {
    ({ values } = parseArgs({
      args: joinNegativeValues(argv),
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string', multiple: true },
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
        report: { type: 'string' },
        interval: { type: 'string' },
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
    throw new ArgsError(parsed.error.issues.map((issue) => {
      const given = values[String(issue.path[0])]
      // A repeated option (--url) names the one given value that is wrong.
      const value = Array.isArray(given) ? given[Number(issue.path[1])] : given
      return `--${String(issue.path[0])}${typeof value === 'string' ? ` ${value}` : ''}: ${issue.message}`
    }).join('\n'))
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
    url: a.url[0]!,
    urls: a.url,
    pace,
    connections: a.connections,
    batch: a.batch,
    sensors: a.sensors,
    duplicates: a.duplicates,
    token: a.token,
    jsonFile: a.json,
    reportFile: a.report,
    intervalS: a.interval ?? defaultIntervalS(pace),
    maxP99Ms: a['max-p99']
  }
}

const NICE_INTERVALS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600]

/** About 60 intervals over the run's expected length, a round number of seconds (1 s when unknown). */
function defaultIntervalS (pace: Pace): number {
  const expectedS = pace.kind === 'paced' ? pace.readings / pace.readingsPerSecond : pace.durationS
  if (expectedS === undefined) return 1
  return NICE_INTERVALS_S.find((s) => s >= expectedS / 60) ?? NICE_INTERVALS_S.at(-1)!
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

/** The command as typed, for the report: the token's value hidden, arguments quoted for a shell. */
export function commandLine (argv: readonly string[]): string {
  const shown = argv.map((arg, i) => {
    if (argv[i - 1] === '--token') return '***'
    return arg.startsWith('--token=') ? '--token=***' : arg
  })
  const quoted = shown.map((arg) => /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`)
  return ['npm run load-test', ...(quoted.length > 0 ? ['--', ...quoted] : [])].join(' ')
}
