/**
 * A PNG of an HTML report, for the docs: `npx tsx load-test/screenshot.ts REPORT.html OUT.png [WIDTH [HEIGHT]]`
 * (the whole page, or its top HEIGHT pixels).
 * Uses the Chromium the browser tests use (Debian's, or CHROMIUM_PATH); the page is opened with
 * the network cut off, as a reader opening the attachment offline would.
 */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { launchBrowser } from '../test/helpers/browser.js'

const [report, out, width = '1000', height] = process.argv.slice(2)
if (report === undefined || out === undefined) {
  console.error('usage: npx tsx load-test/screenshot.ts REPORT.html OUT.png [WIDTH [HEIGHT]]')
  process.exit(2)
}

const closers: Array<() => unknown> = []
try {
  const browser = await launchBrowser({ teardown: (fn) => closers.push(fn) })
  const page = await browser.newPage({ viewport: { width: Number(width), height: Number(height ?? 800) } })
  const url = pathToFileURL(resolve(report)).href
  await page.route('**/*', (route) => route.request().url() === url ? route.continue() : route.abort())
  await page.goto(url)
  await page.screenshot({ path: out, fullPage: height === undefined })
  console.log(`wrote ${out}`)
} finally {
  for (const close of closers) await close()
}
