import pg from 'pg'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser } from '../test/helpers/browser.js'
import { openEventStream, type EventStream } from '../test/helpers/sse.js'
import { INITIAL_DATA_ID } from '../src/dashboard/sensor-page-contract.js'
import { abba, formatChange, type AbbaResult } from './abba.js'
import { startApiProcess } from './api-process.js'
import { drive } from './ingest.js'
import { seed } from './read.js'

type Log = (line: string) => void

/** Runs the functions registered with teardown(), last first: the fixtures shared with the tests want one. */
class Cleanups {
  private readonly fns: Array<() => unknown> = []
  teardown (fn: () => unknown): void {
    this.fns.push(fn)
  }

  async run (): Promise<void> {
    for (const fn of this.fns.splice(0).reverse()) await fn()
  }
}

export interface FeedCostOptions {
  databaseUrl: string
  log: Log
  /** Seconds of ingest per measurement (each ABBA round measures four times). */
  durationS: number
  rounds: number
  /** Open fleet pages (the live feed and the ingest chart's reads) on side B. */
  viewers: number
  /** Viewers follow the live feed only, without the ingest chart's reads. */
  feedOnly?: boolean
}

/**
 * A fleet page as the API sees it: the live feed, and the ingest chart's GET /stats/ingest (last
 * hour, 1-minute buckets) again after each event, one at a time, as web/src/fleet/ingest-chart.tsx
 * does. Counts the reads it made into `reads`. Stops on teardown.
 */
async function followAsFleetPage (t: Cleanups, origin: string, reads: { n: number }): Promise<EventStream> {
  const stream = await openEventStream(t, `${origin}/dashboard/events`)
  let stopped = false
  let seen = 0
  const loop = (async () => {
    while (!stopped) {
      if (stream.events.length === seen) {
        await new Promise((resolve) => setTimeout(resolve, 20))
        continue
      }
      seen = stream.events.length
      const to = Date.now()
      const res = await fetch(`${origin}/stats/ingest?from=${to - 3_600_000}&to=${to}&bucket=1m`).catch(() => undefined)
      await res?.arrayBuffer()
      if (res?.ok === true) reads.n++
    }
  })()
  t.teardown(async () => { stopped = true; await loop })
  return stream
}

/**
 * What the live feed costs ingest: 1,000-reading batches (bench scenario b) into one API process
 * over a 10,000-sensor fleet, without (A: the summary trigger disabled, no page open) and with
 * (B: the trigger on and `viewers` fleet pages following the feed and rereading GET /stats/ingest
 * on each event) the feed, in ABBA rounds.
 */
export async function measureFeedCost (opts: FeedCostOptions): Promise<AbbaResult> {
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 1 })
  // Its last client may still be closing when the scratch database is dropped (WITH FORCE).
  pool.on('error', () => {})
  const cleanups = new Cleanups()
  try {
    await seed(pool, 20_000, 10_000)
    const api = await startApiProcess(opts.databaseUrl)
    cleanups.teardown(() => api.stop())
    let sensorBase = 50_000_000
    const ingest = async () => {
      sensorBase += 1000
      return (await drive('feed cost', api.url, { connections: 8, durationS: opts.durationS, batch: 1000, sensorBase })).readingsPerS
    }
    await ingest() // warm-up: JIT, pool, caches
    const ingestReads = { n: 0 }
    const result = await abba(opts.rounds, async (side) => {
      const viewers = new Cleanups()
      try {
        await pool.query(`ALTER TABLE sensor_variable_summary ${side === 'B' ? 'ENABLE' : 'DISABLE'} TRIGGER USER`)
        if (side === 'B') {
          const streams: EventStream[] = []
          for (let i = 0; i < opts.viewers; i++) {
            streams.push(opts.feedOnly === true
              ? await openEventStream(viewers, `${api.url}/dashboard/events`)
              : await followAsFleetPage(viewers, api.url, ingestReads))
          }
          await Promise.all(streams.map((s) => s.waitFor((e) => e.event === 'fleet', 30_000)))
        }
        return await ingest()
      } finally {
        await viewers.run()
      }
    })
    await pool.query('ALTER TABLE sensor_variable_summary ENABLE TRIGGER USER')
    opts.log(`dashboard feed cost on ingest (1,000-reading batches, 8 connections, ${opts.durationS} s each; ` +
      `B = trigger on and ${opts.viewers} ${opts.feedOnly === true ? 'SSE clients following the feed' : `fleet pages following the feed, ${ingestReads.n} GET /stats/ingest in all`}): ` +
      formatChange(result))
    return result
  } finally {
    await cleanups.run()
    await pool.end()
  }
}

