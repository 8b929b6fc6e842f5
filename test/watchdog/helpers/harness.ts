import { join } from 'node:path'
import pino from 'pino'
import { parseWatchdogConfig, type WatchdogConfig } from '../../../watchdog/config.js'
import type { WebhookSender } from '../../../watchdog/discord/sender.js'
import { Watchdog } from '../../../watchdog/watchdog.js'
import { FakeClock } from './fake-clock.js'
import { FakeDiscord } from './fake-discord.js'

interface TestContext {
  teardown(fn: () => unknown): void
  testdir(): string
}

export const silentLogger = pino({ level: 'silent' })

/** Sends whatever the sender has, advancing the fake clock through its waits (coalescing, 429, back-off). */
export async function deliver (clock: FakeClock, sender: WebhookSender, maxSteps = 500): Promise<void> {
  for (let step = 0; step < maxSteps; step++) {
    const outcome = await Promise.race([
      sender.whenIdle().then(() => 'idle' as const),
      clock.whenTimerPending().then(() => 'timer' as const)
    ])
    if (outcome === 'idle') return
    await clock.advance(clock.nextTimerAt()! - clock.now())
  }
  throw new Error(`sender still busy after ${maxSteps} steps`)
}

export interface Harness {
  clock: FakeClock
  discord: FakeDiscord
  config: WatchdogConfig
  watchdog: Watchdog
  /** Advances to the next due check and runs one round. */
  round(): Promise<void>
  rounds(n: number): Promise<void>
  /** Lets the sender deliver everything queued. */
  deliver(): Promise<void>
  /** Abandons this watchdog as a kill would (no shutdown, no final save) and starts a new one on the same state file. */
  restartAfterKill(): Promise<void>
}

/**
 * A watchdog on a fake clock posting to a fake Discord, with its state file in the test's
 * directory. `config` is the config file's content (webhook and state file are filled in).
 */
export async function startHarness (t: TestContext, config: Record<string, unknown>, options: { clock?: FakeClock, discord?: FakeDiscord } = {}): Promise<Harness> {
  const clock = options.clock ?? new FakeClock()
  const discord = options.discord ?? await FakeDiscord.start(t, clock)
  const stateFile = join(t.testdir(), 'state.json')
  const fileConfig = { ...config, discord: { coalesce_window: '0s', ...(config.discord as object ?? {}), webhook_url: discord.url }, state_file: stateFile }
  const parsed = parseWatchdogConfig(JSON.stringify(fileConfig))

  const open = async () => {
    const watchdog = new Watchdog(parsed, { logger: silentLogger, clock })
    await watchdog.init()
    t.teardown(() => watchdog.stop())
    return watchdog
  }

  const harness: Harness = {
    clock,
    discord,
    config: parsed,
    watchdog: await open(),
    async round () {
      await clock.advance(harness.watchdog.nextDueIn())
      await harness.watchdog.runDue()
    },
    async rounds (n) {
      for (let i = 0; i < n; i++) await harness.round()
    },
    async deliver () {
      await deliver(clock, harness.watchdog.sender)
    },
    async restartAfterKill () {
      // The killed process sends nothing more, and what it had written is all the new one gets.
      await harness.watchdog.sender.stop()
      await harness.watchdog.store.idle()
      harness.watchdog = await open()
    }
  }
  return harness
}
