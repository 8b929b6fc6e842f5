import t from 'tap'
import { compareCounts } from '../../load-test/verify.js'

const tally = (acknowledged: number, unacknowledged = 0, rejected = 0) => ({ acknowledged, unacknowledged, rejected })

t.test('every acknowledged reading stored once: holds', async (t) => {
  const v = compareCounts([tally(3), tally(2)], [3, 2])
  t.match(v, { stored: 5, acknowledged: 5, uniqueSent: 5, lost: 0, duplicated: 0, unacknowledgedStored: 0, holds: true })
})

t.test('fewer stored than acknowledged: lost', async (t) => {
  const v = compareCounts([tally(3), tally(2)], [1, 2])
  t.match(v, { lost: 2, duplicated: 0, holds: false })
})

t.test('more stored than sent: duplicated', async (t) => {
  const v = compareCounts([tally(3, 1), tally(2)], [5, 2])
  t.match(v, { lost: 0, duplicated: 1, unacknowledgedStored: 1, holds: false })
})

t.test('a loss on one sensor is not hidden by an extra row on another', async (t) => {
  const v = compareCounts([tally(3), tally(2)], [2, 3])
  t.match(v, { stored: 5, acknowledged: 5, lost: 1, duplicated: 1, holds: false })
})

t.test('unacknowledged readings may or may not be stored: neither lost nor duplicated', async (t) => {
  const v = compareCounts([tally(3, 2), tally(2, 2)], [5, 2])
  t.match(v, { unacknowledged: 4, unacknowledgedStored: 2, lost: 0, duplicated: 0, holds: true })
})

t.test('a rejected reading that was stored fails the check', async (t) => {
  const v = compareCounts([tally(1, 0, 1)], [2])
  t.match(v, { rejected: 1, rejectedStored: 1, lost: 0, duplicated: 0, holds: false })
})
