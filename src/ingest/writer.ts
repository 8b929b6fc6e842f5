import { isDatabaseUnavailable, isDataError, isTransientConflict } from '../db/errors.js'
import { writerFlush } from '../diagnostics.js'
import type { Reading } from './reading.js'
import { compareInstants, isoUtcFromParts } from './timestamp.js'
import type { ReadingsRepository, StoredReading } from './repository.js'

export type Outcome =
  | { status: 'inserted' }
  | { status: 'duplicate' }
  | { status: 'conflict', stored: StoredReading }

// Shared: a flush of 10,000 readings need not allocate 10,000 identical answers.
const INSERTED: Outcome = Object.freeze({ status: 'inserted' })
const DUPLICATE: Outcome = Object.freeze({ status: 'duplicate' })

/** The write queue holds WRITE_QUEUE_MAX readings; a request that does not fit is turned away. */
export class QueueFullError extends Error {
  override name = 'QueueFullError'
}

/** The database could not take the flush; nothing in it was acknowledged. */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError'
}

/**
 * No commit within the write timeout (a database that stopped answering without closing the
 * connection looks like this). The readings may still commit later; a retry is safe either way.
 */
export class WriteTimeoutError extends Error {
  override name = 'WriteTimeoutError'
}

export interface WriterOptions {
  /** Readings that may wait in the queue. */
  maxQueued: number
  /** Readings per flush (a request's readings are never split, so one batch may exceed it). */
  maxFlushRows: number
  /** Flushes in flight at once; each holds one pool connection. */
  concurrency: number
  /** A request whose readings are not committed by then is answered with WriteTimeoutError. */
  timeoutMs: number
}

/**
 * A flush rolled back by a deadlock or serialization failure (SQLSTATE class 40) is written again,
 * up to this many times, after a random pause below 10 ms, 20 ms, 40 ms...: concurrent flushes
 * that collided do not collide again in step.
 */
const CONFLICT_RETRIES = 3
const CONFLICT_BACKOFF_MS = 10

const conflictPause = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * CONFLICT_BACKOFF_MS * 2 ** attempt))

interface Job {
  readings: readonly Reading[]
  resolve: (outcomes: Outcome[]) => void
  reject: (err: Error) => void
}

/**
 * The order of keys in every flush: by sensor, variable, then instant, so each (sensor, variable)
 * pair's readings are adjacent for summaryDeltas.
 */
const compareKeys = (a: Reading, b: Reading): number =>
  a.sensorId - b.sensorId || (a.variable < b.variable ? -1 : a.variable > b.variable ? 1 : compareInstants(a, b))

const asStored = (r: Reading): StoredReading => ({
  sensor_id: r.sensorId, timestamp: isoUtcFromParts(r.epochMs, r.microsInMs), variable: r.variable, value: r.value, unit: r.unit
})

/**
 * Group commit: requests hand their readings to one writer, which writes whatever is queued as
 * one statement per flush, several flushes in flight, and resolves each request only after the
 * flush holding its readings has committed. Each flush is published on `iot:writer:flush`
 * (src/diagnostics.ts).
 */
export class BatchWriter {
  private queue: Job[] = []
  private queuedReadings = 0
  private inFlight = 0
  private inFlightReadings = 0
  private idle: Array<() => void> = []

  constructor (private readonly repository: ReadingsRepository, private readonly options: WriterOptions) {}

  /** Readings waiting for a flush. */
  get queueDepth (): number {
    return this.queuedReadings
  }

  get flushesInFlight (): number {
    return this.inFlight
  }

  /** Readings accepted and not yet answered: queued plus in flushes. */
  get pending (): number {
    return this.queuedReadings + this.inFlightReadings
  }

  /** Resolves with one outcome per reading, in order, once they are committed. */
  write (readings: readonly Reading[]): Promise<Outcome[]> {
    if (this.queuedReadings > 0 && this.queuedReadings + readings.length > this.options.maxQueued) {
      return Promise.reject(new QueueFullError(`write queue is full (${this.queuedReadings} readings waiting)`))
    }
    return new Promise<Outcome[]>((resolve, reject) => {
      const timer = setTimeout(() => this.expire(job), this.options.timeoutMs)
      const job: Job = {
        readings,
        resolve: (outcomes) => { clearTimeout(timer); resolve(outcomes) },
        reject: (err) => { clearTimeout(timer); reject(err) }
      }
      this.queue.push(job)
      this.queuedReadings += readings.length
      this.pump()
    })
  }

  private expire (job: Job): void {
    const queuedAt = this.queue.indexOf(job)
    if (queuedAt !== -1) {
      // Never sent: take it out so it is not written after its request was refused.
      this.queue.splice(queuedAt, 1)
      this.queuedReadings -= job.readings.length
      job.reject(new WriteTimeoutError('The database did not take the readings in time; nothing was stored'))
    } else {
      job.reject(new WriteTimeoutError('The database did not confirm the write in time; it may or may not be stored'))
    }
    if (this.queue.length === 0 && this.inFlight === 0) this.idle.splice(0).forEach((resolve) => resolve())
  }

