import type { FastifyBaseLogger } from 'fastify'
import { jsonDataBlock, withDataBlock } from './json-data-block.js'
import { INITIAL_DATA_ID, type ChartRange } from './sensor-page-contract.js'
import type { SensorPageData } from './sensor-page-data.js'

/** Past this, the page is sent without its data and fetches it itself, as when reads need a token. */
export const EMBED_TIMEOUT_MS = 1000

export interface SensorPageSource {
  read (sensorId: number, range: ChartRange): Promise<SensorPageData | undefined>
}

/**
 * index.html with a sensor page's first data embedded (docs/dashboard.md), or undefined when the
 * page had better go without: an unknown sensor, a failed read, or one slower than timeoutMs.
 */
export async function sensorPageHtml (
  template: string,
  source: SensorPageSource,
  sensorId: number,
  range: ChartRange,
  log: FastifyBaseLogger,
  timeoutMs = EMBED_TIMEOUT_MS
): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(resolve, timeoutMs, 'timeout') })
  try {
    const data = await Promise.race([source.read(sensorId, range), timeout])
    if (data === 'timeout') {
      log.warn({ sensorId }, `sensor page: its data took over ${timeoutMs} ms; sent without it`)
      return undefined
    }
    return data === undefined ? undefined : withDataBlock(template, jsonDataBlock(INITIAL_DATA_ID, data))
  } catch (err) {
    log.warn({ err, sensorId }, 'sensor page: reading its data failed; sent without it')
    return undefined
  } finally {
    clearTimeout(timer)
  }
}
