import type { Pool } from 'pg'
import { isoUtc } from '../db/sql.js'
import { rollupFold, summaryFold } from '../diagnostics.js'

/** What one fold transaction may take: the oldest delta rows, at most `deltas` of them holding at most `pairs` pairs (always one row at least). */
export interface ChunkLimits {
  deltas: number
  pairs: number
}

export const DEFAULT_CHUNK_LIMITS: ChunkLimits = { deltas: 1000, pairs: 50_000 }

/** How the rollups' queue is folded (migration 1733200000000). */
export interface RollupFolding {
  /** What one rollup fold may take at most. */
  maxLimits: ChunkLimits
  /** How long the oldest queued row waits before a fold takes the queue. */
  delayMs: number
  /** Entries that make the queue full: a fold takes it then, whatever its age. */
  fullEntries: number
}

// A fold upserts each (sensor, variable, minute) and (sensor, variable, hour) row it meets once,
// however many flushes it takes, and those upserts, not the entries, are most of its cost when
// each sensor reports every few seconds: so the queue waits up to a minute, each minute row then
// upserted about once. Reads scan the queued entries of their sensor, so a queue that fills a
// fold (500,000 entries: 50 s of 10,000 readings/s, 4 s of the 2-core machine's most) is folded at once.
export const DEFAULT_ROLLUP_FOLDING: RollupFolding = { maxLimits: { deltas: 10_000, pairs: 500_000 }, delayMs: 60_000, fullEntries: 500_000 }

/** One chunk folded. */
export interface FoldStats {
  /** Delta rows folded: flushes whose readings the summary now counts. */
  deltas: number
  /** (sensor, variable) pairs those rows held, and the readings they counted. */
  pairs: number
  readings: number
  durationS: number
}

export interface ChunkResult extends FoldStats {
  /** The oldest delta the chunk saw and left (it hit a limit); undefined when it took all it saw. */
  nextId: bigint | undefined
}

/** Deltas not folded yet. */
export interface Backlog {
  deltas: number
  readings: number
  /** When the oldest of them was stored (its flush began); undefined when none is pending. */
  oldestAt: string | undefined
  /** Seconds since then, by the database's clock; 0 when none is pending. */
  oldestAgeS: number
}

// SQLSTATE 57014: statement_timeout (or a cancel) ended the chunk, which rolled back whole.
const QUERY_CANCELED = '57014'

const BACKLOG_SQL = `
SELECT count(*)::int8::text AS deltas, coalesce(sum(n_readings), 0)::int8::text AS readings,
  ${isoUtc('min(created_at)')} AS oldest_at,
  coalesce(extract(epoch FROM statement_timestamp() - min(created_at)), 0)::float8 AS oldest_age_s
FROM sensor_summary_deltas`

/** What waits in the rollups' queue (folded into the summary, not yet into the rollups). */
export interface RollupBacklog {
  /** Entries they hold: one per (sensor, variable, minute) of each flush. */
  entries: number
  /** Seconds since the oldest of them was queued, by the database's clock; 0 when none is. */
  oldestAgeS: number
}

const ROLLUP_BACKLOG_SQL = `
SELECT coalesce(sum(n_pairs), 0)::int8::text AS entries,
  coalesce(extract(epoch FROM statement_timestamp() - min(queued_at)), 0)::float8 AS oldest_age_s
FROM rollup_deltas`

// A full queue is due at once (min_age 0). n_pairs: the queue's size without detoasting its arrays.
const ROLLUP_FOLD_SQL = `
SELECT * FROM fold_rollup_deltas_chunk($1, $2,
  CASE WHEN (SELECT coalesce(sum(n_pairs), 0) FROM rollup_deltas) >= $4::int8 THEN interval '0' ELSE $3 * interval '1 millisecond' END)`

interface Waiter {
  horizon: bigint
  /** Only a chunk started after the waiter came can tell: an earlier one may not have seen its deltas. */
  afterChunk: number
  resolve: (done: boolean) => void
}

/**
 * Moves the deltas the writer appends (sensor_summary_deltas) into sensor_variable_summary, in
 * chunks of bounded size, oldest first, each its own transaction (the migration's
 * fold_summary_deltas_chunk()). One loop per instance folds chunk after chunk until nothing is
 * left; the timer and reads that meet pending deltas share it. A chunk that outlives
 * statement_timeout halves the limits for the next ones, which then grow back step by step.
 * Each chunk is published on `iot:summary:fold` (src/diagnostics.ts).
 */
export class SummaryFolder {
  /** Chunks started by this instance, which numbers them. */
  private chunksStarted = 0
  private loop: Promise<number> | undefined
  private waiters: Waiter[] = []
  private limits: ChunkLimits
  private closed = false
  /** The running loop's last chunk that folded something: where it left off, and its pace. */
  private lastChunk: { nextId: bigint, deltas: number, durationS: number } | undefined
  /** The limits of the next rollup chunk: as the summary's, halved after a timeout. */
  private rollupLimits: ChunkLimits

