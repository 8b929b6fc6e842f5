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
    const run = async (side: 'A' | 'B') => {
      sensorBase += 10_000
      const headers: Record<string, string> = side === 'B' ? { authorization: `Bearer bench-device-${'y'.repeat(24)}` } : {}
      const r = await drive(`auth ${side}`, (side === 'A' ? a : b).url, { connections: 50, durationS: opts.durationS, batch: 1, sensorBase, headers })
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`auth cost, side ${side}: ${r.non2xx} non-2xx answers and ${r.errors} errors`)
      return r.readingsPerS
    }
    await run('A') // warm-up: JIT, pool, caches, on both sides
    await run('B')
    const result = await abba(opts.rounds, run)
    opts.log(`per-sensor authorisation on the single-reading path (1 reading per POST, 50 connections, ${opts.durationS} s each; ` +
      `A = no tokens, B = ${opts.devices + 1} scoped ingest tokens): throughput B/A ${formatChange(result)}`)
    return result
  } finally {
    await Promise.all([a.stop(), b.stop()])
  }
}
