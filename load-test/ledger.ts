import type { Batch } from './readings.js'

/** What became of each new batch: its readings are the run's unique readings. */
const enum BatchState { Sent = 1, Rejected = 2, Acknowledged = 3 }

export interface Counts {
  requestsSent: number
  readingsSent: number
  /** Requests (and their readings) that resent an earlier batch. */
  resendRequests: number
  resendReadings: number
  /** Readings a 2xx answer counted as `inserted`. */
  acknowledgedNew: number
  /** Readings a 2xx answer counted as `duplicates`. */
  acknowledgedDuplicate: number
  /** Readings a 2xx answer listed in `conflicts` (never expected: resends are exact). */
  conflicts: number
  /** Requests answered 4xx, and their readings. */
  rejectedRequests: number
  rejectedReadings: number
  /** Responses other than 200/201, by status. */
  statuses: Record<string, number>
  /** Retry-After values of 503 answers, by value. */
  retryAfter: Record<string, number>
  /** 2xx answers whose body did not account for the request's readings. */
  malformed: number
  /** Requests that got no answer: connection errors by code, and timeouts. */
  errors: Record<string, number>
  timeouts: number
}

/** Per-sensor tallies of the run's unique readings, for verification. */
export interface SensorTally {
  acknowledged: number
  unacknowledged: number
  rejected: number
}

const ingestAnswer = (body: unknown): { received: number, inserted: number, duplicates: number, conflicts: unknown[] } | undefined => {
  if (body === null || typeof body !== 'object') return undefined
  const b = body as Record<string, unknown>
  return typeof b.received === 'number' && typeof b.inserted === 'number' && typeof b.duplicates === 'number' && Array.isArray(b.conflicts)
    ? { received: b.received, inserted: b.inserted, duplicates: b.duplicates, conflicts: b.conflicts }
    : undefined
}

/**
 * Keeps count of everything sent and answered, and of the fate of each unique batch: a batch is
 * acknowledged once any request carrying it (the original or a resend) got a 2xx that accounts
 * for all its readings; until then it is unacknowledged (it may or may not be stored).
 */
export class Ledger {
  readonly counts: Counts = {
    requestsSent: 0,
    readingsSent: 0,
    resendRequests: 0,
    resendReadings: 0,
    acknowledgedNew: 0,
    acknowledgedDuplicate: 0,
    conflicts: 0,
    rejectedRequests: 0,
    rejectedReadings: 0,
    statuses: {},
    retryAfter: {},
    malformed: 0,
    errors: {},
    timeouts: 0
  }

  private states = new Uint8Array(1024)
  private batchReadings = new Uint32Array(1024)
  private batchCount = 0

  sent (batch: Batch): void {
    this.counts.requestsSent++
    this.counts.readingsSent += batch.readings
    if (batch.resend) {
      this.counts.resendRequests++
      this.counts.resendReadings += batch.readings
      return
    }
    if (batch.index >= this.states.length) this.grow(batch.index + 1)
    this.states[batch.index] = BatchState.Sent
    this.batchReadings[batch.index] = batch.readings
    this.batchCount = Math.max(this.batchCount, batch.index + 1)
  }

  answered (batch: Batch, status: number, body: string, retryAfter: string | undefined): void {
    if (status === 200 || status === 201) {
      let answer
      try {
        answer = ingestAnswer(JSON.parse(body))
      } catch {
        answer = undefined
      }
      if (answer === undefined || answer.received !== batch.readings ||
          answer.inserted + answer.duplicates + answer.conflicts.length !== batch.readings) {
        this.counts.malformed++
        return
      }
      this.counts.acknowledgedNew += answer.inserted
      this.counts.acknowledgedDuplicate += answer.duplicates
      this.counts.conflicts += answer.conflicts.length
      if (answer.conflicts.length === 0) this.states[batch.index] = BatchState.Acknowledged
      return
    }
    this.counts.statuses[status] = (this.counts.statuses[status] ?? 0) + 1
    if (status === 503 && retryAfter !== undefined) this.counts.retryAfter[retryAfter] = (this.counts.retryAfter[retryAfter] ?? 0) + 1
    if (status >= 400 && status < 500) {
      this.counts.rejectedRequests++
      this.counts.rejectedReadings += batch.readings
      if (this.states[batch.index] === BatchState.Sent) this.states[batch.index] = BatchState.Rejected
    }
  }

  failed (error: Error): void {
    if (error.message === 'request timed out') {
      this.counts.timeouts++
      return
    }
    const kind = (error as { code?: string }).code ?? error.message
    this.counts.errors[kind] = (this.counts.errors[kind] ?? 0) + 1
  }

  /** Unique readings of sent batches. */
  get uniqueReadingsSent (): number {
    let total = 0
    for (let i = 0; i < this.batchCount; i++) if (this.states[i] !== 0) total += this.batchReadings[i]!
    return total
  }

  /** Tallies per sensor index; reading `first + j` of batch i belongs to sensor `sensorOf(first + j)`. */
  tallyBySensor (sensors: number, batchSize: number): SensorTally[] {
    const tallies = Array.from({ length: sensors }, (): SensorTally => ({ acknowledged: 0, unacknowledged: 0, rejected: 0 }))
    for (let i = 0; i < this.batchCount; i++) {
      const state = this.states[i]
      if (state === 0) continue
      const first = i * batchSize
      for (let j = 0; j < this.batchReadings[i]!; j++) {
        const tally = tallies[(first + j) % sensors]!
        if (state === BatchState.Acknowledged) tally.acknowledged++
        else if (state === BatchState.Rejected) tally.rejected++
        else tally.unacknowledged++
      }
    }
    return tallies
  }

  private grow (min: number): void {
    const size = Math.max(min, this.states.length * 2)
    const states = new Uint8Array(size)
    states.set(this.states)
    this.states = states
    const readings = new Uint32Array(size)
    readings.set(this.batchReadings)
    this.batchReadings = readings
  }
}
