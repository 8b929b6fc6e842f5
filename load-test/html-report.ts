import { describeOutage, megabytes, summaryLines, type Summary } from './report.js'
import type { ServerSample } from './server-metrics.js'
import { escapeHtml, svgChart, type Series } from './svg-chart.js'
import type { TimelineRow } from './timeline.js'

const COLORS = ['#1f5fa8', '#c0392b', '#2e8b57', '#d68910', '#7d3c98', '#5d6d7e']

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; color: #1c2430; margin: 24px auto; max-width: 960px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #d5dae1; }
.passed { color: #1e7d32; } .failed { color: #b3261e; }
pre { background: #f3f5f8; padding: 8px 10px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
table { border-collapse: collapse; } td, th { padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
th { font-weight: 600; } td.n, th.n { text-align: right; }
.figures td:first-child { white-space: nowrap; color: #4a5566; }
.timeline { font-size: 12px; } .timeline td { text-align: right; } .timeline tr.out { background: #fbe3e1; }
figure.chart { margin: 12px 0; } figcaption { font-weight: 600; }
svg { width: 100%; height: auto; font: 11px system-ui, sans-serif; }
svg .grid { stroke: #e4e8ee; } svg .axis { stroke: #8a94a3; } svg .tick, svg .axis-label { fill: #5a6473; }
svg .legend { fill: #1c2430; } svg .band { fill: #f5c6c2; opacity: 0.6; }
`

const rowEnd = (r: TimelineRow) => r.endS

function latencyChart (s: Summary, bands: Bands): string {
  const rows = s.timeline.rows
  const from = s.latencyFrom === 'schedule' ? ' from the schedule' : ''
  const series: Series[] = [
    { name: `p99${from}`, color: COLORS[1]!, points: rows.map((r) => [rowEnd(r), r.latencyMs?.p99]) },
    { name: `p50${from}`, color: COLORS[0]!, points: rows.map((r) => [rowEnd(r), r.latencyMs?.p50]) }
  ]
  if (s.latencyFrom === 'schedule') {
    series.push({ name: 'p99 service time', color: COLORS[5]!, style: 'dashed', points: rows.map((r) => [rowEnd(r), r.serviceTimeMs?.p99]) })
  }
  return svgChart({ title: 'Latency of the answers in each interval', yLabel: 'ms (log scale)', log: true, series, xMax: xMax(s), bands })
}

function throughputChart (s: Summary, bands: Bands): string {
  const rows = s.timeline.rows
  // The run's last interval may be a sliver: a rate over a few milliseconds says nothing.
  const perSecond = (n: number, r: TimelineRow) => r.endS - r.startS < s.timeline.intervalS / 2 ? undefined : Number((n / (r.endS - r.startS)).toFixed(1))
  return svgChart({
    title: 'Throughput',
    yLabel: 'readings/s',
    xMax: xMax(s),
    bands,
    series: [
      { name: 'sent', color: COLORS[0]!, points: rows.map((r) => [rowEnd(r), perSecond(r.readingsSent, r)]) },
      { name: 'acknowledged', color: COLORS[2]!, style: 'dashed', points: rows.map((r) => [rowEnd(r), perSecond(r.readingsAcknowledged, r)]) }
    ]
  })
}

function errorsChart (s: Summary, bands: Bands): string {
  const rows = s.timeline.rows
  const series: Series[] = [
    { name: 'no answer (errors, timeouts)', color: COLORS[1]!, style: 'bars', points: rows.map((r) => [rowEnd(r), r.errors]) },
    { name: '503', color: COLORS[3]!, style: 'bars', points: rows.map((r) => [rowEnd(r), r.status503]) },
    { name: 'other non-2xx', color: COLORS[4]!, style: 'bars', points: rows.map((r) => [rowEnd(r), r.otherNon2xx]) }
  ]
  return svgChart({ title: 'Requests without a 2xx answer', yLabel: 'requests', xMax: xMax(s), bands, barWidth: s.timeline.intervalS, series })
}

/** Paced runs: how many requests were due and not yet sent, the queue a slow API builds in front of it. */
function behindChart (s: Summary, bands: Bands): string {
  if (s.latencyFrom !== 'schedule') return ''
  const series: Series[] = [{ name: 'due and not sent', color: COLORS[5]!, points: s.timeline.rows.map((r) => [rowEnd(r), r.behind]) }]
  return svgChart({ title: 'Behind the schedule', yLabel: 'requests', xMax: xMax(s), bands, series })
}

/** One series per target and instance, from every /metrics sample; an unanswered read breaks the line. */
function serverSeries (samples: readonly ServerSample[], value: (s: Extract<ServerSample, { ok: true }>) => number | undefined): Series[] {
  const byKey = new Map<string, Array<[number, number | undefined]>>()
  const keyOf = (s: ServerSample) => s.ok && s.instance !== undefined ? `${s.target} (${s.instance})` : s.target
  for (const sample of samples) {
    if (sample.ok) {
      const key = keyOf(sample)
      byKey.set(key, [...(byKey.get(key) ?? []), [Math.max(0, sample.atS), value(sample)]])
    } else {
      // An unanswered read breaks the line of every instance of its target.
      for (const [key, points] of byKey) if (key.startsWith(sample.target)) points.push([Math.max(0, sample.atS), undefined])
    }
  }
  return [...byKey].map(([name, points], i) => ({ name, color: COLORS[i % COLORS.length]!, points }))
}

function serverCharts (s: Summary, bands: Bands): string {
  const samples = s.server.samples
  if (!samples.some((sample) => sample.ok)) return '<p>No /metrics answer from the target: no server figures.</p>'
  const mb = (bytes: number | undefined) => bytes === undefined ? undefined : Number(megabytes(bytes))
  return [
    svgChart({ title: 'Resident memory', yLabel: 'MB', xMax: xMax(s), bands, series: serverSeries(samples, (x) => mb(x.rssBytes)) }),
    svgChart({ title: 'Event-loop lag (max since the previous read)', yLabel: 'ms', xMax: xMax(s), bands, series: serverSeries(samples, (x) => x.eventLoopLagMaxMs) }),
    svgChart({ title: 'Write-queue depth', yLabel: 'readings', xMax: xMax(s), bands, series: serverSeries(samples, (x) => x.writeQueueDepth) })
  ].join('\n')
}

type Bands = Array<{ from: number, to: number, label: string }>

const xMax = (s: Summary) => Math.max(1, s.timeline.rows.at(-1)?.endS ?? 0, ...s.server.samples.map((x) => x.atS))

function timelineTable (s: Summary): string {
  const head = ['end s', 'sent', 'acknowledged', 'errors', '503', 'other', 'behind', 'p50 ms', 'p99 ms', 'max ms', 'service p99 ms']
  const inOutage = (r: TimelineRow) => s.outages.some((o) => o.startS < r.endS && o.startS + o.durationS > r.startS)
  const cell = (v: number | undefined) => `<td>${v ?? '–'}</td>`
  const rows = s.timeline.rows.map((r) => `<tr${inOutage(r) ? ' class="out"' : ''}>${[r.endS, r.readingsSent, r.readingsAcknowledged, r.errors,
    r.status503, r.otherNon2xx, r.behind, r.latencyMs?.p50, r.latencyMs?.p99, r.latencyMs?.max, r.serviceTimeMs?.p99].map(cell).join('')}</tr>`)
  return `<table class="timeline"><thead><tr>${head.map((h) => `<th class="n">${h}</th>`).join('')}</tr></thead><tbody>${rows.join('\n')}</tbody></table>`
}

const percentileRow = (name: string, p: Summary['latencyMs']) =>
  `<tr><td>${name}</td>${[p.p50, p.p90, p.p99, p.max].map((v) => `<td class="n">${v} ms</td>`).join('')}</tr>`

/**
 * The run as one self-contained HTML page: verdict, command line, figures, outages, latency,
 * throughput and error charts on the timeline, the server's samples and the verification. No
 * script and nothing fetched: it opens offline, and the summary rides along as JSON in the page.
 */
export function renderReport (s: Summary): string {
  const bands: Bands = s.outages.map((o) => ({ from: o.startS, to: o.startS + o.durationS, label: describeOutage(o) }))
  const verdict = s.passed ? '<span class="passed">PASSED</span>' : '<span class="failed">FAILED</span>'
  const reasons = s.reasons.length === 0 ? '' : `<ul class="reasons">${s.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>`
  const latencyTable = '<table><thead><tr><th></th><th class="n">p50</th><th class="n">p90</th><th class="n">p99</th><th class="n">max</th></tr></thead><tbody>' +
    (s.latencyFrom === 'schedule'
      ? percentileRow('latency from the schedule (what a sensor waits)', s.latencyMs) + percentileRow('service time (from the send)', s.serviceTimeMs)
      : percentileRow('latency from the send (--max: no schedule)', s.latencyMs)) +
    '</tbody></table>'
  const outages = s.outages.length === 0
    ? '<p>None: no stretch of a second or more with readings waiting and none acknowledged.</p>'
    : `<ul>${s.outages.map((o) => `<li>${escapeHtml(describeOutage(o))}</li>`).join('')}</ul>`
  const figures = summaryLines(s).map(([label, value]) => `<tr><td>${escapeHtml(label)}</td><td>${escapeHtml(value)}</td></tr>`).join('\n')
  // `<` escaped so the JSON cannot close its script element.
  const data = JSON.stringify(s).replace(/</g, '\\u003c')

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Load test ${s.passed ? 'PASSED' : 'FAILED'}: ${escapeHtml(s.urls.join(', '))}, ${escapeHtml(s.startedAt)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Load test ${verdict}</h1>
<p>Started ${escapeHtml(s.startedAt)} against ${escapeHtml(s.urls.join(', '))}.</p>
${s.command === undefined ? '' : `<pre class="command">${escapeHtml(s.command)}</pre>`}
${reasons}
<h2>Latency</h2>
${latencyTable}
<h2>Outages</h2>
${outages}
<h2>Timeline (every ${s.timeline.intervalS} s)</h2>
${latencyChart(s, bands)}
${throughputChart(s, bands)}
${errorsChart(s, bands)}
${behindChart(s, bands)}
<h2>Server</h2>
${serverCharts(s, bands)}
<h2>Figures</h2>
<table class="figures"><tbody>${figures}</tbody></table>
<details><summary>Timeline table</summary>
${timelineTable(s)}
</details>
<script type="application/json" id="summary">${data}</script>
</body>
</html>
`
}
