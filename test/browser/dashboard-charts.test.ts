/// <reference lib="dom" />
// (functions passed to page.waitForFunction() run in the browser)
import type { Page } from 'playwright-core'
import t from 'tap'
import { launchBrowser, noChromium } from '../helpers/browser.js'
import { build } from '../helpers/build.js'
import { postReadings, serve, textOf, waitForText, type Reading } from '../helpers/dashboard.js'

const TOKEN = 'read-token-0123456789'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

const at = (sensorId: number, ms: number, value: number, variable = 'temperature'): Reading => ({
  sensor_id: sensorId, timestamp: new Date(ms).toISOString(), variable, value, unit: variable === 'temperature' ? 'C' : '%'
})

/** The chart's hooks: how many x values uPlot was given (gaps are a null point each) and the last one (epoch s). */
async function chartHooks (page: Page, testId: string): Promise<{ points: number, last: number }> {
  const chart = page.getByTestId(testId)
  await chart.waitFor()
  return { points: Number(await chart.getAttribute('data-points')), last: Number(await chart.getAttribute('data-last')) }
}

/** The paths (with query) of the API reads the page sends from now on, as they are sent; not the live feed. */
function apiReads (page: Page): string[] {
  const reads: string[] = []
  page.on('request', (req) => {
    const url = new URL(req.url())
    if (/^\/(sensors|readings|stats)\b/.test(url.pathname)) reads.push(url.pathname + url.search)
  })
  return reads
}

/** Resolves once the chart's data-last is `seconds`, or rejects after timeoutMs. */
async function waitForLast (page: Page, testId: string, seconds: number, timeoutMs: number): Promise<void> {
  await page.waitForFunction(([id, last]) => document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-last') === last,
    [testId, String(seconds)] as const, { timeout: timeoutMs, polling: 'raf' })
}

/**
 * Sensor 42's history: temperature every minute over the 30 minutes before `end` (a quarter hour
 * boundary at most 15 minutes ago, so all of them fall in the 1-hour range), plus one reading 3
 * days and one 20 days back; humidity every 5 minutes over the same 30 minutes.
 */
function history (end: number): Reading[] {
  const readings: Reading[] = []
  for (let k = 1; k <= 30; k++) readings.push(at(42, end - k * MINUTE, 20 + k / 10))
  for (let k = 1; k <= 6; k++) readings.push(at(42, end - k * 5 * MINUTE, 50 + k, 'humidity'))
  readings.push(at(42, end - 3 * DAY, 12), at(42, end - 20 * DAY, 8))
  return readings
}

