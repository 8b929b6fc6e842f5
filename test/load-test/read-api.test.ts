import t from 'tap'
import { fetchStoredCounts } from '../../load-test/verify.js'
import { listeningApp, unreachableUrl } from './helpers.js'

const post = (url: string, body: unknown, token?: string) => fetch(`${url}/readings`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: JSON.stringify(body)
})

// An API without tokens, shared by the tests that need no other configuration.
const { url } = await listeningApp(t)

const reading = (sensorId: number, second: number) =>
  ({ sensor_id: sensorId, timestamp: `2026-01-01T00:00:${String(second).padStart(2, '0')}Z`, variable: 'temperature', value: 20 + second, unit: '°C' })

t.test('stored counts come from GET /sensors/{id}; a sensor without readings counts 0', async (t) => {
  t.equal((await post(url, [reading(11, 1), reading(11, 2), reading(12, 1)])).status, 201)
  t.same(await fetchStoredCounts([11, 12, 13], { url }), [2, 1, 0])
})

t.test('the read token is sent when given', async (t) => {
  const { url } = await listeningApp(t, { config: { readTokens: ['reader'] } })
  t.equal((await post(url, reading(21, 1))).status, 201)
  t.same(await fetchStoredCounts([21], { url, token: 'reader' }), [1])
  await t.rejects(fetchStoredCounts([21], { url }), { name: 'ReadApiError', message: /^GET \/sensors\/21 answered 401/ })
})

t.test('a 404 that is not the API saying "unknown sensor" is an error, not an empty sensor', async (t) => {
  await t.rejects(fetchStoredCounts([1], { url: `${url}/wrong-prefix` }), {
    name: 'ReadApiError', message: /^GET \/sensors\/1 answered 404: No route for GET \/wrong-prefix\/sensors\/1$/
  })
})

t.test('an unreachable read API is an error naming the cause', async (t) => {
  await t.rejects(fetchStoredCounts([1], { url: await unreachableUrl() }), { name: 'ReadApiError', message: /^GET \/sensors\/1 failed: ECONNREFUSED$/ })
})
