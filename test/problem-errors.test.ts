import t from 'tap'
import { DatabaseUnavailableError, QueueFullError, WriteTimeoutError } from '../src/ingest/writer.js'
import { toProblem } from '../src/plugins/problem-errors.js'
import { HttpProblem } from '../src/problem.js'

// toProblem is the one place an error becomes an answer (routes throw, it maps).

t.test('the writer\'s errors are 503s with Retry-After, saying nothing was stored', async (t) => {
  const full = toProblem(new QueueFullError('write queue is full (9 readings waiting)'), 'POST')
  t.match(full, { status: 503, headers: { 'retry-after': '1' }, body: { type: 'urn:iot-sensors:problem:unavailable', detail: 'The write queue is full; nothing was stored' } })
  const down = toProblem(new DatabaseUnavailableError('connect ECONNREFUSED 127.0.0.1:5432'), 'POST')
  t.match(down, { status: 503, headers: { 'retry-after': '2' }, body: { detail: 'The database is unavailable; nothing was stored' } })
  t.notMatch(JSON.stringify(down.body), /ECONNREFUSED/, 'no internals')
  const late = toProblem(new WriteTimeoutError('The database did not confirm the write in time; it may or may not be stored'), 'POST')
  t.match(late, { status: 503, headers: { 'retry-after': '2' }, body: { detail: /may or may not be stored; sending the same request again is safe$/ } })
})

t.test('a problem thrown as such passes through unchanged', async (t) => {
  const thrown = new HttpProblem(409, 'conflict', 'stored with a different value', { stored: { value: 1 } })
  t.equal(toProblem(thrown, 'POST'), thrown)
})

t.test('an unexpected error is a 500 without its message', async (t) => {
  const answer = toProblem(new TypeError('secret internals at line 3'), 'GET')
  t.equal(answer.status, 500)
  t.notMatch(JSON.stringify(answer.body), /secret/)
})
