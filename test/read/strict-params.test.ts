import t, { type Test } from 'tap'
import { appPerFile } from './fixture.js'

// Values that once reached PostgreSQL and came back as 500s: each is now a 400 naming its parameter.

const app = await appPerFile(t)
const cursor = (position: unknown) => Buffer.from(JSON.stringify(position)).toString('base64url')

async function rejected (t: Test, url: string, path: string) {
  const res = await app.inject({ method: 'GET', url })
  t.equal(res.statusCode, 400, url)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.match(res.json(), { status: 400, errors: [{ path }] })
}

t.test('a cursor whose date does not exist, or whose year is 0000', async (t) => {
  await rejected(t, `/readings?sensor_id=1&cursor=${cursor({ ts: '2024-02-30T00:00:00.000000Z', variable: 'v' })}`, 'cursor')
  await rejected(t, `/readings?sensor_id=1&cursor=${cursor({ ts: '0000-01-01T00:00:00.000000Z', variable: 'v' })}`, 'cursor')
  await rejected(t, `/readings?sensor_id=1&cursor=${cursor({ ts: '2024-01-01T24:00:00.000000Z', variable: 'v' })}`, 'cursor')
})

t.test('a cursor or a variable holding NUL, another control character or a lone surrogate', async (t) => {
  await rejected(t, `/readings?sensor_id=1&cursor=${cursor({ ts: '2024-01-01T00:00:00.000000Z', variable: 'a\u0000b' })}`, 'cursor')
  await rejected(t, '/readings?sensor_id=1&variable=a%00b', 'variable')
  await rejected(t, '/readings?sensor_id=1&variable=a%1Bb', 'variable')
  await rejected(t, `/readings?sensor_id=1&cursor=${cursor({ ts: '2024-01-01T00:00:00.000000Z', variable: '\ud800' })}`, 'cursor')
})

t.test('an oversized cursor is refused before it is decoded', async (t) => {
  await rejected(t, `/readings?sensor_id=1&cursor=${'A'.repeat(5000)}`, 'cursor')
})

t.test('a URL that does not decode is a problem+json 400, like every other error', async (t) => {
  for (const url of ['/sensors/%E0%A4%A', '/sensors/%']) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 400, url)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.match(res.json(), { status: 400, title: 'Bad Request', detail: /percent-encoded/ })
  }
})
