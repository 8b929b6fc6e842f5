import type { Pool } from 'pg'

export interface FoldStats {
  /** Delta rows folded: flushes whose readings the summary now counts. */
  deltas: number
  durationS: number
}

/**
 * Moves the deltas the writer appends (sensor_summary_deltas) into sensor_variable_summary,
 * through the migration's fold_sensor_summary_deltas(). After a fold resolves, the summary holds
 * every reading committed before the fold was started.
 */
export class SummaryFolder {
  /** The fold this instance is running, if any. */
  private running: Promise<number> | undefined
  /** The fold that starts when the running one ends, shared by everyone who asked meanwhile. */
  private queued: Promise<number> | undefined
  onFold: ((stats: FoldStats) => void) | undefined

  constructor (private readonly pool: Pool) {}

  /** Folds what is pending; resolves with how many delta rows (flushes) it folded. */
  async fold (): Promise<number> {
    const started = process.hrtime.bigint()
    // Unnamed: on embedded PGlite all connections share one session, where names would collide.
    const { rows } = await this.pool.query<{ folded: string }>('SELECT fold_sensor_summary_deltas() AS folded')
    const deltas = Number(rows[0]!.folded)
    this.onFold?.({ deltas, durationS: Number(process.hrtime.bigint() - started) / 1e9 })
    return deltas
  }

  /**
   * Resolves once a fold started after this call has finished, like fold(), but callers at the
   * same time share one fold: reads arriving together wait for one fold instead of queueing one
   * each behind the advisory lock. A running fold may have started before the call, so its
   * callers wait for the next one.
   */
  foldShared (): Promise<number> {
    if (this.running === undefined) return this.start()
    this.queued ??= this.running.then(ignore, ignore).then(() => {
      this.queued = undefined
      return this.start()
    })
    return this.queued
  }

  /**
   * Reclaims the space of folded deltas. Every delta row is deleted a second or so after its
   * insert; where autovacuum is off or behind, the table would grow with every flush, and every
   * fold would scan it all. SKIP_LOCKED: if another replica or autovacuum is at it, that will do.
   */
  async vacuum (): Promise<void> {
    await this.pool.query('VACUUM (SKIP_LOCKED) sensor_summary_deltas')
  }

  /** Resolves once no fold started by foldShared() is running or queued. */
  async idle (): Promise<void> {
    while (this.running !== undefined || this.queued !== undefined) {
      await (this.queued ?? this.running)!.then(ignore, ignore)
    }
  }

  private start (): Promise<number> {
    const fold: Promise<number> = this.fold().finally(() => {
      if (this.running === fold) this.running = undefined
    })
    this.running = fold
    return fold
  }
}

function ignore (): void {}