t.test('charts in Chromium', { skip: noChromium }, async (t) => {
  const browser = await launchBrowser(t)

  t.test('a sensor page draws a chart per variable from the data embedded in it, one point per bucket, and fetches nothing more until a reading arrives', async (t) => {
    const app = await build(t)
    const end = Math.floor(Date.now() / (15 * MINUTE)) * 15 * MINUTE
    await postReadings(app, history(end))
    const page = await browser.newPage()
    const reads = apiReads(page)
    await page.goto(`${await serve(app)}/dashboard/sensors/42`)

    // 24 h (the default) is cut into 5-minute buckets: 30 minutes of readings fill 6 of them.
    t.same(await chartHooks(page, 'chart-temperature'), { points: 6, last: (end - 5 * MINUTE) / 1000 })
    t.same(await chartHooks(page, 'chart-humidity'), { points: 6, last: (end - 5 * MINUTE) / 1000 })
    await page.waitForFunction(() => performance.getEntriesByName('dashboard:chart:temperature:24h', 'mark').length === 1)
    t.pass('the chart set its User Timing mark')
    await page.getByTestId('live-status').getByText('Live').waitFor()
    await page.waitForTimeout(300)
    t.same(reads, [], 'no read sent: the first render\'s data was in the page, and the feed\'s first snapshot had nothing newer')

    await postReadings(app, [at(42, Date.now(), 30.5)])
    await waitForText(page, 'reading-count', '39', 2000)
    await page.waitForFunction(() => document.querySelector('[data-testid="chart-temperature"]')?.getAttribute('data-points') !== '6', undefined, { timeout: 2000 })
    t.same([...new Set(reads.filter((path) => path.startsWith('/readings/aggregate')).map((path) => new URL(path, 'http://x').searchParams.get('variable')))].sort(),
      ['humidity', 'temperature'], 'a new reading: each chart asked for its own aggregate')
  })

  t.test('a chart follows its card\'s width when the window is resized', async (t) => {
    const app = await build(t)
    await postReadings(app, history(Math.floor(Date.now() / (15 * MINUTE)) * 15 * MINUTE))
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await page.goto(`${await serve(app)}/dashboard/sensors/42`)
    const canvas = page.getByTestId('chart-temperature').locator('canvas')
    await canvas.waitFor()
    const card = page.getByTestId('chart-card-temperature')
    const wide = (await canvas.boundingBox())!.width
    t.ok(wide > 1000 && wide <= (await card.boundingBox())!.width, `as wide as its card (${wide} px)`)
    await page.setViewportSize({ width: 700, height: 900 })
    await page.waitForFunction(() => document.querySelector('[data-testid="chart-temperature"] canvas')!.getBoundingClientRect().width < 700, undefined, { timeout: 2000 })
    const narrow = (await canvas.boundingBox())!.width
    t.ok(narrow <= (await card.boundingBox())!.width && narrow > 500, `narrowed with its card (${narrow} px)`)
  })

  // The page's read of the sensor folds the readings posted just before; the feed's first snapshot
  // may predate that fold, and the fold's change then reaches the page after its read.
  t.test('with READ_TOKENS nothing is embedded: each chart fetches its aggregate once; neither the feed\'s first snapshot nor the change its own read folded adds a second read', async (t) => {
    const app = await build(t, { readTokens: [TOKEN] })
    const end = Math.floor(Date.now() / (15 * MINUTE)) * 15 * MINUTE
    await postReadings(app, history(end))
    const context = await browser.newContext()
    t.teardown(() => context.close())
    await context.addInitScript((token) => sessionStorage.setItem('iot-sensors.read-token', token), TOKEN)
    const page = await context.newPage()
    const reads = apiReads(page)
    await page.goto(`${await serve(app)}/dashboard/sensors/42`)
    t.same(await chartHooks(page, 'chart-temperature'), { points: 6, last: (end - 5 * MINUTE) / 1000 })
    await page.getByTestId('raw-readings').waitFor()
    await page.getByTestId('live-status').getByText('Live').waitFor()
    await page.waitForTimeout(300)
    t.same(reads.map((path) => path.split('?')[0]).sort(), ['/readings', '/readings/aggregate', '/readings/aggregate', '/sensors/42'],
      'the sensor, its newest readings and one aggregate per variable, each read once')
  })

  t.test('the range switch redraws 1 h / 24 h / 7 d / 30 d with their buckets, and keeps the range in the address', async (t) => {
    const app = await build(t)
    const end = Math.floor(Date.now() / (15 * MINUTE)) * 15 * MINUTE
    await postReadings(app, history(end))
    const page = await browser.newPage()
    await page.goto(`${await serve(app)}/dashboard/sensors/42`)
    await chartHooks(page, 'chart-temperature')
    const range = page.getByTestId('chart-range')

    // Gaps between buckets hold a null point each, so the lines do not bridge them.
    const hoursOfLastHalfHour = new Set([end - 30 * MINUTE, end - MINUTE].map((ms) => Math.floor(ms / HOUR))).size
    const expected = [
      { label: '1 h', query: '?range=1h', points: 30, last: end - MINUTE },
      { label: '7 d', query: '?range=7d', points: 2 + 1 + 1, last: end - 15 * MINUTE }, // 15-minute buckets, the 3-day-old one
      { label: '30 d', query: '?range=30d', points: hoursOfLastHalfHour + 2 + 2, last: Math.floor((end - MINUTE) / HOUR) * HOUR }, // hours
      { label: '24 h', query: '', points: 6, last: end - 5 * MINUTE }
    ]
    for (const { label, query, points, last } of expected) {
      await range.getByRole('button', { name: label }).click()
      await page.waitForFunction(([n, l]) => {
        const chart = document.querySelector('[data-testid="chart-temperature"]')
        return chart?.getAttribute('data-points') === n && chart.getAttribute('data-last') === l
      }, [String(points), String(last / 1000)] as const, { timeout: 5000 })
      t.pass(`${label}: ${points} points, the last at the bucket of the newest reading`)
      t.equal(new URL(page.url()).search, query, `${label} is kept in the address`)
    }

    const marks = await page.evaluate(() => ['1h', '7d', '30d'].map((range) => performance.getEntriesByName(`dashboard:chart:temperature:${range}`, 'mark').length))
    t.same(marks, [1, 1, 1], 'each range marked once, when its own buckets were drawn')

    await page.goto(`${new URL(page.url()).origin}/dashboard/sensors/42?range=30d`)
    t.equal((await chartHooks(page, 'chart-temperature')).points, hoursOfLastHalfHour + 4, 'a link with ?range=30d opens on 30 d')
    t.equal(await range.getByRole('button', { name: '30 d' }).getAttribute('aria-pressed'), 'true')
  })

  t.test('a chart\'s right edge moves within 2 s when a new reading is POSTed', async (t) => {
    const app = await build(t)
    const end = Math.floor(Date.now() / (15 * MINUTE)) * 15 * MINUTE
    await postReadings(app, history(end))
    const page = await browser.newPage()
    await page.goto(`${await serve(app)}/dashboard/sensors/42?range=1h`)
    t.same(await chartHooks(page, 'chart-temperature'), { points: 30, last: (end - MINUTE) / 1000 })
    await page.getByTestId('live-status').getByText('Live').waitFor()

    const now = Date.now()
    await postReadings(app, [at(42, now, 30.5)])
    const started = Date.now()
    await waitForLast(page, 'chart-temperature', Math.floor(now / MINUTE) * 60, 2000)
    t.ok(Date.now() - started <= 2000, `the right edge moved ${Date.now() - started} ms after the POST was answered`)
    t.equal((await chartHooks(page, 'chart-humidity')).last, (end - 5 * MINUTE) / 1000, 'the other variable\'s chart stays as it was')
  })

  t.test('the fleet page charts the readings stored per minute from GET /stats/ingest, and updates it live', async (t) => {
    const app = await build(t)
    await postReadings(app, [1, 2, 3, 4, 5, 6, 7].map((id) => at(id, Date.now() - id * MINUTE, id)))
    const page = await browser.newPage()
    await page.goto(`${await serve(app)}/dashboard/`)
    t.equal(await textOf(page, 'ingest-total'), '7 stored in the last hour')
    // Dense 1-minute buckets from the one holding `from` to the one holding `to`: 61 unless `to` falls on a minute.
    const { points, last } = await chartHooks(page, 'ingest-chart')
    t.ok(points === 60 || points === 61, `${points} one-minute buckets over the hour`)
    t.ok(Math.abs(last * 1000 - Math.floor(Date.now() / MINUTE) * MINUTE) <= MINUTE, 'the last bucket is the current minute')
    await page.getByTestId('live-status').getByText('Live').waitFor()

    // Counted by arrival: old readings stored now count now.
    await postReadings(app, [at(8, Date.now() - 3 * DAY, 1), at(9, Date.now(), 1), at(1, Date.now(), 2)])
    await waitForText(page, 'ingest-total', '10 stored in the last hour', 2000)
    t.pass('the new readings were counted within 2 s')

    await page.getByTestId('ingest-range').getByRole('button', { name: 'Last 24 h' }).click()
    await waitForText(page, 'ingest-total', '10 stored in the last 24 h', 5000)
    const day = await chartHooks(page, 'ingest-chart')
    t.ok(day.points === 96 || day.points === 97, `${day.points} quarter-hour buckets over the day`)
  })
})
