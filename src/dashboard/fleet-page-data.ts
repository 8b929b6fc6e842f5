import type { SummaryFolder } from '../summary/folder.js'
import type { EmbeddedFleetCounts } from './fleet-page-contract.js'
import type { FleetRepository } from './fleet-repository.js'

/**
 * The fleet page's counts, so the page can be sent with them and show them before the live feed
 * has sent the whole fleet. Exact as of the request or none: the readings stored before it are
 * folded into the summary first (as a /sensors read waits, at most `waitMs`); if they cannot be,
 * the page goes without counts and shows the feed's, as it would anyway.
 */
export class FleetCountsReader {
  constructor (
    private readonly repository: Pick<FleetRepository, 'counts' | 'pendingThrough'>,
    private readonly summary: Pick<SummaryFolder, 'foldPast'>,
    private readonly options: { waitMs: number, now?: () => number }
  ) {}

  async read (silentMinutes: number): Promise<EmbeddedFleetCounts | undefined> {
    const now = (this.options.now ?? Date.now)()
    const pending = await this.repository.pendingThrough()
    if (pending !== undefined && !await this.summary.foldPast(pending, this.options.waitMs)) return undefined
    const { sensors, silent } = await this.repository.counts(now - silentMinutes * 60_000)
    return { kind: 'fleet', now, silent_minutes: silentMinutes, sensors, silent }
  }
}
