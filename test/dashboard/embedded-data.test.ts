import t from 'tap'
import { build, testPool } from '../helpers/build.js'
import { freshDatabase } from '../helpers/database.js'
import { postReadings, reading, serve } from '../helpers/dashboard.js'
import { CHART_RANGES_MS, CHART_RIGHT_EDGE_MS, INITIAL_DATA_ID, NEWEST_READINGS_SHOWN } from '../../src/dashboard/sensor-page-contract.js'
import { EMBED_TIMEOUT_MS } from '../../src/dashboard/page-html.js'

// The front-end is built before the tests (`pretest`: npm run build:web).

const BLOCK = new RegExp(`<script type="application/json" id="${INITIAL_DATA_ID}">([^]*?)</script>`)

/** The page's JSON data block, parsed; undefined without one. */
function embedded (html: string): Record<string, any> | undefined {
  const text = BLOCK.exec(html)?.[1]
  return text === undefined ? undefined : JSON.parse(text)
}

t.test('without READ_TOKENS, a sensor page carries what its first render fetches, exactly as the API answers it', async (t) => {
  const app = await build(t)
  await postReadings(app, [reading(42, 120, 18.25), reading(42, 60, 19.5), reading(42, 2, 20.75), reading(42, 2, 55, 'humidity'), reading(7, 1, 3)])
  const res = await app.inject({ method: 'GET', url: '/dashboard/sensors/42' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/html; charset=utf-8/)
  t.equal(res.headers['cache-control'], 'no-store', 'the page with data is never cached')
  t.match(res.body, /<div id="app">/)
  t.match(res.body, /<script type="module" crossorigin src="\/dashboard\/assets\/[^"]+\.js">/, 'the page names its script as index.html does')
  t.match(res.body, /<\/script>\s*<\/body>\s*<\/html>\s*$/, 'the block ends the body')

  const data = embedded(res.body)!
  t.ok(data, 'the data block is there')
  t.equal(data.sensor_id, 42)
  t.equal(data.range, '24h', 'the default range')
  t.same(data.sensor, (await app.inject({ method: 'GET', url: '/sensors/42' })).json())
  t.same(data.newest_readings, (await app.inject({ method: 'GET', url: `/readings?sensor_id=42&limit=${NEWEST_READINGS_SHOWN}` })).json())
  const to = data.now + CHART_RIGHT_EDGE_MS
  const from = to - CHART_RANGES_MS['24h']
  t.same(data.aggregates.map((a: { variable: string }) => a.variable), ['humidity', 'temperature'], 'one aggregate per variable')
  for (const aggregate of data.aggregates) {
    const url = `/readings/aggregate?sensor_id=42&variable=${aggregate.variable}&from=${from}&to=${to}&bucket=auto`
    t.same(aggregate, (await app.inject({ method: 'GET', url })).json(), `${aggregate.variable}: as GET /readings/aggregate answers`)
  }
  t.equal(data.aggregates[1].buckets.length, 3, 'temperature: its three readings in three 5-minute buckets')
})

t.test('the embedded charts are those of the range in the address, as the page picks it', async (t) => {
  const app = await build(t)
  await postReadings(app, [reading(42, 10, 1), reading(42, 20 * 24 * 60, 2)])
  const month = embedded((await app.inject({ method: 'GET', url: '/dashboard/sensors/42?range=30d' })).body)!
  t.equal(month.range, '30d')
  t.equal(month.aggregates[0].bucket, '1h')
  t.equal(month.aggregates[0].buckets.length, 2, 'the reading 20 days back is in range')
  const unknown = embedded((await app.inject({ method: 'GET', url: '/dashboard/sensors/42?range=1y' })).body)!
  t.equal(unknown.range, '24h', 'a range the page does not offer: the default, as the page falls back to it')
  t.equal(unknown.aggregates[0].buckets.length, 1)
})

t.test('the JSON cannot end its script element, whatever a variable or unit holds', async (t) => {
  const app = await build(t)
  const variable = '</script><script>alert(1)</script>'
  const unit = '<!-- & \u2028 -->'
  await postReadings(app, [{ sensor_id: 5, timestamp: new Date().toISOString(), variable, value: 1, unit }])
  const res = await app.inject({ method: 'GET', url: '/dashboard/sensors/5' })
  const start = res.body.indexOf(`id="${INITIAL_DATA_ID}">`)
  t.ok(start > 0)
  const text = res.body.slice(start + `id="${INITIAL_DATA_ID}">`.length, res.body.indexOf('</script>', start))
  t.notMatch(text, /[<>&\u2028]/, 'no <, >, & or line separator in the block\'s text')
  const data = JSON.parse(text)
  t.equal(data.sensor.variables[0].variable, variable, 'the variable name comes back whole')
  t.equal(data.sensor.variables[0].latest.unit, unit, 'so does the unit')
  t.equal(data.aggregates[0].variable, variable)
  t.equal(res.body.match(/<script/g)?.length, 2, 'the module script and the data block: nothing else became an element')
})

t.test('the embedded page keeps the Content-Security-Policy: only this origin\'s scripts, the block is data', async (t) => {
  const app = await build(t)
  await postReadings(app, [reading(42, 1)])
  const fleet = await app.inject({ method: 'GET', url: '/dashboard/' })
  const res = await app.inject({ method: 'GET', url: '/dashboard/sensors/42' })
  t.ok(embedded(res.body))
  t.equal(res.headers['content-security-policy'], fleet.headers['content-security-policy'])
  t.match(String(res.headers['content-security-policy']), /script-src 'self'(;|$)/)
  t.notMatch(String(res.headers['content-security-policy']), /unsafe-inline/)
  const inline = [...res.body.matchAll(/<script(?![^>]*\bsrc=)[^>]*>/g)].map((m) => m[0])
  t.same(inline, [`<script type="application/json" id="${INITIAL_DATA_ID}">`], 'the only script without src is the JSON data block')
})

t.test('an unknown sensor\'s page is plain index.html; a malformed id is a 400, as before', async (t) => {
  const app = await build(t)
  await postReadings(app, [reading(42, 1)])
  const unknown = await app.inject({ method: 'GET', url: '/dashboard/sensors/43' })
  t.equal(unknown.statusCode, 200)
  t.equal(unknown.headers['cache-control'], 'no-store', 'sent before the read told it has no data: never stored either')
  t.equal(embedded(unknown.body), undefined)
  t.match(unknown.body, /<div id="app">/)
  for (const id of ['2147483648', 'abc', '-1']) {
    const bad = await app.inject({ method: 'GET', url: `/dashboard/sensors/${id}` })
    t.equal(bad.statusCode, 400, `${id}: 400`)
    t.equal(bad.headers['content-type'], 'application/problem+json; charset=utf-8')
  }
})

t.test('with READ_TOKENS, no page carries data: a tab must show its token first', async (t) => {
  const app = await build(t, { readTokens: ['reader-token'] })
  await postReadings(app, [reading(42, 1)])
  for (const url of ['/dashboard/sensors/42', '/dashboard/']) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 200, url)
    t.equal(res.headers['cache-control'], 'no-cache', url)
    t.equal(embedded(res.body), undefined, url)
    t.notMatch(res.body, /application\/json/, url)
  }
})

