import t from 'tap'
import { EvenPacer } from '../../load-test/pacer.js'

t.test('slots are spaced evenly from the first one', async (t) => {
  let now = 1000
  const pacer = new EvenPacer(12.5, () => now)
  t.equal(pacer.takeSlot(), 0)
  t.equal(pacer.takeSlot(), 12.5)
  t.equal(pacer.takeSlot(), 25)
  now = 1030
  t.equal(pacer.takeSlot(), 7.5)
})

t.test('a run that fell behind is told to go at once, and catches up', async (t) => {
  let now = 0
  const pacer = new EvenPacer(10, () => now)
  pacer.takeSlot()
  now = 100
  t.equal(pacer.takeSlot(), -90)
  t.equal(pacer.takeSlot(), -80)
})
