import t from 'tap'
import { launchBrowser, noChromium } from '../helpers/browser.js'
import { build } from '../helpers/build.js'
import { postReadings, reading, serve, textOf, waitForText } from '../helpers/dashboard.js'

t.test('sensor page in Chromium', { skip: noChromium }, async (t) => {
  const browser = await launchBrowser(t)

  t.test('shows the latest value of each variable, its lifespan and newest readings, and updates the latest value live', async (t) => {
    const app = await build(t)
    await postReadings(app, [
      reading(42, 120, 18.25), reading(42, 60, 19.5), reading(42, 2, 20.75),
      reading(42, 2, 55, 'humidity'), reading(7, 1, 3)
    ])
    const page = await browser.newPage()
    await page.goto(`${await serve(app)}/dashboard/sensors/42`)
    t.equal(await textOf(page, 'latest-temperature'), '20.75')
    t.equal(await textOf(page, 'latest-humidity'), '55')
    t.equal(await textOf(page, 'reading-count'), '4')
    t.equal(await textOf(page, 'sensor-status'), 'Reporting')
    t.equal(await page.locator('[data-testid="raw-readings"] tbody tr').count(), 4)
    await page.getByTestId('live-status').getByText('Live').waitFor()

    await postReadings(app, [reading(42, 0, 23.5)])
    await waitForText(page, 'latest-temperature', '23.5', 2000)
    t.pass('the new latest value showed within 2 s')
    await waitForText(page, 'reading-count', '5', 2000)
    t.equal(await page.locator('[data-testid="raw-readings"] tbody tr').count(), 5, 'and the new reading is in the table')
  })

  t.test('a silent sensor is marked, and turns back to reporting when a reading arrives', async (t) => {
    const app = await build(t)
    await postReadings(app, [reading(3, 90, 1)])
    const page = await browser.newPage()
    await page.goto(`${await serve(app)}/dashboard/sensors/3`)
    t.equal(await textOf(page, 'sensor-status'), 'Silent')
    await page.getByTestId('live-status').getByText('Live').waitFor()
    await postReadings(app, [reading(3, 0, 2)])
    await waitForText(page, 'sensor-status', 'Reporting', 2000)
    t.equal(await textOf(page, 'latest-temperature'), '2')
  })

  t.test('a sensor with no reading yet says so, and appears with its first reading', async (t) => {
    const app = await build(t)
    const page = await browser.newPage()
    await page.goto(`${await serve(app)}/dashboard/sensors/99`)
    t.match(await textOf(page, 'unknown-sensor'), /No reading of sensor 99 is stored yet/)
    await page.getByTestId('live-status').getByText('Live').waitFor()
    await postReadings(app, [reading(99, 0, 12)])
    await waitForText(page, 'latest-temperature', '12', 2000)
    t.equal(await page.getByTestId('unknown-sensor').count(), 0)
  })
})
