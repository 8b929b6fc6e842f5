import t from 'tap'
import { build } from '../helpers/build.js'
import { freshDatabase } from '../helpers/database.js'

const { url: databaseUrl } = await freshDatabase(t)
const reads = ['/sensors', '/sensors/silent', '/sensors/1', '/readings?sensor_id=1', '/readings/aggregate?sensor_id=1&variable=t', '/stats/ingest', '/fleet/latest?variable=t', '/fleet/last-seen']

t.test('with READ_TOKENS set, reads without a valid token are a 401 problem', async (t) => {
  const app = await build(t, { databaseUrl, readTokens: ['r3ad'], ingestTokens: ['1ngest'] })
  for (const url of reads) {
    for (const authorization of [undefined, 'Bearer wrong', 'Bearer 1ngest']) {
      const res = await app.inject({ method: 'GET', url, headers: authorization === undefined ? {} : { authorization } })
      t.equal(res.statusCode, 401, `${url} with ${authorization}`)
      t.match(res.headers['content-type'], /^application\/problem\+json/)
    }
  }
})

t.test('with READ_TOKENS set, reads with one of the tokens are answered', async (t) => {
  const app = await build(t, { databaseUrl, readTokens: ['r3ad', 'other'] })
  for (const url of ['/sensors', '/sensors/silent', '/readings?sensor_id=1', '/readings/aggregate?sensor_id=1&variable=t', '/stats/ingest', '/fleet/latest?variable=t', '/fleet/last-seen']) {
    const res = await app.inject({ method: 'GET', url, headers: { authorization: 'Bearer other' } })
    t.equal(res.statusCode, 200, url)
  }
})

t.test('READ_TOKENS do not open ingestion, and health and metrics stay open', async (t) => {
  const app = await build(t, { databaseUrl, readTokens: ['r3ad'], ingestTokens: ['1ngest'] })
  const post = await app.inject({
    method: 'POST',
    url: '/readings',
    headers: { authorization: 'Bearer r3ad' },
    payload: { sensor_id: 1, timestamp: '2024-05-01T12:00:00Z', variable: 't', value: 1, unit: '' }
  })
  t.equal(post.statusCode, 401)
  for (const url of ['/health', '/ready']) t.equal((await app.inject({ method: 'GET', url })).statusCode, 200, url)
})