export interface PageSpeedOptions {
  databaseUrl: string
  log: Log
  readings: number
  sensors: number
  /** Page loads measured (the median and the slowest are reported). */
  loads: number
}

export interface PageSpeed {
  /** Milliseconds from navigation start to the fleet's counts shown (User Timing mark), the first load on the replica. */
  coldShownMs?: number
  /** The same, later loads. */
  fleetShownMs: number[]
  /** Paint Timing's first-contentful-paint (the page's frame and "Loading…"), later loads. */
  firstPaintMs: number[]
  /** Milliseconds from navigation start to the ingest chart's GET /stats/ingest answered (Resource Timing responseEnd), later loads. */
  ingestAnsweredMs: number[]
  /** Milliseconds from navigation start to the whole fleet received from the live feed. */
  fleetReceivedMs: number[]
  /** Milliseconds from navigation start to the 30-day chart drawn, opened in a new browser profile; undefined without GET /readings/aggregate. */
  chartShownMs?: number[]
  /** The same, opened from the fleet page in the same tab. */
  chartFromFleetMs?: number[]
  /** When the script starts on a page with nothing to show (an unknown sensor), opened in a new browser profile. */
  floorMs?: number[]
}

/** Every page is opened as on a 1080p wall screen. */
const WALL_SCREEN = { viewport: { width: 1920, height: 1080 } }

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const summary = (xs: number[]) => xs.length === 0 ? 'not measured' : `median ${median(xs).toFixed(0)} ms, slowest ${Math.max(...xs).toFixed(0)} ms (${xs.length} loads)`

/** Reads the page's own timing: a User Timing mark, relative to navigation start. */
async function markMs (page: Page, name: string): Promise<number | undefined> {
  return await page.evaluate((mark) => performance.getEntriesByName(mark, 'mark')[0]?.startTime, name)
}

/**
 * Page speed in Chromium with `readings` readings of `sensors` sensors stored (spread over 30
 * days): the fleet page's counts, and a sensor page's 30-day chart, each by the browser's own
 * Navigation, Resource and User Timing.
 */
