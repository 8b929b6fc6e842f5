import t from 'tap'
import { OutageTracker } from '../../load-test/outages.js'

// The run starts at 1000 on the tracker's clock, at 2026-11-23T12:00:00Z.
const tracker = (minMs = 1000) => new OutageTracker({ startAt: 1000, wallStartMs: Date.parse('2026-11-23T12:00:00Z') }, minMs)

t.test('answers that keep coming: no outage', async (t) => {
  const o = tracker()
  for (let at = 1000; at < 5000; at += 10) {
    o.due(at)
    o.acknowledged(at + 5, false)
  }
  o.finish(5000)
  t.same(o.outages, [])
})

t.test('requests in flight and no acknowledgement for 2 s: an outage from the last acknowledgement to the next', async (t) => {
  const o = tracker()
  for (let at = 1000; at <= 7100; at += 10) {
    o.due(at)
    o.acknowledged(at + 5, true)
  }
  // Frozen at 7105: the request in flight, and every one sent meanwhile, waits.
  o.due(7110)
  o.acknowledged(9100, true)
  o.acknowledged(9101, false)
  o.finish(10_000)
  t.same(o.outages, [{
    from: '2026-11-23T12:00:06.105Z', to: '2026-11-23T12:00:08.100Z', startS: 6.105, durationS: 1.995, ongoing: false
  }])
})

t.test('nothing in flight after an acknowledgement: the wait starts with the next request due, not before', async (t) => {
  const o = tracker()
  o.acknowledged(2000, false)
  // A slow schedule: the next request is due 3 s later, and takes 1.5 s.
  o.due(5000)
  o.acknowledged(6500, false)
  t.same(o.outages.map((x) => [x.startS, x.durationS]), [[4, 1.5]])
})

t.test('a request that was already overdue when sent waits from the last acknowledgement', async (t) => {
  const o = tracker()
  o.acknowledged(2000, false)
  o.due(1500)
  o.acknowledged(3200, false)
  t.same(o.outages.map((x) => [x.startS, x.durationS]), [[1, 1.2]])
})

t.test('shorter gaps are ordinary latency', async (t) => {
  const o = tracker()
  o.due(1000)
  o.acknowledged(1999, false)
  t.same(o.outages, [])
})

t.test('no acknowledgement until the run ended: an ongoing outage up to the end', async (t) => {
  const o = tracker()
  o.due(1000)
  o.acknowledged(1100, false)
  o.due(1200)
  o.finish(4200)
  t.same(o.outages.map((x) => [x.startS, x.durationS, x.ongoing]), [[0.2, 3, true]])
})
