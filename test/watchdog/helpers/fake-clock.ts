import type { Clock } from '../../../watchdog/clock.js'

interface Timer { at: number, fn: () => void }

/** Lets promise chains and I/O callbacks already under way run before the test looks again. */
export async function settle (): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** A clock that moves only when the test says so; timers fire in time order as it advances. */
export class FakeClock implements Clock {
  private time: number
  private readonly timers = new Map<number, Timer>()
  private seq = 0
  private waiters: Array<() => void> = []

  constructor (start = Date.UTC(2026, 0, 1, 12, 0, 0)) {
    this.time = start
  }

  now (): number {
    return this.time
  }

  setTimeout (fn: () => void, ms: number): unknown {
    const id = ++this.seq
    this.timers.set(id, { at: this.time + Math.max(0, ms), fn })
    for (const wake of this.waiters.splice(0)) wake()
    return id
  }

  clearTimeout (handle: unknown): void {
    this.timers.delete(handle as number)
  }

  nextTimerAt (): number | undefined {
    const times = [...this.timers.values()].map((t) => t.at)
    return times.length > 0 ? Math.min(...times) : undefined
  }

  /** Resolves as soon as some timer is waiting. */
  whenTimerPending (): Promise<void> {
    if (this.timers.size > 0) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  /** Moves time forward by `ms`, firing due timers in order and letting their continuations run. */
  async advance (ms: number): Promise<void> {
    const end = this.time + ms
    for (let fired = 0; fired < 10_000; fired++) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort(([, a], [, b]) => a.at - b.at)[0]
      if (!due) break
      this.timers.delete(due[0])
      this.time = Math.max(this.time, due[1].at)
      due[1].fn()
      await settle()
    }
    this.time = Math.max(this.time, end)
    await settle()
  }
}