  /** Resolves when nothing is queued or in flight. */
  drain (): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => this.idle.push(resolve))
  }

  private pump (): void {
    while (this.inFlight < this.options.concurrency && this.queue.length > 0) {
      const jobs: Job[] = []
      let rows = 0
      while (this.queue.length > 0 && (jobs.length === 0 || rows + this.queue[0]!.readings.length <= this.options.maxFlushRows)) {
        const job = this.queue.shift()!
        jobs.push(job)
        rows += job.readings.length
      }
      this.queuedReadings -= rows
      this.inFlight++
      this.inFlightReadings += rows
      void this.flush(jobs).finally(() => {
        this.inFlight--
        this.inFlightReadings -= rows
        this.pump()
        if (this.queue.length === 0 && this.inFlight === 0) this.idle.splice(0).forEach((resolve) => resolve())
      })
    }
  }

  private async flush (jobs: Job[]): Promise<void> {
    try {
      const outcomes = await this.writeRetryingConflicts(jobs)
      jobs.forEach((job, i) => job.resolve(outcomes[i]!))
    } catch (err) {
      // Validation should keep bad data out; if some still reaches PostgreSQL, only its own
      // request may fail, so write each request of the flush on its own.
      if (isDataError(err) && jobs.length > 1) {
        for (const job of jobs) await this.flush([job])
        return
      }
      const unavailable = isDatabaseUnavailable(err)
      // A conflict that outlasted its retries fails this flush only: the database itself is fine.
      const reason = unavailable || isTransientConflict(err)
        ? new DatabaseUnavailableError((err as Error).message)
        : (err as Error)
      for (const job of jobs) job.reject(reason)
      // Queued requests would meet the same dead database one connect timeout at a time:
      // answer them now so sensors can back off and retry.
      if (unavailable) this.rejectQueued(reason)
    }
  }

  /**
   * writeJobs, again after a class 40 failure. Safe: such a failure can only come from the
   * flush's INSERT statements, each of which committed nothing when it failed (the read-back that
   * may follow a committed INSERT takes no lock that could deadlock).
   */
  private async writeRetryingConflicts (jobs: readonly Job[]): Promise<Outcome[][]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.writeJobs(jobs)
      } catch (err) {
        if (!isTransientConflict(err) || attempt === CONFLICT_RETRIES) throw err
        await conflictPause(attempt)
      }
    }
  }

  private rejectQueued (reason: Error): void {
    const waiting = this.queue.splice(0)
    this.queuedReadings = 0
    for (const job of waiting) job.reject(reason)
  }

  private async writeJobs (jobs: readonly Job[]): Promise<Outcome[][]> {
    const started = process.hrtime.bigint()
    // One global key order for every flush: concurrent flushes lock rows in the same order. The
    // sort is stable, so the first of several readings with one key is the one written; the
    // repeats are judged against it.
    const unique: Reading[] = []
    let firstOf: Map<Reading, Reading> | undefined
    for (const r of jobs.flatMap((job) => job.readings).sort(compareKeys)) {
      const previous = unique.at(-1)
      if (previous !== undefined && compareKeys(previous, r) === 0) (firstOf ??= new Map()).set(r, previous)
      else unique.push(r)
    }

    let insertedCount = unique.length
    // What another transaction stored for the keys this flush did not insert; empty when all went in.
    let storedBefore = new Map<Reading, StoredReading>()
    if (!await this.repository.insertAll(unique)) {
      // Some key was stored already and nothing went in: insert the new ones, then tell them apart.
      const result = await this.repository.insertNew(unique)
      insertedCount = result.inserted
      if (insertedCount < unique.length) storedBefore = await this.storedBefore(unique, result.xid)
    }

    writerFlush.publish({
      source: this,
      rows: unique.length,
      inserted: insertedCount,
      durationS: Number(process.hrtime.bigint() - started) / 1e9
    })

    return jobs.map((job) => job.readings.map((r): Outcome => {
      const first = firstOf?.get(r) ?? r
      const stored = storedBefore.get(first)
      if (stored === undefined && first === r) return INSERTED
      const existing = stored ?? asStored(first)
      return existing.value === r.value && existing.unit === r.unit
        ? DUPLICATE
        : { status: 'conflict', stored: existing }
    }))
  }

  /** Reads every key back: what is stored for the keys transaction `xid` did not insert. */
  private async storedBefore (unique: readonly Reading[], xid: string): Promise<Map<Reading, StoredReading>> {
    const found = await this.repository.findStored(unique, xid)
    const stored = new Map<Reading, StoredReading>()
    for (let slot = 0; slot < unique.length; slot++) {
      const row = found.get(slot)
      if (row === undefined) throw new DatabaseUnavailableError('a conflicting reading vanished while it was read back')
      if (!row.mine) stored.set(unique[slot]!, row.stored)
    }
    return stored
  }
}
