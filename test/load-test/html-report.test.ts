import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { HtmlValidate } from 'html-validate'
import t from 'tap'
import { parseLoadTestArgs, type LoadTestOptions } from '../../load-test/args.js'
import { renderReport } from '../../load-test/html-report.js'
import { Ledger } from '../../load-test/ledger.js'
import { buildSummary, type Summary } from '../../load-test/report.js'
import type { ServerSample } from '../../load-test/server-metrics.js'
import type { TimelineRow } from '../../load-test/timeline.js'
import { compareCounts } from '../../load-test/verify.js'
import { launchBrowser, noChromium } from '../helpers/browser.js'

/** A 15 s run at 200/s whose API froze from 6.1 s to 8.1 s, as the load test would summarise it. */
function frozenRun (overrides: { command?: string, url?: string } = {}): Summary {
  const url = overrides.url ?? 'http://127.0.0.1:3000'
  const options = parseLoadTestArgs(['--url', url, '--rate', '200', '--readings', '3000', '--max-p99', '250']) as LoadTestOptions
  const start = Date.parse('2026-11-23T12:00:00Z')
  // Intervals [6, 7) and [7, 8) got no answer; [8, 9) got the late ones.
  const frozen = (s: number) => s === 6 || s === 7
  const timelineRows: TimelineRow[] = Array.from({ length: 15 }, (_, i) => ({
    startS: i,
    endS: i + 1,
    at: new Date(start + i * 1000).toISOString(),
    readingsSent: frozen(i) ? 10 : i === 8 ? 590 : 200,
    readingsAcknowledged: frozen(i) ? 0 : i === 8 ? 600 : 200,
    errors: 0,
    status503: i === 8 ? 4 : 0,
    otherNon2xx: 0,
    behind: i === 6 ? 180 : i === 7 ? 380 : 0,
    latencyMs: frozen(i) ? undefined : i === 8 ? { p50: 950, p90: 1800, p99: 1990, max: 2008 } : { p50: 3, p90: 5, p99: 9, max: 14 },
    serviceTimeMs: frozen(i) ? undefined : { p50: 3, p90: 5, p99: 9, max: i === 8 ? 2003 : 14 },
    server: []
  }))
  const serverSamples: ServerSample[] = Array.from({ length: 16 }, (_, i): ServerSample => i === 7
    ? { target: url, atS: i, ok: false, error: 'GET /metrics: no answer in 10 s' }
    : { target: url, atS: i, ok: true, instance: 'api-1', rssBytes: (90 + i) * 1024 * 1024, eventLoopLagMaxMs: i === 8 ? 2004 : 4, writeQueueDepth: i === 8 ? 40 : 1 })
  return buildSummary({
    options,
    sensorBase: 1_200_000_000,
    startedAt: new Date(start),
    elapsedS: 15,
    counts: { ...new Ledger().counts, requestsSent: 3000, readingsSent: 3000, acknowledgedNew: 2996, statuses: { 503: 4 }, retryAfter: { 2: 4 } },
    uniqueReadingsSent: 3000,
    latencyMs: { p50: 3.1, p90: 6, p99: 1720, max: 2008 },
    serviceTimeMs: { p50: 3, p90: 5.3, p99: 86.8, max: 2003 },
    timelineRows,
    outages: [{ from: '2026-11-23T12:00:06.100Z', to: '2026-11-23T12:00:08.100Z', startS: 6.1, durationS: 2, ongoing: false }],
    serverSamples,
    command: overrides.command ?? 'npm run load-test -- --rate 200 --readings 3000 --max-p99 250',
    verification: compareCounts([{ acknowledged: 2996, unacknowledged: 4, rejected: 0 }], [3000])
  })
}

async function reportFile (t: { teardown(fn: () => unknown): void }, summary: Summary): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'load-test-report-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'report.html')
  await writeFile(file, renderReport(summary))
  return file
}