  constructor (
    private readonly pool: Pool,
    private readonly maxLimits: ChunkLimits = DEFAULT_CHUNK_LIMITS,
    private readonly rollupFolding: RollupFolding = DEFAULT_ROLLUP_FOLDING
  ) {
    this.limits = { ...maxLimits }
    // Starts at the summary's size and grows from there, as after a timeout.
    this.rollupLimits = { deltas: Math.min(maxLimits.deltas, rollupFolding.maxLimits.deltas), pairs: Math.min(maxLimits.pairs, rollupFolding.maxLimits.pairs) }
  }

  /** The limits the next chunk uses: maxLimits, or less after a chunk timed out. */
  get chunkLimits (): ChunkLimits {
    return { ...this.limits }
  }

  /** Folds one chunk of the oldest pending deltas in one transaction. */
  async foldChunk (limits: ChunkLimits = this.limits): Promise<ChunkResult> {
    const started = process.hrtime.bigint()
    // Unnamed: on embedded PGlite all connections share one session, where names would collide.
    const { rows } = await this.pool.query<{ folded_deltas: string, folded_pairs: string, folded_readings: string, next_id: string | null }>(
      'SELECT * FROM fold_summary_deltas_chunk($1, $2)', [limits.deltas, limits.pairs])
    const row = rows[0]!
    const stats: FoldStats = {
      deltas: Number(row.folded_deltas),
      pairs: Number(row.folded_pairs),
      readings: Number(row.folded_readings),
      durationS: Number(process.hrtime.bigint() - started) / 1e9
    }
    summaryFold.publish({ source: this, ...stats })
    return { ...stats, nextId: row.next_id === null ? undefined : BigInt(row.next_id) }
  }

  /**
   * Folds one chunk of the deltas queued for the rollups (migration 1733100000001: summary folds
   * queue what they take) into the minute and hour rollups, in one transaction, once the oldest
   * was queued `delayMs` ago (migration 1733200000000) or the queue holds `fullEntries`; resolves
   * with the oldest queued row it left (undefined: it took all it saw, or nothing was due).
   */
  async foldRollupChunk (limits: ChunkLimits = this.rollupLimits, delayMs = this.rollupFolding.delayMs, fullEntries = this.rollupFolding.fullEntries): Promise<bigint | undefined> {
    const started = process.hrtime.bigint()
    const { rows } = await this.pool.query<{ folded_deltas: string, folded_pairs: string, next_id: string | null }>(
      ROLLUP_FOLD_SQL, [limits.deltas, limits.pairs, delayMs, fullEntries])
    const row = rows[0]!
    const deltas = Number(row.folded_deltas)
    if (deltas > 0) {
      rollupFold.publish({ source: this, deltas, entries: Number(row.folded_pairs), durationS: Number(process.hrtime.bigint() - started) / 1e9 })
    }
    return row.next_id === null ? undefined : BigInt(row.next_id)
  }

  /**
   * Folds chunk after chunk until one takes all the deltas it sees (or the folder closes), then
   * the rollups' queue likewise, one rollup chunk at a time between summary chunks, so reads
   * waiting for the summary never wait for the rollups; resolves with the summary delta rows this
   * loop folded. Callers while a loop runs share it.
   */
  drain (): Promise<number> {
    if (this.closed) return Promise.resolve(0)
    this.loop ??= this.runLoop().finally(() => { this.loop = undefined })
    return this.loop
  }