t.test('without READ_TOKENS, the fleet page carries its counts for the window in its address, every stored reading counted', async (t) => {
  // No fold on a timer: the page's own read must fold what was stored before it.
  const app = await build(t, { summaryFoldIntervalMs: 0 })
  // Sensor 1 reports; 2 and 3 went quiet 30 min and 2 h ago; 4 is silent in one variable only, which does not make it silent.
  await postReadings(app, [reading(1, 1), reading(2, 30), reading(3, 120), reading(4, 1), reading(4, 300, 40, 'humidity')])
  const res = await app.inject({ method: 'GET', url: '/dashboard/' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['cache-control'], 'no-store')
  t.match(res.body, /<div id="app">/)
  t.match(embedded(res.body), { kind: 'fleet', silent_minutes: 10, sensors: 4, silent: 2 }, 'the default window, 10 min')
  t.match(embedded((await app.inject({ method: 'GET', url: '/dashboard/?silent=60' })).body), { silent_minutes: 60, sensors: 4, silent: 1 })
  t.match(embedded((await app.inject({ method: 'GET', url: '/dashboard/?silent=7' })).body), { silent_minutes: 10, silent: 2 }, 'a window the page does not offer: the default')
})

t.test('an empty fleet page carries zero counts', async (t) => {
  const app = await build(t)
  t.match(embedded((await app.inject({ method: 'GET', url: '/dashboard/' })).body), { kind: 'fleet', sensors: 0, silent: 0 })
})

t.test('the head is sent at once; a failed or slow read finishes the page without data, never with an error', async (t) => {
  const db = await freshDatabase(t)
  const app = await build(t, { databaseUrl: db.url })
  await postReadings(app, [reading(42, 1)])
  const pool = testPool(t, db.url)

  // The sensor's summary locked by a transaction that holds on: the page's read waits on it.
  const client = await pool.connect()
  t.teardown(() => client.release())
  await client.query('BEGIN')
  await client.query('LOCK TABLE sensor_variable_summary IN ACCESS EXCLUSIVE MODE')
  const started = Date.now()
  const res = await fetch(`${await serve(app)}/dashboard/sensors/42`)
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
  const first = (await reader.read()).value ?? ''
  const firstAfter = Date.now() - started
  let body = first
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) body += chunk.value
  const took = Date.now() - started
  await client.query('ROLLBACK')
  t.equal(res.status, 200)
  t.match(first, /<script type="module" crossorigin src=/, 'the head went first, naming the script')
  t.ok(firstAfter < EMBED_TIMEOUT_MS, `before the read gave up (${firstAfter} ms)`)
  t.equal(embedded(body), undefined, 'the rest came without data')
  t.match(body, /<div id="app">[^]*<\/html>/)
  t.ok(took >= EMBED_TIMEOUT_MS && took < EMBED_TIMEOUT_MS + 2000, `after the ${EMBED_TIMEOUT_MS} ms timeout (took ${took} ms)`)

  await pool.query('ALTER TABLE sensor_variable_summary RENAME TO summary_elsewhere')
  t.teardown(() => pool.query('ALTER TABLE summary_elsewhere RENAME TO sensor_variable_summary'))
  const failed = await app.inject({ method: 'GET', url: '/dashboard/sensors/42' })
  t.equal(failed.statusCode, 200)
  t.equal(embedded(failed.body), undefined, 'sent without data')
  t.equal((await app.inject({ method: 'GET', url: '/sensors/42' })).statusCode, 500, 'while the API itself fails')
})