t.test('the report is valid HTML (html-validate, standard rules)', async (t) => {
  const report = await new HtmlValidate({ extends: ['html-validate:standard'] }).validateString(renderReport(frozenRun()))
  const messages = report.results.flatMap((r) => r.messages.map((m) => `${m.line}:${m.column} ${m.ruleId}: ${m.message}`))
  t.same(messages, [])
  t.equal(report.valid, true)
})

t.test('the report names no outside resource: no src, href, link or @import', async (t) => {
  const html = renderReport(frozenRun())
  t.notMatch(html, /\b(src|href)\s*=/i)
  t.notMatch(html, /<link\b|@import|url\(/i)
})

t.test('what the run printed is in the report: verdict, reasons, command, outage, figures', async (t) => {
  const html = renderReport(frozenRun())
  t.match(html, /<h1>Load test <span class="failed">FAILED<\/span><\/h1>/)
  t.match(html, /<ul class="reasons"><li>unexpected answers: 4 × 503 \(503 Retry-After: 2 s\)<\/li><li>p99 latency \(from the schedule\) 1720 ms is above --max-p99 250 ms<\/li><\/ul>/)
  t.match(html, /<pre class="command">npm run load-test -- --rate 200 --readings 3000 --max-p99 250<\/pre>/)
  t.match(html, /<li>no reading acknowledged from 12:00:06\.1 to 12:00:08\.1 UTC \(2\.0 s, from \+6\.1 s\)<\/li>/)
  t.match(html, /<tr><td>latency from the schedule \(what a sensor waits\)<\/td><td class="n">3\.1 ms<\/td><td class="n">6 ms<\/td><td class="n">1720 ms<\/td><td class="n">2008 ms<\/td><\/tr>/)
  t.match(html, /memory 90\.0 MB at start, peak 105\.0 MB, 105\.0 MB at end; event-loop lag max 2004 ms; write queue max 40/)
})

t.test('text from the run is escaped, and the embedded summary cannot end its script element', async (t) => {
  const html = renderReport(frozenRun({ command: 'npm run load-test -- --token \'</script><script>alert(1)</script>\'' }))
  t.notMatch(html, /<script>alert/)
  t.match(html, /&lt;\/script&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;/)
  t.equal(html.match(/<\/script>/g)?.length, 1, 'one script element: the summary data')
})

t.test('headless Chromium opens the report offline: no console error, no request but the file, the charts drawn', { skip: noChromium }, async (t) => {
  const summary = frozenRun()
  const file = await reportFile(t, summary)
  const browser = await launchBrowser(t)
  const page = await browser.newPage()
  const requests: string[] = []
  const problems: string[] = []
  page.on('request', (request) => requests.push(request.url()))
  page.on('console', (message) => { if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`) })
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
  // Anything but the file itself is cut off, as for a reader offline.
  const url = pathToFileURL(file).href
  await page.route('**/*', (route) => route.request().url() === url ? route.continue() : route.abort())

  await page.goto(url, { waitUntil: 'load' })

  t.same(requests, [url])
  t.same(problems, [])
  t.equal(await page.textContent('h1'), 'Load test FAILED')
  const charts = await page.$$eval('figure.chart', (figures) => figures.map((f) => {
    const svg = f.querySelector('svg')!.getBoundingClientRect()
    return { title: f.querySelector('figcaption')!.textContent, width: svg.width, height: svg.height, marks: f.querySelectorAll('path, circle, rect.bar').length, bands: f.querySelectorAll('.band').length }
  }))
  t.same(charts.map((c) => c.title), ['Latency of the answers in each interval', 'Throughput', 'Requests without a 2xx answer', 'Behind the schedule',
    'Resident memory', 'Event-loop lag (max since the previous read)', 'Write-queue depth'])
  for (const c of charts) {
    t.ok(c.width > 300 && c.height > 50, `${c.title}: ${c.width}×${c.height}`)
    t.equal(c.bands, 1, `${c.title}: the outage is shaded`)
    t.ok(c.marks >= 1, `${c.title}: ${c.marks} lines or bars`)
  }
  t.same(JSON.parse(await page.textContent('#summary') ?? ''), JSON.parse(JSON.stringify(summary)), 'the summary rides along as JSON')
})