export async function measurePageSpeed (opts: PageSpeedOptions): Promise<PageSpeed> {
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 1 })
  // Its last client may still be closing when the scratch database is dropped (WITH FORCE).
  pool.on('error', () => {})
  const cleanups = new Cleanups()
  try {
    const perPair = Math.max(1, Math.floor(opts.readings / opts.sensors / 2))
    opts.log(`dashboard speed: seeding ${opts.readings.toLocaleString('en')} readings over ${opts.sensors.toLocaleString('en')} sensors and 30 days`)
    const seedStarted = performance.now()
    await seed(pool, opts.readings, opts.sensors, Math.floor(30 * 86_400 / perPair))
    opts.log(`dashboard speed: seeded in ${((performance.now() - seedStarted) / 1000).toFixed(0)} s`)
    const api = await startApiProcess(opts.databaseUrl)
    cleanups.teardown(() => api.stop())
    const browser = await launchBrowser(cleanups)
    const result: PageSpeed = { fleetShownMs: [], fleetReceivedMs: [], firstPaintMs: [], ingestAnsweredMs: [] }

    // The first load finds the replica following nobody: it starts listening and reads the whole
    // fleet (cold). Later ones find it following the fleet still (it lingers after a page leaves).
    for (let i = 0; i <= opts.loads; i++) {
      const page = await browser.newPage(WALL_SCREEN)
      await page.goto(`${api.url}/dashboard/`)
      await page.getByTestId('sensor-count').waitFor()
      await page.getByTestId('ingest-total').waitFor({ timeout: 60_000 })
      const timing = await page.evaluate(() => ({
        html: performance.getEntriesByType('navigation')[0]?.duration,
        paint: performance.getEntriesByName('first-contentful-paint', 'paint')[0]?.startTime,
        fleet: performance.getEntriesByName('dashboard:feed-fleet', 'mark')[0]?.startTime,
        shown: performance.getEntriesByName('dashboard:fleet-shown', 'mark')[0]?.startTime,
        ingest: (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).find((e) => e.name.includes('/stats/ingest'))?.responseEnd
      }))
      if (timing.shown === undefined || timing.fleet === undefined) throw new Error('the fleet page set no timing marks')
      const ms = (x: number | undefined) => x === undefined ? '?' : `${x.toFixed(0)} ms`
      const line = `load event ${ms(timing.html)}, first contentful paint ${ms(timing.paint)}, fleet received ${ms(timing.fleet)}, ` +
        `counts shown ${ms(timing.shown)}, ingest chart's GET /stats/ingest answered ${ms(timing.ingest)}`
      if (i === 0) {
        result.coldShownMs = timing.shown
        opts.log(`dashboard speed: fleet page, first load on the replica (cold): ${line}`)
      } else {
        result.fleetShownMs.push(timing.shown)
        result.fleetReceivedMs.push(timing.fleet)
        if (timing.paint !== undefined) result.firstPaintMs.push(timing.paint)
        if (timing.ingest !== undefined) result.ingestAnsweredMs.push(timing.ingest)
      }
      await page.close()
    }
    opts.log(`dashboard speed: fleet page, ${opts.sensors.toLocaleString('en')} sensors: counts shown (first meaningful paint) after ${summary(result.fleetShownMs)}; ` +
      `first contentful paint after ${summary(result.firstPaintMs)}; the fleet (all sensors) received after ${summary(result.fleetReceivedMs)}; ` +
      `the ingest chart's GET /stats/ingest answered after ${summary(result.ingestAnsweredMs)}`)

    // A link opened in a browser that never saw the dashboard: a new profile (browser context), so
    // a new renderer process and nothing cached.
    result.chartShownMs = await measureSensorPages(async () => await browser.newPage(WALL_SCREEN), true, api.url, opts, 'opened in a new browser profile')
    if (result.chartShownMs === undefined) return result
    // From the fleet page, in the same tab, as ops go from the table to a sensor.
    const tab = await browser.newPage(WALL_SCREEN)
    result.chartFromFleetMs = await measureSensorPages(async () => {
      await tab.goto(`${api.url}/dashboard/`)
      await tab.getByTestId('sensor-count').waitFor()
      return tab
    }, false, api.url, opts, 'opened from the fleet page in the same tab')
    await tab.close()
    result.floorMs = await measureScriptFloor(browser, api.url, opts)
    return result
  } finally {
    await cleanups.run()
    await pool.end()
  }
}

/**
 * Loads of a sensor page at ?range=30d, each in a page from `open` (closed after it when
 * `closeEach`): the 30-day chart drawn by uPlot (User Timing), with the steps before it.
 * Undefined when the server has no GET /readings/aggregate.
 */
