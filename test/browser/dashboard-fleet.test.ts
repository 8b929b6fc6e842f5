/// <reference lib="dom" />
// (functions passed to page.evaluate() run in the browser)
import t from 'tap'
import { launchBrowser, noChromium } from '../helpers/browser.js'
import { build } from '../helpers/build.js'
import { postReadings, reading, serve, textOf, waitForText } from '../helpers/dashboard.js'
import { freshDatabase } from '../helpers/database.js'

t.test('fleet page in Chromium', { skip: noChromium }, async (t) => {
  const browser = await launchBrowser(t)

  t.test('shows the counts of a seeded fleet, silent sensors first and marked', async (t) => {
    const app = await build(t)
    // Five reporting sensors, two silent for half an hour (the default window is 10 minutes).
    await postReadings(app, [1, 2, 3, 4, 5].map((id) => reading(id, 1)).concat([reading(6, 30), reading(7, 45)]))
    const page = await browser.newPage()
    await page.goto(`${await serve(app)}/dashboard/`)
    t.equal(await textOf(page, 'sensor-count'), '7')
    t.equal(await textOf(page, 'silent-count'), '2')
    t.equal(await textOf(page, 'silent-share'), '28.6%')
    // The counts come with the page; the table with the live feed's fleet, which may come later.
    const tableRows = page.locator('[data-testid="sensor-table"] tbody tr')
    await tableRows.nth(6).waitFor()
    const rows = await tableRows.evaluateAll((trs) => trs.map((tr) => [tr.querySelector('td')!.textContent, tr.className]))
    t.same(rows.slice(0, 2), [['6', 'silent'], ['7', 'silent']], 'silent first, in the table\'s order (last seen, newest first)')
    t.equal(rows.length, 7)
    t.notOk(rows.slice(2).some(([, cls]) => cls === 'silent'))
  })

  t.test('a reading POSTed to another API instance on the same database shows within 2 s', async (t) => {
    const { url } = await freshDatabase(t)
    const served = await build(t, { databaseUrl: url })
    const other = await build(t, { databaseUrl: url })
    await postReadings(served, [reading(1, 1), reading(2, 30)])
    const page = await browser.newPage()
    await page.goto(`${await serve(served)}/dashboard/`)
    t.equal(await textOf(page, 'silent-count'), '1')
    await page.getByTestId('live-status').getByText('Live').waitFor()

    // Sensor 2 reports again and sensor 3 is new, both through the other instance.
    await postReadings(other, [reading(2, 0), reading(3, 0)])
    const started = Date.now()
    await waitForText(page, 'sensor-count', '3', 2000)
    await waitForText(page, 'silent-count', '0', 2000 - (Date.now() - started))
    t.ok(Date.now() - started <= 2000, `shown ${Date.now() - started} ms after the POST was answered`)
    t.equal(await page.getByTestId('sensor-row-2').getByText('Reporting').count(), 1, 'sensor 2 turned back to reporting')
  })

  t.test('the silence window changes the counts and stays in the address', async (t) => {
    const app = await build(t)
    await postReadings(app, [reading(1, 1), reading(2, 30), reading(3, 120)])
    const page = await browser.newPage()
    await page.goto(`${await serve(app)}/dashboard/`)
    t.equal(await textOf(page, 'silent-count'), '2')
    await page.getByTestId('silence-window').getByRole('button', { name: '1 h' }).click()
    t.equal(await textOf(page, 'silent-count'), '1')
    t.match(page.url(), /\?silent=60$/)
  })

  t.test('the table is paged and searchable by id', async (t) => {
    const app = await build(t)
    await postReadings(app, Array.from({ length: 120 }, (_, i) => reading(i + 1, 1 + i / 100)))
    const page = await browser.newPage()
    await page.goto(`${await serve(app)}/dashboard/`)
    t.equal(await textOf(page, 'pager-position'), '1–50 of 120')
    t.equal(await page.locator('[data-testid="sensor-table"] tbody tr').count(), 50)
    await page.getByRole('button', { name: 'Next' }).click()
    t.equal(await textOf(page, 'pager-position'), '51–100 of 120')
    await page.getByTestId('sensor-search').fill('11')
    t.equal(await textOf(page, 'pager-position'), '1–11 of 11', '11 and 110..119')
    t.equal(await page.locator('[data-testid="sensor-table"] tbody tr').count(), 11)
  })

  t.test('is usable from the keyboard: Tab reaches a sensor link and Enter opens it', async (t) => {
    const app = await build(t)
    await postReadings(app, [reading(42, 1)])
    const page = await browser.newPage()
    await page.goto(`${await serve(app)}/dashboard/`)
    await page.getByTestId('sensor-row-42').waitFor()
    let focused = ''
    for (let i = 0; i < 30 && focused !== '42'; i++) {
      await page.keyboard.press('Tab')
      focused = await page.evaluate(() => document.activeElement?.textContent ?? '')
    }
    t.equal(focused, '42', 'the sensor link takes the focus')
    await page.keyboard.press('Enter')
    await page.waitForURL(/\/dashboard\/sensors\/42$/)
    t.equal(await textOf(page, 'latest-temperature'), '21.5')
  })

  t.test('shows the counts it came with before the live feed has sent the fleet', async (t) => {
    const app = await build(t)
    await postReadings(app, [reading(1, 1), reading(2, 1), reading(3, 30)])
    const page = await browser.newPage()
    // The feed never answers: what shows is the page's own data block.
    await page.route('**/dashboard/events*', () => {})
    await page.goto(`${await serve(app)}/dashboard/`)
    t.equal(await textOf(page, 'sensor-count'), '3')
    t.equal(await textOf(page, 'silent-count'), '1')
    t.equal(await page.getByTestId('loading').count(), 1, 'the table still waits for the feed')
  })

  t.test('an empty fleet says how to send a first reading', async (t) => {
    const app = await build(t)
    const page = await browser.newPage()
    await page.goto(`${await serve(app)}/dashboard/`)
    t.equal(await textOf(page, 'sensor-count'), '0')
    t.match(await textOf(page, 'empty-fleet'), /No sensor has reported yet.*POST \/readings/s)
  })

  t.test('an API that stops answering is said so, and the page recovers when it is back', async (t) => {
    const { url } = await freshDatabase(t)
    const first = await build(t, { databaseUrl: url })
    await postReadings(first, [reading(1, 1)])
    const origin = await serve(first)
    const page = await browser.newPage()
    await page.goto(`${origin}/dashboard/`)
    t.equal(await textOf(page, 'sensor-count'), '1')
    await first.close()
    t.match(await textOf(page, 'offline'), /The API does not answer/)
    // The status turns to "Connecting…" at each retry of the feed (1 s, doubling): wait for its
    // offline state rather than read it at one instant.
    await page.getByTestId('live-status').getByText('API unreachable').waitFor({ timeout: 20_000 })
    t.pass('the live status says the API is unreachable')

    const port = new URL(origin).port
    const second = await build(t, { databaseUrl: url })
    await second.listen({ port: Number(port), host: '127.0.0.1' })
    await page.getByTestId('live-status').getByText('Live').waitFor({ timeout: 20_000 })
    t.equal(await page.getByTestId('offline').count(), 0, 'the banner is gone')
  })
})
