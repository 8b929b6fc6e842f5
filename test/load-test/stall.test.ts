import t from 'tap'
import { loadTest } from '../../load-test/load-test.js'
import { fakeApi } from './fake-api.js'
import { options } from './helpers.js'

// One run, looked at from three sides: 300 readings at 100/s over 2 connections; the API stops
// answering 1.2 s after the first one (between two /metrics reads), for 1.5 s (an outage is at least 1 s of readings waiting).
const STALL_MS = 1500
const api = await fakeApi(t, { stall: { afterMs: 1200, forMs: STALL_MS } })
const summary = await loadTest(options(api.url, '--rate', '100', '--readings', '300', '--connections', '2', '--interval', '500ms'))

t.test('a stall shows in the latency from the schedule, not in the service time', async (t) => {
  t.equal(summary.passed, true, summary.reasons.join('; '))
  t.match(summary.verification, { stored: 300, lost: 0, duplicated: 0 })
  t.equal(summary.latencyFrom, 'schedule')
  // About 150 requests were due during the stall: their sensors waited up to its whole length.
  t.ok(summary.latencyMs.p99 >= 0.9 * STALL_MS, `p99 from the schedule ${summary.latencyMs.p99} ms`)
  t.ok(summary.latencyMs.p90 >= 0.5 * STALL_MS, `p90 from the schedule ${summary.latencyMs.p90} ms`)
  // Only the 2 requests in flight when it began were held by the server itself.
  t.ok(summary.serviceTimeMs.max >= 0.9 * STALL_MS, `longest service time ${summary.serviceTimeMs.max} ms`)
  t.ok(summary.serviceTimeMs.p90 < 0.5 * STALL_MS, `p90 service time ${summary.serviceTimeMs.p90} ms`)
})

t.test('the timeline shows the stall: its start and length, nothing acknowledged during it, the backlog, the late answers', async (t) => {
  const stall = api.stall!

  t.equal(summary.outages.length, 1, JSON.stringify(summary.outages))
  const outage = summary.outages[0]!
  t.equal(outage.ongoing, false)
  // It starts at the last acknowledgement before the stall and ends at the first one after.
  t.ok(Math.abs(Date.parse(outage.from) - stall.fromWallMs) <= 500, `outage from ${outage.from}, stall from ${new Date(stall.fromWallMs).toISOString()}`)
  t.ok(Date.parse(outage.to) >= stall.toWallMs - 5 && Date.parse(outage.to) <= stall.toWallMs + 500,
    `outage to ${outage.to}, stall to ${new Date(stall.toWallMs).toISOString()}`)
  t.ok(outage.durationS >= 1.4 && outage.durationS <= 2, `outage of ${outage.durationS} s`)

  const rows = summary.timeline.rows
  t.equal(summary.timeline.intervalS, 0.5)
  t.equal(rows.reduce((n, r) => n + r.readingsSent, 0), 300)
  t.equal(rows.reduce((n, r) => n + r.readingsAcknowledged, 0), 300)
  // The interval wholly inside the stall: no answer, no server sample, the schedule running ahead.
  const inside = rows.filter((r) => r.startS >= outage.startS && r.endS <= outage.startS + outage.durationS)
  t.ok(inside.length >= 1, `intervals inside the stall: ${inside.map((r) => `${r.startS}-${r.endS}`).join(' ')}`)
  for (const r of inside) {
    t.equal(r.readingsAcknowledged, 0)
    t.equal(r.latencyMs, undefined)
    t.same(r.server, [])
  }
  t.ok(inside.at(-1)!.behind! >= 80, `behind at the end of the stall: ${inside.at(-1)!.behind}`)
  // The interval the stall ends in gets the late answers, measured from when they were due.
  const after = rows.find((r) => r.startS <= outage.startS + outage.durationS && r.endS > outage.startS + outage.durationS)!
  t.ok(after.latencyMs!.max >= 0.9 * STALL_MS, `latest answer after the stall: ${after.latencyMs!.max} ms`)
})

t.test('the server side is sampled on the same timeline, and summarised', async (t) => {
  t.equal(summary.server.summaries.length, 1)
  const server = summary.server.summaries[0]!
  t.match(server, { target: summary.url, instance: 'fake', unanswered: 0 })
  t.ok(server.samples >= 4, `${server.samples} samples`)
  t.ok(server.memory!.startBytes > 0 && server.memory!.peakBytes >= server.memory!.endBytes)
  // A sample before the first request and one after the last answer.
  t.ok(summary.server.samples[0]!.atS <= 0, `first sample at ${summary.server.samples[0]!.atS} s`)
  t.ok(summary.server.samples.at(-1)!.atS >= summary.timeline.rows.at(-1)!.endS)
  t.ok(summary.timeline.rows.some((r) => r.server.length === 1 && r.server[0]!.ok))
})
