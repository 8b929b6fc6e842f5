import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import pg from 'pg'
import { startApiProcess } from '../bench/api-process.js'
import { benchDatabase } from '../bench/database.js'
import { packageRoot } from '../src/paths.js'
import { launchBrowser } from '../test/helpers/browser.js'
import { postDemoFleet } from './demo-fleet.js'

// npm run screenshots: real captures of the dashboard for the README (docs/screenshots/), taken
// in headless Chromium from a demo fleet POSTed to a scratch API (DATABASE_URL's server, or an
// in-memory embedded PGlite).
const outDir = join(packageRoot, 'docs', 'screenshots')
const SENSOR = 4
const widths = [{ name: 'desktop', width: 1280, height: 900 }, { name: 'phone', width: 375, height: 812 }]

const cleanups: Array<() => unknown> = []
try {
  const db = await benchDatabase()
  cleanups.push(() => db.drop())
  const api = await startApiProcess(db.url)
  cleanups.push(() => api.stop())
  const sent = await postDemoFleet(api.url, { sensors: 36, days: 3, intervalMin: 5, now: Date.now() })
  console.log(`demo fleet: ${sent} readings from 36 sensors`)
  // POSTed within seconds, the readings would all count in the ingest chart's last minute; a live
  // fleet's arrive as they are taken, so they are stored as if so (the read bench's seed does the same).
  const pool = new pg.Pool({ connectionString: db.url, max: 1 })
  try {
    await pool.query('UPDATE readings SET received_at = ts')
    await pool.query('SELECT rebuild_reading_rollups()')
  } finally {
    await pool.end()
  }

  const browser = await launchBrowser({ teardown: (fn) => cleanups.push(fn) })
  await mkdir(outDir, { recursive: true })
  for (const { name, width, height } of widths) {
    const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: 1 })
    await page.goto(`${api.url}/dashboard/`)
    await page.getByTestId('sensor-table').waitFor()
    await page.getByTestId('ingest-chart').waitFor()
    await page.screenshot({ path: join(outDir, `fleet-${name}.png`), fullPage: name === 'desktop' })
    await page.goto(`${api.url}/dashboard/sensors/${SENSOR}`)
    await page.getByTestId('latest-temperature').waitFor()
    await page.getByTestId('raw-readings').waitFor()
    // Every variable's chart drawn, not a sentence in its place.
    for (const card of await page.locator('[data-testid^="chart-card-"]').all()) await card.locator('.chart canvas').waitFor()
    await page.screenshot({ path: join(outDir, `sensor-${name}.png`), fullPage: name === 'desktop' })
    await page.close()
    console.log(`wrote docs/screenshots/fleet-${name}.png and sensor-${name}.png`)
  }
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup()
}
