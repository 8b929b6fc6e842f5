import { mkdir, open, readFile, rename } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Logger } from 'pino'
import type { FleetState } from './fleet/state.js'
import type { Notification } from './notification.js'
import type { ServiceState } from './service-state.js'
import type { TargetState } from './target-state.js'

/** Everything a restart needs to neither repeat a DOWN nor forget a RESOLVED. */
export interface PersistedState {
  version: 1
  savedAt: number
  targets: Record<string, TargetState>
  services: Record<string, ServiceState>
  /** Notifications Discord has not confirmed yet, oldest first. */
  unsent: Notification[]
  /** Open sensor incidents and pending rules (absent before fleet alarms were configured). */
  fleet?: FleetState
}

/**
 * The state file. Writes are atomic (a temporary file, flushed to disk, renamed over the old
 * one), so a crash mid-write leaves the previous complete state, and they never overlap.
 */
export class StateStore {
  private chain: Promise<void> = Promise.resolve()

  constructor (readonly path: string, private readonly logger: Logger) {}

  async load (): Promise<PersistedState | undefined> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
    try {
      const state = JSON.parse(text) as PersistedState
      if (state?.version !== 1 || typeof state.targets !== 'object' || !Array.isArray(state.unsent)) throw new Error('unknown format')
      return state
    } catch (err) {
      const aside = `${this.path}.unreadable-${Date.now()}`
      await rename(this.path, aside)
      this.logger.error({ err, movedTo: aside }, 'state file unreadable; starting with a fresh state')
      return undefined
    }
  }

  /** Queues a write of this snapshot after any write in progress; resolves when it is on disk. */
  save (state: PersistedState): Promise<void> {
    const text = JSON.stringify(state)
    this.chain = this.chain.then(() => this.write(text)).catch((err) => {
      this.logger.error({ err, path: this.path }, 'could not write the state file')
    })
    return this.chain
  }

  /** Resolves when every write queued so far is on disk. */
  idle (): Promise<void> {
    return this.chain
  }

  private async write (text: string): Promise<void> {
    const temporary = `${this.path}.${process.pid}.tmp`
    await mkdir(dirname(this.path), { recursive: true })
    const file = await open(temporary, 'w')
    try {
      await file.writeFile(text)
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(temporary, this.path)
  }
}
