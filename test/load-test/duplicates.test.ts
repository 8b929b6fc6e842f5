import t from 'tap'
import { loadTest } from '../../load-test/load-test.js'
import { listeningApp, options, storedRows } from './helpers.js'

// Every run has its own sensor ids, so the runs of this file share one API and database.
const { app, url } = await listeningApp(t)

t.test('--duplicates 0.2: a fifth of the requests are resends, acknowledged as duplicates, and the run verifies', async (t) => {
  const summary = await loadTest(options(url, '--max', '--readings', '500', '--duplicates', '0.2'))

  t.equal(summary.passed, true, summary.reasons.join('; '))
  t.match(summary.requests, { sent: 500, resends: 100 })
  t.match(summary.readings, { sent: 500, unique: 400, resent: 100, acknowledgedNew: 400, acknowledgedDuplicate: 100 })
  t.match(summary.verification, { stored: 400, acknowledged: 400, lost: 0, duplicated: 0, holds: true })
  t.equal(await storedRows(app, summary.sensors.firstId, summary.sensors.lastId), 400)
})

t.test('with batches, a duplicate request resends a whole earlier batch', async (t) => {
  const summary = await loadTest(options(url, '--max', '--readings', '400', '--batch', '10', '--duplicates', '0.2', '--sensors', '7'))

  t.equal(summary.passed, true, summary.reasons.join('; '))
  t.match(summary.requests, { sent: 40, resends: 8 })
  t.match(summary.readings, { sent: 400, unique: 320, acknowledgedNew: 320, acknowledgedDuplicate: 80 })
  t.match(summary.verification, { stored: 320, lost: 0, duplicated: 0, holds: true })
  t.equal(await storedRows(app, summary.sensors.firstId, summary.sensors.lastId), 320)
})
