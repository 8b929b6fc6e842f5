import type { SummaryFolder } from './folder.js'

/**
 * Folds every `intervalMs`, counted from the end of the previous round, so rounds never overlap:
 * drains what is pending, then vacuums the delta table when the round folded something or dead
 * rows are still there (a VACUUM that ran while an older snapshot was open could not reclaim them).
 */
export class FoldTimer {
  private timer: NodeJS.Timeout | undefined
  private round: Promise<void> | undefined
  private stopped = false

  constructor (
    private readonly folder: Pick<SummaryFolder, 'drain' | 'vacuum' | 'needsVacuum'>,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void
  ) {}

  start (): void {
    if (this.timer === undefined && this.round === undefined && !this.stopped) this.schedule()
  }

  /** No round starts after this; resolves once the one in progress (if any) has ended. */
  stop (): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    return this.round ?? Promise.resolve()
  }

  private schedule (): void {
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.round = this.run().finally(() => {
        this.round = undefined
        if (!this.stopped) this.schedule()
      })
    }, this.intervalMs)
    this.timer.unref()
  }

  private async run (): Promise<void> {
    try {
      const folded = await this.folder.drain()
      if (this.stopped) return
      if (folded > 0 || await this.folder.needsVacuum()) await this.folder.vacuum()
    } catch (err) {
      this.onError(err)
    }
  }
}
