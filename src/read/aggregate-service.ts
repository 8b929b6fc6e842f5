import { HttpProblem } from '../problem.js'
import { isoUtcFromParts, type ParsedTimestamp } from '../ingest/timestamp.js'
import type { AggregateBucket, AggregateRepository, IngestBucket, Instant } from './aggregate-repository.js'
import { BUCKET_SECONDS, type BucketName } from './query-params.js'

/** `auto` picks the smallest bucket giving at most this many across the range. */
export const AUTO_MAX_BUCKETS = 1000
/** No answer holds more buckets than this, whatever bucket was asked for. */
export const MAX_BUCKETS = 10_000

export const AGGREGATE_DEFAULT_SPAN_MS = 24 * 3600_000
export const INGEST_DEFAULT_SPAN_MS = 3600_000

/** A resolved range [from, to) and bucket, as the answers echo them. */
interface Resolved {
  from: string
  to: string
  bucket: BucketName
  bucket_seconds: number
  /** Whether the range holds no instant (from = to). */
  empty: boolean
  instants: { from: Instant, to: Instant }
}

export interface AggregateAnswer {
  sensor_id: number
  variable: string
  from: string
  to: string
  bucket: BucketName
  bucket_seconds: number
  buckets: AggregateBucket[]
}

export interface IngestAnswer {
  from: string
  to: string
  bucket: BucketName
  bucket_seconds: number
  buckets: IngestBucket[]
}

export interface RangeInput {
  from?: ParsedTimestamp
  to?: ParsedTimestamp
  bucket: BucketName | 'auto'
}

const micros = (t: Instant): number => t.epochMs * 1000 + t.microsInMs

/** Buckets of `seconds`, aligned on the epoch, that hold some instant of [from, to). */
export function bucketCount (from: Instant, to: Instant, seconds: number): number {
  if (micros(to) <= micros(from)) return 0
  const ms = seconds * 1000
  // Milliseconds are exact enough to count buckets: a range ending a microsecond into a bucket rounds up to it.
  const first = Math.floor(from.epochMs / ms)
  const last = Math.floor((to.microsInMs > 0 ? to.epochMs : to.epochMs - 1) / ms)
  return last - first + 1
}

/**
 * The range and bucket a request asks for: `to` defaults to now, `from` to `to` minus
 * `defaultSpanMs`; `auto` is the smallest bucket giving at most AUTO_MAX_BUCKETS (1d beyond).
 * A range ending before it starts, or one cut into more than MAX_BUCKETS, is a 400.
 */
export function resolveRange (input: RangeInput, defaultSpanMs: number, now: number): Resolved {
  const to: Instant = input.to ?? { epochMs: now, microsInMs: 0 }
  const from: Instant = input.from ?? { epochMs: to.epochMs - defaultSpanMs, microsInMs: to.microsInMs }
  if (micros(from) > micros(to)) {
    throw invalid('from', input.to === undefined ? 'must not be after to (which defaults to now)' : 'must not be after to')
  }
  const names = Object.keys(BUCKET_SECONDS) as BucketName[]
  const bucket = input.bucket !== 'auto'
    ? input.bucket
    : names.find((name) => bucketCount(from, to, BUCKET_SECONDS[name]) <= AUTO_MAX_BUCKETS) ?? '1d'
  const count = bucketCount(from, to, BUCKET_SECONDS[bucket])
  if (count > MAX_BUCKETS) {
    throw invalid('bucket', `${bucket} cuts the range into ${count} buckets; at most ${MAX_BUCKETS}: ask for a wider bucket or a shorter range`)
  }
  return {
    from: isoUtcFromParts(from.epochMs, from.microsInMs),
    to: isoUtcFromParts(to.epochMs, to.microsInMs),
    bucket,
    bucket_seconds: BUCKET_SECONDS[bucket],
    empty: count === 0,
    instants: { from, to }
  }
}

function invalid (path: string, message: string): HttpProblem {
  return new HttpProblem(400, 'invalid-parameters', 'Some query parameters are invalid', { errors: [{ path, message }] })
}

/** GET /readings/aggregate and GET /stats/ingest: ranges and buckets resolved, then read. */
export class AggregateService {
  constructor (private readonly repository: AggregateRepository, private readonly now: () => number = Date.now) {}

  /** One sensor-variable's readings in [from, to), per bucket (those holding none left out), oldest first. */
  async aggregate (sensorId: number, variable: string, input: RangeInput): Promise<AggregateAnswer> {
    const { empty, instants, ...range } = resolveRange(input, AGGREGATE_DEFAULT_SPAN_MS, this.now())
    const buckets = empty
      ? []
      : await this.repository.aggregate({ sensorId, variable, ...instants, bucketSeconds: range.bucket_seconds })
    return { sensor_id: sensorId, variable, ...range, buckets }
  }

  /** Readings stored fleet-wide per bucket of arrival time, every bucket from from's to to's, oldest first. */
  async ingest (input: RangeInput): Promise<IngestAnswer> {
    const { empty, instants, ...range } = resolveRange(input, INGEST_DEFAULT_SPAN_MS, this.now())
    const buckets = empty ? [] : await this.repository.ingest({ ...instants, bucketSeconds: range.bucket_seconds })
    return { ...range, buckets }
  }
}
