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
 * A sensor page as it is sent: the template's start at once, then its first data as a JSON data
 * block (docs/dashboard.md) when read, then the end. The module script runs only once the whole
 * page is parsed, so it finds the block. Without one for an unknown sensor, a failed read, or one
 * slower than timeoutMs: the page then fetches its data as it would anyway.
 */
export async function * sensorPageChunks (
  template: PageTemplate,
  source: SensorPageSource,
  sensorId: number,
  range: ChartRange,
  log: FastifyBaseLogger,
  timeoutMs = EMBED_TIMEOUT_MS
): AsyncGenerator<string> {
  yield template.start
  const data = await readWithin(source, sensorId, range, log, timeoutMs)
  yield data === undefined ? template.end : `${jsonDataBlock(INITIAL_DATA_ID, data)}\n${template.end}`
}

async function readWithin (source: SensorPageSource, sensorId: number, range: ChartRange, log: FastifyBaseLogger, timeoutMs: number): Promise<SensorPageData | undefined> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(resolve, timeoutMs, 'timeout') })
  try {
    const data = await Promise.race([source.read(sensorId, range), timeout])
    if (data !== 'timeout') return data
    log.warn({ sensorId }, `sensor page: its data took over ${timeoutMs} ms; sent without it`)
  } catch (err) {
    log.warn({ err, sensorId }, 'sensor page: reading its data failed; sent without it')
  } finally {
    clearTimeout(timer)
  }
  return undefined
}
