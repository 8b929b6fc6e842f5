export interface AbbaResult {
  /** B/A of each ABBA round: (B1 + B2) / (A1 + A2). */
  ratios: number[]
  mean: number
  /** Half-width of the 95% confidence interval of the mean ratio (Student's t). */
  ci95: number
}

// Two-sided 95% quantiles of Student's t for 1..10 degrees of freedom; 2.0 beyond is close enough.
const T95 = [12.71, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228]

/**
 * Measures B against A in `rounds` rounds of A, B, B, A, so drift on a shared machine (other
 * work, caches, a growing table) weighs on both sides alike. `measure` answers a rate (higher is better).
 */
export async function abba (rounds: number, measure: (side: 'A' | 'B') => Promise<number>): Promise<AbbaResult> {
  const ratios: number[] = []
  for (let i = 0; i < rounds; i++) {
    const a1 = await measure('A')
    const b1 = await measure('B')
    const b2 = await measure('B')
    const a2 = await measure('A')
    ratios.push((b1 + b2) / (a1 + a2))
  }
  const mean = ratios.reduce((sum, r) => sum + r, 0) / ratios.length
  const variance = ratios.length < 2 ? NaN : ratios.reduce((sum, r) => sum + (r - mean) ** 2, 0) / (ratios.length - 1)
  const t = T95[ratios.length - 2] ?? 2.0
  return { ratios, mean, ci95: t * Math.sqrt(variance / ratios.length) }
}

/**
 * Starts the next measurement of a write-heavy ABBA from the same WAL state: under full-speed
 * ingest PostgreSQL checkpoints every 15 s or so, and a side that met one mid-run (full-page
 * writes after it) measured slower than one that did not, so rounds swung by ±10% in turn. Needs
 * superuser or pg_checkpoint; without it the bench goes on as before.
 */
export async function checkpoint (db: { query(sql: string): Promise<unknown> }): Promise<void> {
  try {
    await db.query('CHECKPOINT')
  } catch (err) {
    if ((err as { code?: unknown }).code !== '42501') throw err
  }
}

/** "-1.2% ± 0.8% (95% CI, 4 ABBA rounds)". */
export function formatChange (result: AbbaResult): string {
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`
  return `${pct(result.mean - 1)} ± ${(result.ci95 * 100).toFixed(1)}% (95% CI, ${result.ratios.length} ABBA rounds: ${result.ratios.map((r) => pct(r - 1)).join(', ')})`
}
