/**
 * Runs `round` every `intervalMs`, counted from the end of the previous round, so rounds never
 * overlap; a failed round is reported and the next one retries.
 */
export class RoundTimer {
  private timer: NodeJS.Timeout | undefined
  private current: Promise<void> | undefined
  private stopped = false

  constructor (
    private readonly round: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void
  ) {}

  /** Runs a round now, then one every interval. */
  start (): Promise<void> {
    if (this.stopped || this.current !== undefined || this.timer !== undefined) return this.current ?? Promise.resolve()
    return this.runNow()
  }

  /** No round starts after this; resolves once the one in progress (if any) has ended. */
  stop (): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    return this.current ?? Promise.resolve()
  }

  private runNow (): Promise<void> {
    this.current = this.round().catch(this.onError).finally(() => {
      this.current = undefined
      if (!this.stopped) this.schedule()
    })
    return this.current
  }

  private schedule (): void {
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.runNow()
    }, this.intervalMs)
    this.timer.unref()
  }
}
