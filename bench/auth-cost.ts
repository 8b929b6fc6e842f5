import { TokenVerifier } from '../src/auth/require-tokens.js'
import { parseTokenGrants } from '../src/auth/token-grants.js'
import { abba, formatChange, type AbbaResult } from './abba.js'
import { startApiProcess } from './api-process.js'
import { drive } from './ingest.js'

export interface AuthCostOptions {
  databaseUrl: string
  log: (line: string) => void
  /** Seconds of ingest per measurement (each ABBA round measures four times). */
  durationS: number
  rounds: number
  /** Device tokens configured on side B, each with its own sensor range. */
  devices: number
}

/**
 * What per-sensor write authorisation costs the single-reading path (bench scenario a: one reading
 * per POST, 50 connections): A is an API process with no tokens, B one with `devices` scoped
 * ingest tokens, the bench sending one of them and writing only sensors in its scope. Both
 * processes run side by side and take turns, in ABBA rounds.
 */
export async function measureAuthCost (opts: AuthCostOptions): Promise<AbbaResult> {
  const span = 10_000_000
  const base = 100_000_000 + Math.floor(Math.random() * 100) * span * 2
  // Device i writes its own 1,000 sensors and a scattered one; the bench's device is the last.
  const entries = Array.from({ length: opts.devices }, (_, i) =>
    `device-${i}-${'x'.repeat(24)}:${i * 1000}-${i * 1000 + 999},${50_000_000 + i}`)
  entries.push(`bench-device-${'y'.repeat(24)}:${base}-${base + span}`)
  const [a, b] = await Promise.all([
    startApiProcess(opts.databaseUrl),
    startApiProcess(opts.databaseUrl, { INGEST_TOKENS: entries.join(';') })
  ])
  try {
    let sensorBase = base
    const sideA: number[] = []
    const run = async (side: 'A' | 'B') => {
      sensorBase += 10_000
      const headers: Record<string, string> = side === 'B' ? { authorization: `Bearer bench-device-${'y'.repeat(24)}` } : {}
      const r = await drive(`auth ${side}`, (side === 'A' ? a : b).url, { connections: 50, durationS: opts.durationS, batch: 1, sensorBase, headers })
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`auth cost, side ${side}: ${r.non2xx} non-2xx answers and ${r.errors} errors`)
      if (side === 'A') sideA.push(r.readingsPerS)
      return r.readingsPerS
    }
    await run('A') // warm-up: JIT, pool, caches, on both sides
    await run('B')
    const result = await abba(opts.rounds, run)
    opts.log(`per-sensor authorisation on the single-reading path (1 reading per POST, 50 connections, ${opts.durationS} s each; ` +
      `A = no tokens, B = ${opts.devices + 1} scoped ingest tokens): throughput B/A ${formatChange(result)}`)
    // Whole-API throughput swings by more than 3% from run to run here, so the check's own CPU time
    // is measured too, against what a request costs the API on side A.
    const checkUs = tokenCheckMicros(entries.join(';'), `Bearer bench-device-${'y'.repeat(24)}`, base + 1)
    const requestUs = 1e6 / (sideA.reduce((sum, x) => sum + x, 0) / sideA.length)
    opts.log(`per-sensor authorisation, in-process: verifying the token and its scope takes ${checkUs.toFixed(2)} µs per request, ` +
      `${(checkUs / requestUs * 100).toFixed(2)}% of the ${requestUs.toFixed(0)} µs of API time a single-reading request takes on side A (one event loop)`)
    return result
  } finally {
    await Promise.all([a.stop(), b.stop()])
  }
}

/** Microseconds per request the API spends checking a token and the one sensor it writes (median of 5 runs of 100,000). */
function tokenCheckMicros (tokens: string, authorization: string, sensorId: number): number {
  const verifier = new TokenVerifier(parseTokenGrants(tokens))
  const runs: number[] = []
  for (let run = 0; run < 5; run++) {
    const started = process.hrtime.bigint()
    for (let i = 0; i < 100_000; i++) {
      if (verifier.verify(authorization)?.has(sensorId) !== true) throw new Error('auth cost: the bench token does not cover its sensor')
    }
    runs.push(Number(process.hrtime.bigint() - started) / 1000 / 100_000)
  }
  return runs.sort((a, b) => a - b)[2]!
}