  /**
   * Resolves true once every delta up to `horizon` (an id a read saw pending) has been folded,
   * as a chunk that started after this call found; false after `waitMs`, or if folding failed or
   * the folder closed first, and at once when the running loop's pace says it cannot get there
   * within `waitMs`. Folding goes on after a false: a later call may find it done.
   */
  foldPast (horizon: bigint, waitMs: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false)
    if (this.etaMs(horizon) > waitMs) {
      this.drain().catch(() => {})
      return Promise.resolve(false)
    }
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => settle(false), waitMs)
      const waiter: Waiter = { horizon, afterChunk: this.chunksStarted, resolve: (done) => settle(done) }
      const settle = (done: boolean) => {
        clearTimeout(timer)
        this.waiters = this.waiters.filter((w) => w !== waiter)
        resolve(done)
      }
      this.waiters.push(waiter)
      this.drain().catch(() => {})
    })
  }

  /**
   * Reclaims the space of folded deltas. Every delta row is deleted a second or so after its
   * insert; where autovacuum is off or behind, the table would grow with every flush, and every
   * fold would scan it all. SKIP_LOCKED: if another replica or autovacuum is at it, that will do.
   */
  async vacuum (): Promise<void> {
    await this.pool.query('VACUUM (SKIP_LOCKED) sensor_summary_deltas, rollup_deltas')
  }

  /**
   * Whether the delta table holds pages but no pending row: dead rows a VACUUM has yet to reclaim.
   * A VACUUM cannot remove rows that a snapshot still open when it ran may see; asked again later
   * it can, although no fold has folded anything since.
   */
  async needsVacuum (): Promise<boolean> {
    const { rows } = await this.pool.query<{ needed: boolean }>(
      "SELECT pg_relation_size('sensor_summary_deltas') > 0 AND NOT EXISTS (SELECT FROM sensor_summary_deltas) AS needed")
    return rows[0]!.needed
  }

  /** What is pending: one pass over the delta rows' narrow columns (none of their arrays). */
  async backlog (): Promise<Backlog> {
    const { rows } = await this.pool.query<{ deltas: string, readings: string, oldest_at: string | null, oldest_age_s: number }>(BACKLOG_SQL)
    const row = rows[0]!
    return { deltas: Number(row.deltas), readings: Number(row.readings), oldestAt: row.oldest_at ?? undefined, oldestAgeS: row.oldest_age_s }
  }

  /** What waits in the rollups' queue: one pass over its narrow columns (none of its arrays). */
  async rollupBacklog (): Promise<RollupBacklog> {
    const { rows } = await this.pool.query<{ entries: string, oldest_age_s: number }>(ROLLUP_BACKLOG_SQL)
    const row = rows[0]!
    return { entries: Number(row.entries), oldestAgeS: row.oldest_age_s }
  }

  /** Stops folding after the chunk in progress (waited for); waiting reads are answered at once. */
  async close (): Promise<void> {
    this.closed = true
    for (const waiter of [...this.waiters]) waiter.resolve(false)
    await this.loop?.catch(() => {})
  }

  /**
   * How long the running loop would take to fold up to `horizon` at the pace of its last chunk
   * (ids count delta rows); 0 when there is no such loop to judge by.
   */
  private etaMs (horizon: bigint): number {
    const last = this.lastChunk
    if (this.loop === undefined || last === undefined || horizon < last.nextId) return 0
    const chunks = Math.ceil(Number(horizon - last.nextId + 1n) / last.deltas)
    return chunks * last.durationS * 1000
  }

  private async runLoop (): Promise<number> {
    let folded = 0
    this.lastChunk = undefined
    try {
      for (;;) {
        folded += await this.foldSummary()
        if (this.closed) return folded
        // A read may have come to wait meanwhile: the summary loop goes round again for it.
        if (!await this.foldRollups() && this.waiters.length === 0) return folded
      }
    } catch (err) {
      for (const waiter of [...this.waiters]) waiter.resolve(false)
      throw err
    }
  }

  /** One rollup chunk; whether more is queued. A chunk cut by the statement timeout halves the next ones' limits. */
  private async foldRollups (): Promise<boolean> {
    try {
      const next = await this.foldRollupChunk()
      this.rollupLimits = grown(this.rollupLimits, this.rollupFolding.maxLimits)
      return next !== undefined
    } catch (err) {
      if ((err as { code?: unknown }).code !== QUERY_CANCELED || this.rollupLimits.deltas === 1 || this.rollupLimits.pairs === 1) throw err
      this.rollupLimits = halved(this.rollupLimits)
      return true
    }
  }

  /** Summary chunks until one takes all it sees and no read waits; the summary delta rows folded. */
  private async foldSummary (): Promise<number> {
    let folded = 0
    // Goes on while chunks hit their limits, and while someone waits for a chunk that started after them.
    let more = true
    while (!this.closed && (more || this.waiters.length > 0)) {
      const chunk = ++this.chunksStarted
      let result: ChunkResult
      try {
        result = await this.foldChunk()
      } catch (err) {
        if ((err as { code?: unknown }).code === QUERY_CANCELED && this.shrink()) continue
        throw err
      }
      folded += result.deltas
      this.lastChunk = result.nextId === undefined || result.deltas === 0 ? undefined : { nextId: result.nextId, deltas: result.deltas, durationS: result.durationS }
      this.grow()
      for (const waiter of [...this.waiters]) {
        if (chunk > waiter.afterChunk && (result.nextId === undefined || result.nextId > waiter.horizon)) waiter.resolve(true)
      }
      more = result.nextId !== undefined
    }
    return folded
  }

  /** Halves the chunk limits after a timeout; false when a chunk is one delta row already. */
  private shrink (): boolean {
    if (this.limits.deltas === 1 || this.limits.pairs === 1) return false
    this.limits = halved(this.limits)
    return true
  }

  /** A quarter more after each chunk that committed, up to maxLimits. */
  private grow (): void {
    this.limits = grown(this.limits, this.maxLimits)
  }
}

const halved = (limits: ChunkLimits): ChunkLimits =>
  ({ deltas: Math.max(1, Math.floor(limits.deltas / 2)), pairs: Math.max(1, Math.floor(limits.pairs / 2)) })

const grown = (limits: ChunkLimits, max: ChunkLimits): ChunkLimits => ({
  deltas: Math.min(max.deltas, Math.ceil(limits.deltas * 1.25)),
  pairs: Math.min(max.pairs, Math.ceil(limits.pairs * 1.25))
})
