import t from 'tap'
import { loadTest } from '../../load-test/load-test.js'
import type { TimelineRow } from '../../load-test/timeline.js'
import { listeningApp, options } from './helpers.js'

let answered = 0
let onAnswer = () => {}
// Every run has its own sensor ids, so the runs of this file share one API and database.
const { url } = await listeningApp(t, {
  setup: (app) => app.addHook('onResponse', async (request) => {
    if (request.method === 'POST') {
      answered++
      onAnswer()
    }
  })
})

t.test('--max --duration: sending stops on time and every request in flight still gets its answer', async (t) => {
  const summary = await loadTest(options(url, '--max', '--duration', '1s', '--connections', '4'))
  t.equal(summary.passed, true, summary.reasons.join('; '))
  t.ok(summary.readings.sent > 0)
  t.equal(summary.readings.acknowledgedNew, summary.readings.sent)
  t.match(summary.verification, { stored: summary.readings.sent, unacknowledged: 0, lost: 0, duplicated: 0 })
})

t.test('an aborted run (Ctrl-C) stops sending, and what it sent is still verified', async (t) => {
  const abort = new AbortController()
  answered = 0
  onAnswer = () => { if (answered === 50) abort.abort() }
  const rows: TimelineRow[] = []
  const summary = await loadTest(options(url, '--readings', '1000', '--duration', '5s', '--interval', '100ms'), {
    signal: abort.signal, onInterval: (row) => rows.push(row)
  })
  t.equal(summary.passed, true, summary.reasons.join('; '))
  t.ok(rows.length > 0, 'the timeline was handed out as the run went')
  t.same(rows, summary.timeline.rows)
  t.equal(rows.reduce((n, r) => n + r.readingsSent, 0), summary.readings.sent, 'the timeline accounts for every reading sent')
  t.ok(summary.readings.sent >= 50 && summary.readings.sent < 1000, `sent ${summary.readings.sent}`)
  t.equal(summary.readings.acknowledgedNew, summary.readings.sent)
  t.match(summary.verification, { stored: summary.readings.sent, unacknowledged: 0, lost: 0, duplicated: 0 })
})

t.test('interrupted before the first request: the run does not start', async (t) => {
  const abort = new AbortController()
  abort.abort()
  await t.rejects(loadTest(options(url, '--readings', '10'), { signal: abort.signal }), {
    name: 'NotStartedError', message: 'interrupted before the first request'
  })
})
