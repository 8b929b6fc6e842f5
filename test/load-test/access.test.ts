import t from 'tap'
import { loadTest } from '../../load-test/load-test.js'
import { listeningApp, options, unreachableUrl } from './helpers.js'

// An API that wants the token for both ingest and reads.
const guarded = await listeningApp(t, { config: { ingestTokens: ['s3cret'], readTokens: ['s3cret'] } })

t.test('--token is sent to the ingest and the read API', async (t) => {
  const { url } = guarded
  const summary = await loadTest(options(url, '--max', '--readings', '50', '--token', 's3cret'))
  t.equal(summary.passed, true, summary.reasons.join('; '))
  t.match(summary.verification, { stored: 50, lost: 0, duplicated: 0 })
})

t.test('without the ingest token every request is rejected, counted, and the run fails saying so', async (t) => {
  const { url } = await listeningApp(t, { config: { ingestTokens: ['s3cret'] } })
  const summary = await loadTest(options(url, '--max', '--readings', '50', '--batch', '5'))
  t.equal(summary.passed, false)
  t.match(summary.readings, { sent: 50, rejected: 50, acknowledgedNew: 0 })
  t.same(summary.non2xx.byStatus, { 401: 10 })
  t.same(summary.reasons, ['unexpected answers: 10 × 401 (401: pass a valid --token)'])
  t.match(summary.verification, { stored: 0, rejected: 50, rejectedStored: 0, holds: true })
})

t.test('without the read token the run does not start', async (t) => {
  await t.rejects(loadTest(options(guarded.url, '--readings', '10')), {
    name: 'NotStartedError', message: /^the read API cannot verify this run: GET \/sensors\/\d+ answered 401/
  })
})

t.test('an API that cannot be reached: the run does not start', async (t) => {
  await t.rejects(loadTest(options(await unreachableUrl(), '--readings', '10')), {
    name: 'NotStartedError', message: /^the read API cannot verify this run: GET \/sensors\/\d+ failed: ECONNREFUSED$/
  })
})
