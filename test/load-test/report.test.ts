import t from 'tap'
import { buildSummary, formatProgress, formatSummary, type SummaryInput } from '../../load-test/report.js'
import { parseLoadTestArgs, type LoadTestOptions } from '../../load-test/args.js'
import { Ledger } from '../../load-test/ledger.js'
import { compareCounts } from '../../load-test/verify.js'

const opts = (...args: string[]) => parseLoadTestArgs(['--url', 'http://api.test', ...args]) as LoadTestOptions

const input = (overrides: Partial<SummaryInput> = {}): SummaryInput => ({
  options: opts('--readings', '4', '--duration', '2s'),
  sensorBase: 1_200_000_000,
  startedAt: new Date('2026-11-23T16:00:00Z'),
  elapsedS: 2,
  counts: { ...new Ledger().counts, requestsSent: 4, readingsSent: 4, acknowledgedNew: 4 },
  uniqueReadingsSent: 4,
  latencyMs: { p50: 3, p90: 5, p99: 9.5, max: 12 },
  verification: compareCounts([{ acknowledged: 4, unacknowledged: 0, rejected: 0 }], [4]),
  ...overrides
})

t.test('a clean run passes and its summary lists every figure', async (t) => {
  const s = buildSummary(input())
  t.equal(s.passed, true)
  t.same(s.achieved, { elapsedS: 2, readingsPerSecond: 2, requestsPerSecond: 2 })
  t.same(s.sensors, { count: 100, firstId: 1_200_000_000, lastId: 1_200_000_099 })
  const text = formatSummary(s)
  t.match(text, /^target: +http:\/\/api\.test, paced at 2 readings\/s \(4 readings over 2 s\), batch 1, 10 connections$/m)
  t.match(text, /^latency: +p50 3 ms, p90 5 ms, p99 9\.5 ms, max 12 ms$/m)
  t.match(text, /^verification: +holds: stored 4 for 4 acknowledged unique readings: lost: 0, duplicated: 0$/m)
  t.match(text, /^result: +PASSED$/m)
})

t.test('every reason to fail is listed', async (t) => {
  const counts = {
    ...new Ledger().counts,
    requestsSent: 10,
    readingsSent: 10,
    statuses: { 503: 3, 401: 1 },
    retryAfter: { 2: 3 },
    malformed: 1,
    conflicts: 2,
    errors: { ECONNRESET: 2 },
    timeouts: 1
  }
  const verification = compareCounts([{ acknowledged: 5, unacknowledged: 2, rejected: 0 }], [4])
  const s = buildSummary(input({ counts, verification, options: opts('--max-p99', '5') }))
  t.equal(s.passed, false)
  t.same(s.reasons, [
    'unexpected answers: 1 × 401, 3 × 503 (503 Retry-After: 2 s) (401: pass a valid --token)',
    '1 2xx answers did not account for their readings',
    '2 readings reported as conflicts, though every resend was exact',
    '3 requests got no answer: 2 × ECONNRESET, 1 × timeout',
    'verification failed: lost 1, duplicated 0',
    'p99 latency 9.5 ms is above --max-p99 5 ms'
  ])
  const text = formatSummary(s)
  t.match(text, /^errors \/ timeouts: +2 \/ 1$/m)
  t.match(text, /^verification: +FAILED: stored 4 for 5 acknowledged unique readings: lost: 1, duplicated: 0; unacknowledged: 2, stored: 0$/m)
  t.match(text, /^result: +FAILED\n {2}- unexpected answers/m)
})

t.test('unacknowledged readings are reported with how many were stored', async (t) => {
  const verification = compareCounts([{ acknowledged: 3, unacknowledged: 2, rejected: 0 }], [4])
  t.match(formatSummary(buildSummary(input({ verification }))), /lost: 0, duplicated: 0; unacknowledged: 2, stored: 1$/m)
})

t.test('a verification that could not be made fails the run', async (t) => {
  const s = buildSummary(input({ verification: { error: 'GET /sensors/1 answered 503' } }))
  t.same(s.reasons, ['verification impossible: GET /sensors/1 answered 503'])
  t.match(formatSummary(s), /^verification: +impossible: GET \/sensors\/1 answered 503$/m)
})

t.test('a --max run describes its limits', async (t) => {
  const s = buildSummary(input({ options: opts('--max', '--duration', '10s', '--readings', '500') }))
  t.match(formatSummary(s), /--max: as fast as it goes \(500 readings or 10 s\)/)
})

t.test('the progress line', async (t) => {
  t.equal(formatProgress({ elapsedS: 3.2, readingsSent: 320, readingsAcknowledged: 310, errors: 1, currentRate: 99.6, p99Ms: 12.34 }),
    '3 s  sent 320  acknowledged 310  errors 1  rate 100/s  p99 12.3 ms')
})
