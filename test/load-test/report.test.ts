import t from 'tap'
import { buildSummary, formatSummary, formatTimelineRow, TIMELINE_HEADER, type SummaryInput } from '../../load-test/report.js'
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
  serviceTimeMs: { p50: 2.5, p90: 4, p99: 8, max: 11 },
  timelineRows: [],
  outages: [],
  serverSamples: [],
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
  t.match(text, /^latency: +from the schedule \(what a sensor waits\): p50 3 ms, p90 5 ms, p99 9\.5 ms, max 12 ms$/m)
  t.match(text, /^service time: +from the send: p50 2\.5 ms, p90 4 ms, p99 8 ms, max 11 ms$/m)
  t.match(text, /^outages: +none$/m)
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
    'p99 latency (from the schedule) 9.5 ms is above --max-p99 5 ms'
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

t.test('a --max run has no schedule: its latency is from the send, and says so', async (t) => {
  const s = buildSummary(input({ options: opts('--max', '--readings', '4', '--max-p99', '5') }))
  t.equal(s.latencyFrom, 'send')
  const text = formatSummary(s)
  t.match(text, /^latency: +from the send \(--max: no schedule, so the service time\): p50 3 ms/m)
  t.notMatch(text, /^service time:/m)
  t.same(s.reasons, ['p99 latency 9.5 ms is above --max-p99 5 ms'])
})

t.test('outages are listed with their wall-clock start, end and length', async (t) => {
  const outages = [
    { from: '2026-11-23T16:00:06.104Z', to: '2026-11-23T16:00:08.112Z', startS: 6.1, durationS: 2.008, ongoing: false },
    { from: '2026-11-23T16:00:12.000Z', to: '2026-11-23T16:00:14.000Z', startS: 12, durationS: 2, ongoing: true }
  ]
  t.match(formatSummary(buildSummary(input({ outages }))),
    /^outages: +no reading acknowledged from 16:00:06\.1 to 16:00:08\.1 UTC \(2\.0 s, from \+6\.1 s\); no reading acknowledged from 16:00:12\.0 until the run ended at 16:00:14\.0 UTC \(2\.0 s, from \+12\.0 s\)$/m)
})

t.test('the server line says how memory moved, the worst lag and queue, and unanswered reads', async (t) => {
  const mb = 1024 * 1024
  const reading = (atS: number, rss: number, lag: number, queue: number) =>
    ({ target: 'http://api.test', atS, ok: true as const, instance: 'api-1', rssBytes: rss * mb, eventLoopLagMaxMs: lag, writeQueueDepth: queue })
  const serverSamples = [
    reading(0, 80, 5, 0), reading(1, 120, 2003.5, 40),
    { target: 'http://api.test', atS: 2, ok: false as const, error: 'GET /metrics: no answer in 10 s' },
    reading(3, 95, 7, 1)
  ]
  t.match(formatSummary(buildSummary(input({ serverSamples }))),
    /^server: +http:\/\/api\.test \(instance api-1\): memory 80\.0 MB at start, peak 120\.0 MB, 95\.0 MB at end; event-loop lag max 2003\.5 ms; write queue max 40; 1 of 4 \/metrics reads unanswered \(GET \/metrics: no answer in 10 s\)$/m)
})

t.test('a timeline row as printed while the run goes', async (t) => {
  const row = {
    startS: 5,
    endS: 6,
    at: '2026-11-23T16:00:05.000Z',
    readingsSent: 200,
    readingsAcknowledged: 187,
    errors: 1,
    status503: 2,
    otherNon2xx: 0,
    behind: 12,
    latencyMs: { p50: 3.1, p90: 6, p99: 812.4, max: 900 },
    serviceTimeMs: { p50: 2.9, p90: 5, p99: 7.7, max: 9 },
    server: [{ target: 'http://a', atS: 5.5, ok: true as const, rssBytes: 90 * 1024 * 1024, eventLoopLagMaxMs: 12, writeQueueDepth: 3 }]
  }
  t.equal(TIMELINE_HEADER, ' time s   sent  acked errors  503 behind   p50 ms   p99 ms  svc p99  rss MB  lag ms queue')
  t.equal(formatTimelineRow(row), '    6.0    200    187      1    2     12      3.1    812.4      7.7    90.0      12     3')
  t.equal(formatTimelineRow({ ...row, latencyMs: undefined, serviceTimeMs: undefined, server: [], behind: undefined }),
    '    6.0    200    187      1    2      -        -        -        -       -       -     -')
})
