/// <reference lib="dom" />
// (functions passed to page.evaluate() run in the browser)
import t from 'tap'
import type { Page } from 'playwright-core'
import { launchBrowser, noChromium } from '../helpers/browser.js'
import { build } from '../helpers/build.js'
import { postReadings, reading, serve, textOf } from '../helpers/dashboard.js'

/** How far the page reaches past the viewport's width (0: no horizontal scrolling). */
const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)

t.test('at 375 px wide (a phone opened from an alarm)', { skip: noChromium }, async (t) => {
  const browser = await launchBrowser(t)
  const app = await build(t)
  await postReadings(app, Array.from({ length: 30 }, (_, i) => reading(100_000 + i, i % 5 === 0 ? 60 : 1))
    .concat([reading(100_000, 1, 48.5, 'relative_humidity_of_the_server_room')]))
  const origin = await serve(app)
  const page = await browser.newPage({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true })

  t.test('the fleet page fits the width and shows the counts and the table', async (t) => {
    await page.goto(`${origin}/dashboard/`)
    t.equal(await textOf(page, 'sensor-count'), '30')
    t.equal(await overflow(page), 0, 'no horizontal overflow')
    for (const id of ['sensor-count', 'silent-count', 'silent-share']) {
      t.ok(await page.getByTestId(id).isVisible(), `${id} visible`)
      const box = (await page.getByTestId(id).boundingBox())!
      t.ok(box.x >= 0 && box.x + box.width <= 375, `${id} within the width`)
    }
    t.ok(await page.getByTestId('sensor-row-100000').isVisible(), 'table rows visible')
  })

  t.test('the sensor page fits the width and shows its latest values', async (t) => {
    await page.goto(`${origin}/dashboard/sensors/100000`)
    t.equal(await textOf(page, 'latest-relative_humidity_of_the_server_room'), '48.5')
    t.ok(await page.getByTestId('latest-temperature').isVisible())
    t.equal(await overflow(page), 0, 'no horizontal overflow')
  })
})