async function measureSensorPages (open: () => Promise<Page>, closeEach: boolean, origin: string, opts: PageSpeedOptions, how: string): Promise<number[] | undefined> {
  const drawnMs: number[] = []
  for (let i = 0; i <= opts.loads; i++) {
    const page = await open()
    await page.goto(`${origin}/dashboard/sensors/${1 + ((i * 7919) % opts.sensors)}?range=30d`)
    const chart = page.getByTestId('chart-temperature')
    const missing = page.getByText('does not provide the chart').first()
    await chart.or(missing).waitFor({ timeout: 30_000 })
    if (await missing.isVisible()) {
      opts.log('dashboard speed: sensor page 30-day chart not measured: this server has no GET /readings/aggregate')
      await page.close()
      return undefined
    }
    const drawn = await markMs(page, 'dashboard:chart:temperature:30d')
    const steps = await page.evaluate((dataBlockId) => {
      const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined
      return {
        html: navigation?.responseEnd,
        parsed: navigation?.domInteractive,
        embedded: document.getElementById(dataBlockId) !== null,
        script: (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).find((e) => e.name.endsWith('.js'))?.responseEnd,
        started: performance.getEntriesByName('dashboard:app-start', 'mark')[0]?.startTime
      }
    }, INITIAL_DATA_ID)
    const at = (x: number | undefined) => x === undefined ? '?' : `${x.toFixed(0)}`
    opts.log(`dashboard speed: sensor page ${how}, load ${i}${i === 0 ? ' (first)' : ''}, ms from navigation: page answered ${at(steps.html)}, ` +
      `${steps.embedded ? 'with its data embedded' : 'without data embedded'}, parsed (DOM interactive) ${at(steps.parsed)}, script loaded ${at(steps.script)}, ` +
      `script started ${at(steps.started)}, chart drawn ${at(drawn)}`)
    if (i > 0 && drawn !== undefined) drawnMs.push(drawn)
    if (closeEach) await page.close()
  }
  opts.log(`dashboard speed: sensor page ${how}: 30-day chart drawn after ${summary(drawnMs)}`)
  return drawnMs
}

/**
 * The browser's own share: a sensor page with no data to send or draw (an unknown sensor, about
 * 1 KB of HTML) opened in a new profile, timed to its script's start (`dashboard:app-start`).
 */
async function measureScriptFloor (browser: Browser, origin: string, opts: PageSpeedOptions): Promise<number[]> {
  const startedMs: number[] = []
  for (let i = 0; i <= opts.loads; i++) {
    const page = await browser.newPage(WALL_SCREEN)
    await page.goto(`${origin}/dashboard/sensors/${opts.sensors + 1_000_000}`)
    await page.getByTestId('unknown-sensor').waitFor({ timeout: 30_000 })
    const started = await markMs(page, 'dashboard:app-start')
    if (i > 0 && started !== undefined) startedMs.push(started)
    await page.close()
  }
  opts.log(`dashboard speed: a sensor page with nothing to show, opened in a new browser profile: its script started after ${summary(startedMs)}`)
  return startedMs
}

export interface DashboardBenchOptions {
  databaseUrl: string
  log: Log
  durationS: number
  rounds?: number
  viewers?: number
  feedOnly?: boolean
  readings?: number
  sensors?: number
  loads?: number
  skipCost?: boolean
  skipSpeed?: boolean
}

/** Both dashboard scenarios, as `npm run bench` runs them after the others. */
export async function runDashboardBench (opts: DashboardBenchOptions): Promise<void> {
  if (opts.skipCost !== true) {
    await measureFeedCost({ databaseUrl: opts.databaseUrl, log: opts.log, durationS: opts.durationS, rounds: opts.rounds ?? 4, viewers: opts.viewers ?? 3, feedOnly: opts.feedOnly })
  }
  if (opts.skipSpeed !== true) {
    await measurePageSpeed({ databaseUrl: opts.databaseUrl, log: opts.log, readings: opts.readings ?? 10_000_000, sensors: opts.sensors ?? 10_000, loads: opts.loads ?? 5 })
  }
}
