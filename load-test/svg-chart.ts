/**
 * A small SVG chart renderer for the HTML report: the charts are drawn here, as markup, so the
 * report needs no script, no chart library and no network to show them.
 */

export interface Series {
  name: string
  color: string
  /** [x, y]; an undefined y breaks the line (nothing measured there). */
  points: ReadonlyArray<readonly [number, number | undefined]>
  /** 'bars' draws each point as a bar over [x - barWidth, x]. */
  style?: 'line' | 'dashed' | 'bars'
}

export interface ChartOptions {
  title: string
  /** Label of the y axis, with its unit. */
  yLabel: string
  series: readonly Series[]
  /** The x axis runs from 0 to xMax (seconds from the run's start). */
  xMax: number
  /** Logarithmic y axis (latencies spanning milliseconds to seconds). */
  log?: boolean
  /** Width of a bar in x units (the timeline's interval). */
  barWidth?: number
  /** Shaded stretches of x, e.g. outages. */
  bands?: ReadonlyArray<{ from: number, to: number, label: string }>
}

const WIDTH = 920
const HEIGHT = 230
const LEFT = 64
const RIGHT = 16
const TOP = 30
const BOTTOM = 34

export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/** About `count` round tick values covering [0, max]. */
export function niceTicks (max: number, count = 6): number[] {
  if (!(max > 0)) return [0, 1]
  const raw = max / count
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= raw)!
  const ticks: number[] = []
  for (let v = 0; v < max + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)))
  return ticks
}

/** Powers of ten covering the positive values (at least one decade). */
export function logTicks (min: number, max: number): number[] {
  const low = Math.floor(Math.log10(Math.max(min, 1e-3)))
  const high = Math.max(low + 1, Math.ceil(Math.log10(Math.max(max, 1e-3))))
  return Array.from({ length: high - low + 1 }, (_, i) => Number((10 ** (low + i)).toPrecision(12)))
}

const label = (v: number) => Math.abs(v) >= 10_000 ? `${Number((v / 1000).toPrecision(3))}k` : String(Number(v.toPrecision(4)))
const f = (n: number) => n.toFixed(1)

export function svgChart (o: ChartOptions): string {
  const values = o.series.flatMap((s) => s.points.map(([, y]) => y)).filter((y): y is number => y !== undefined && Number.isFinite(y))
  const positive = values.filter((y) => y > 0)
  const yTicks = o.log === true
    ? logTicks(positive.length > 0 ? Math.min(...positive) : 1, positive.length > 0 ? Math.max(...positive) : 10)
    : niceTicks(values.length > 0 ? Math.max(...values) : 1, 5)
  const xTicks = niceTicks(o.xMax, 10)
  const xMax = Math.max(o.xMax, xTicks.at(-1)!)
  const plotW = WIDTH - LEFT - RIGHT
  const plotH = HEIGHT - TOP - BOTTOM
  const x = (v: number) => LEFT + (v / xMax) * plotW
  const yLow = yTicks[0]!
  const yHigh = yTicks.at(-1)!
  const y = o.log === true
    ? (v: number) => TOP + plotH - ((Math.log10(Math.max(v, yLow)) - Math.log10(yLow)) / (Math.log10(yHigh) - Math.log10(yLow))) * plotH
    : (v: number) => TOP + plotH - ((v - yLow) / (yHigh - yLow)) * plotH

  const parts: string[] = []
  for (const band of o.bands ?? []) {
    const x0 = x(Math.max(0, band.from))
    const x1 = x(Math.min(xMax, band.to))
    parts.push(`<rect class="band" x="${f(x0)}" y="${TOP}" width="${f(Math.max(1, x1 - x0))}" height="${plotH}"><title>${escapeHtml(band.label)}</title></rect>`)
  }
  for (const t of yTicks) {
    parts.push(`<line class="grid" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${f(y(t))}" y2="${f(y(t))}"/>`,
      `<text class="tick" x="${LEFT - 6}" y="${f(y(t) + 4)}" text-anchor="end">${label(t)}</text>`)
  }
  for (const t of xTicks) {
    parts.push(`<text class="tick" x="${f(x(t))}" y="${HEIGHT - BOTTOM + 16}" text-anchor="middle">${label(t)}</text>`)
  }
  parts.push(`<line class="axis" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${TOP + plotH}" y2="${TOP + plotH}"/>`,
    `<text class="axis-label" x="${WIDTH - RIGHT}" y="${HEIGHT - 4}" text-anchor="end">seconds from the start</text>`,
    `<text class="axis-label" transform="translate(14 ${TOP + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(o.yLabel)}</text>`)

  const bars = o.series.filter((s) => s.style === 'bars')
  o.series.forEach((s) => {
    if (s.style === 'bars') {
      // Bars of one interval side by side.
      const slot = bars.indexOf(s)
      const width = ((o.barWidth ?? 1) / xMax) * plotW / bars.length
      for (const [px, py] of s.points) {
        if (py === undefined || py <= 0) continue
        const left = x(px - (o.barWidth ?? 1)) + slot * width
        parts.push(`<rect class="bar" fill="${s.color}" x="${f(left)}" y="${f(y(py))}" width="${f(Math.max(0.5, width))}" height="${f(TOP + plotH - y(py))}"><title>${escapeHtml(`${s.name}: ${py} at ${px} s`)}</title></rect>`)
      }
      return
    }
    const segments: string[] = []
    let path = ''
    for (const [px, py] of s.points) {
      if (py === undefined) {
        if (path !== '') segments.push(path)
        path = ''
        continue
      }
      path += `${path === '' ? 'M' : 'L'}${f(x(px))} ${f(y(py))}`
    }
    if (path !== '') segments.push(path)
    const dash = s.style === 'dashed' ? ' stroke-dasharray="5 3"' : ''
    for (const d of segments) {
      // A lone point has no line to draw: a dot shows it.
      parts.push(d.includes('L')
        ? `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"${dash}/>`
        : `<circle cx="${d.slice(1).split(' ')[0]}" cy="${d.split(' ')[1]}" r="2" fill="${s.color}"/>`)
    }
  })

  let legendX = LEFT
  for (const s of o.series) {
    parts.push(`<rect class="key" x="${f(legendX)}" y="8" width="10" height="10" fill="${s.color}"/>`,
      `<text class="legend" x="${f(legendX + 14)}" y="17">${escapeHtml(s.name)}</text>`)
    legendX += 24 + s.name.length * 6.6
  }

  return `<figure class="chart"><figcaption>${escapeHtml(o.title)}</figcaption>` +
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(o.title)}">` +
    `${parts.join('')}</svg></figure>`
}
