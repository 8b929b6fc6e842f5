import t from 'tap'
import { EvenPacer } from '../../load-test/pacer.js'
import { Timeline, type TimelineCounts, type TimelineRow } from '../../load-test/timeline.js'

const counts = (): TimelineCounts => ({ readingsSent: 0, readingsAcknowledged: 0, errors: 0, status503: 0, otherNon2xx: 0 })

/** A timeline of 100 ms intervals from 0 (2026-11-23T12:00:00Z), over running totals the test moves. */
function timeline (extra: { behindAt?: (at: number) => number } = {}) {
  const totals = counts()
  const printed: TimelineRow[] = []
  const tl = new Timeline({
    intervalMs: 100, startAt: 0, wallStartMs: Date.parse('2026-11-23T12:00:00Z'), counts: () => ({ ...totals }), onRow: (r) => printed.push(r), ...extra
  })
  return { tl, totals, printed }
}

t.test('intervals close as time passes, with the counts of each and wall-clock starts', async (t) => {
  const { tl, totals, printed } = timeline()
  totals.readingsSent = 10
  totals.readingsAcknowledged = 9
  tl.advance(150)
  totals.readingsSent = 25
  totals.readingsAcknowledged = 24
  totals.errors = 1
  totals.status503 = 2
  tl.advance(320)
  t.same(tl.rows.map((r) => [r.startS, r.endS, r.readingsSent, r.readingsAcknowledged, r.errors, r.status503]),
    [[0, 0.1, 10, 9, 0, 0], [0.1, 0.2, 15, 15, 1, 2], [0.2, 0.3, 0, 0, 0, 0]])
  t.equal(tl.rows[1]!.at, '2026-11-23T12:00:00.100Z')
  t.same(printed, tl.rows, 'each row is handed out as it closes')
})

t.test('the run\'s end closes a last, shorter interval; nothing after that', async (t) => {
  const { tl, totals } = timeline()
  totals.readingsSent = 3
  tl.finish(230)
  tl.advance(1000)
  t.same(tl.rows.map((r) => [r.startS, r.endS, r.readingsSent]), [[0, 0.1, 3], [0.1, 0.2, 0], [0.2, 0.23, 0]])
})

t.test('under catch-up, latency from the schedule shows the stall where service time does not', async (t) => {
  // 100 requests/s on one timeline (10 ms apart); the API answers in 2 ms, except that nothing
  // is answered from 200 to 500: the request sent at 200 is held, the rest wait for a connection.
  let now = 0
  const pacer = new EvenPacer(10, () => now, 60)
  const { tl } = timeline({ behindAt: (at) => pacer.behindAt(at) })
  while (now < 600) {
    const { dueAt, waitMs } = pacer.takeSlot()
    now = Math.max(now, dueAt)
    const sentAt = now
    const answeredAt = sentAt >= 200 && sentAt < 500 ? 500 : sentAt + 2
    if (waitMs > 0) tl.advance(now)
    tl.answered({ dueAt, sentAt }, answeredAt)
    now = answeredAt
  }
  tl.finish(now)

  const row = (startS: number) => tl.rows.find((r) => r.startS === startS)!
  t.match(row(0.1), { latencyMs: { p50: 2, max: 2 }, behind: 0 })
  // Frozen: nothing answered, and the schedule runs ahead of what was sent.
  for (const s of [0.2, 0.3, 0.4]) t.equal(row(s).latencyMs, undefined)
  t.equal(row(0.4).behind, 30, 'the requests due at 210..500')
  // At 500 the held request (due at 200) is answered, then the overdue ones back to back.
  const late = row(0.5)
  t.ok(Math.abs(late.latencyMs!.max - 300) <= 1, `max ${late.latencyMs!.max}`)
  t.ok(late.latencyMs!.p50 >= 140, `p50 from the schedule ${late.latencyMs!.p50}`)
  t.ok(late.serviceTimeMs!.p50 <= 2.1, `p50 service time ${late.serviceTimeMs!.p50}`)
  t.ok(Math.abs(late.serviceTimeMs!.max - 300) <= 1, 'only the held request took long to serve')
})
