import type { SensorsService } from '../read/sensors-service.js'
import type { EmbeddedFleetCounts } from './fleet-page-contract.js'

/**
 * The fleet page's counts, so the page can be sent with them and show them before the live feed
 * has sent the whole fleet: GET /sensors/silent's read (pending readings folded first, waiting as
 * long as that route does). Exact as of the request or none: an answer that could not wait for the
 * fold leaves the page to show the feed's counts, as it would anyway.
 */
export class FleetCountsReader {
  constructor (private readonly sensors: Pick<SensorsService, 'silent'>, private readonly now: () => number = Date.now) {}

  async read (silentMinutes: number): Promise<EmbeddedFleetCounts | undefined> {
    const now = this.now()
    const report = await this.sensors.silent(silentMinutes, 0)
    if ('as_of' in report) return undefined
    return { kind: 'fleet', now, silent_minutes: silentMinutes, sensors: report.total, silent: report.silent }
  }
}
