import type { FastifyBaseLogger } from 'fastify'
import { jsonDataBlock } from './json-data-block.js'
import { INITIAL_DATA_ID, type ChartRange } from './sensor-page-contract.js'
import type { SensorPageData } from './sensor-page-data.js'

/** Past this, the page is finished without its data and fetches it itself, as when reads need a token. */
export const EMBED_TIMEOUT_MS = 1000

export interface SensorPageSource {
  read (sensorId: number, range: ChartRange): Promise<SensorPageData | undefined>
}

/** index.html cut where the data goes: the end of its body. */
export interface PageTemplate {
  /** Sent at once: its head names the script and styles, which the browser fetches meanwhile. */
  start: string
  end: string
}

export function pageTemplate (html: string): PageTemplate | undefined {
  const at = html.lastIndexOf('</body>')
  return at === -1 ? undefined : { start: html.slice(0, at), end: html.slice(at) }
}

/**
 * A page as it is sent: the template's start at once, then its first data as a JSON data block
 * (docs/dashboard.md) when read, then the end. The module script runs only once the whole page is
 * parsed, so it finds the block. Without one (nothing to show, a failed read, or one slower than
 * timeoutMs) the page fetches its data as it would anyway.
 */
export async function * pageChunks (
  template: PageTemplate,
  read: () => Promise<unknown>,
  log: FastifyBaseLogger,
  what: string,
  timeoutMs = EMBED_TIMEOUT_MS
): AsyncGenerator<string> {
  yield template.start
  const data = await readWithin(read, log, what, timeoutMs)
  yield data === undefined ? template.end : `${jsonDataBlock(INITIAL_DATA_ID, data)}\n${template.end}`
}

/** A sensor page with its data (undefined for an unknown sensor: the page says so itself). */
export function sensorPageChunks (
  template: PageTemplate,
  source: SensorPageSource,
  sensorId: number,
  range: ChartRange,
  log: FastifyBaseLogger,
  timeoutMs = EMBED_TIMEOUT_MS
): AsyncGenerator<string> {
  return pageChunks(template, () => source.read(sensorId, range), log.child({ sensorId }), 'sensor page', timeoutMs)
}

async function readWithin (read: () => Promise<unknown>, log: FastifyBaseLogger, what: string, timeoutMs: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(resolve, timeoutMs, 'timeout') })
  try {
    const data = await Promise.race([read(), timeout])
    if (data !== 'timeout') return data
    log.warn(`${what}: its data took over ${timeoutMs} ms; sent without it`)
  } catch (err) {
    log.warn({ err }, `${what}: reading its data failed; sent without it`)
  } finally {
    clearTimeout(timer)
  }
  return undefined
}
