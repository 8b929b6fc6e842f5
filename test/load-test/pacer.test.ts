import t from 'tap'
import { EvenPacer } from '../../load-test/pacer.js'

t.test('slots are spaced evenly from the first one', async (t) => {
  let now = 1000
  const pacer = new EvenPacer(12.5, () => now)
  t.same(pacer.takeSlot(), { dueAt: 1000, waitMs: 0 })
  t.same(pacer.takeSlot(), { dueAt: 1012.5, waitMs: 12.5 })
  t.same(pacer.takeSlot(), { dueAt: 1025, waitMs: 25 })
  now = 1030
  t.same(pacer.takeSlot(), { dueAt: 1037.5, waitMs: 7.5 })
})

t.test('a run that fell behind keeps each slot\'s due time, is told to go at once, and catches up', async (t) => {
  let now = 0
  const pacer = new EvenPacer(10, () => now)
  pacer.takeSlot()
  // Every connection waited 100 ms for an answer: slots 1..10 are due and none was taken.
  now = 100
  t.equal(pacer.behindAt(now), 10)
  t.same(pacer.takeSlot(), { dueAt: 10, waitMs: -90 })
  t.same(pacer.takeSlot(), { dueAt: 20, waitMs: -80 })
  t.equal(pacer.behindAt(now), 8)
  // Sending back to back (1 ms each) it is level again at slot 11, due at 110.
  for (let slot = 3; slot <= 10; slot++) {
    now += 1
    const { dueAt, waitMs } = pacer.takeSlot()
    t.equal(dueAt, slot * 10)
    t.ok(waitMs < 0)
  }
  t.equal(now, 108)
  t.equal(pacer.behindAt(now), 0)
  t.same(pacer.takeSlot(), { dueAt: 110, waitMs: 2 })
})

t.test('the schedule counts what is due whether or not it was sent, up to the run\'s last slot', async (t) => {
  const now = 50
  const pacer = new EvenPacer(0.1, () => now, 5)
  t.equal(pacer.dueBy(now), 0, 'nothing is due before the first slot is taken')
  pacer.takeSlot()
  t.equal(pacer.dueBy(50), 1)
  t.equal(pacer.dueBy(50.3), 4, 'a slot due at exactly that time counts despite rounding')
  t.equal(pacer.dueBy(10_000), 5)
  t.equal(pacer.behindAt(10_000), 4)
})
