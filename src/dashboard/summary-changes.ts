import pg from 'pg'
import type { FastifyBaseLogger } from 'fastify'

/** Which sensors changed: their ids, or 'all' when the listener cannot tell (it was deaf for a while). */
export type SummaryChange = readonly number[] | 'all'

/** Tells the live feed when sensor_variable_summary changed, from start() until stop(). */
export interface SummaryChanges {
  start (onChange: (change: SummaryChange) => void): Promise<void>
  stop (): Promise<void>
}

export const SUMMARY_CHANGED_CHANNEL = 'sensor_summary_changed'
const RETRY_MIN_MS = 500
const RETRY_MAX_MS = 10_000

/** The migration's NOTIFY payload: comma-separated sensor ids (anything else: reread them all). */
export function parseChangePayload (payload: string | undefined): SummaryChange {
  if (payload === undefined || payload === '') return 'all'
  const ids = payload.split(',').map(Number)
  return ids.every(Number.isInteger) ? ids : 'all'
}

export interface NotificationsOptions {
  connectionString: string
  connectTimeoutMs: number
  applicationName: string
  log: FastifyBaseLogger
}

/**
 * LISTENs on its own connection (a pooled one would be handed to other queries) for the
 * summary trigger's NOTIFY, which every replica's folds send. A lost connection is reopened with
 * back-off, and then reports 'all': notifications sent meanwhile were missed.
 */
export class SummaryNotifications implements SummaryChanges {
  private client: pg.Client | undefined
  private retryTimer: NodeJS.Timeout | undefined
  private onChange: (change: SummaryChange) => void = () => {}
  private running = false

  constructor (private readonly options: NotificationsOptions) {}

  async start (onChange: (change: SummaryChange) => void): Promise<void> {
    this.onChange = onChange
    this.running = true
    await this.connect()
  }

  async stop (): Promise<void> {
    this.running = false
    clearTimeout(this.retryTimer)
    const client = this.client
    this.client = undefined
    await client?.end().catch(() => {})
  }

  private async connect (): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      connectionTimeoutMillis: this.options.connectTimeoutMs,
      application_name: this.options.applicationName,
      keepAlive: true
    })
    client.on('notification', (message) => {
      if (message.channel === SUMMARY_CHANGED_CHANNEL) this.onChange(parseChangePayload(message.payload))
    })
    client.on('error', (err) => {
      this.options.log.warn({ err }, 'live feed: lost its database connection; reconnecting')
      this.lost(client)
    })
    client.on('end', () => this.lost(client))
    try {
      await client.connect()
      await client.query(`LISTEN ${SUMMARY_CHANGED_CHANNEL}`)
    } catch (err) {
      await client.end().catch(() => {})
      throw err
    }
    if (!this.running) {
      await client.end().catch(() => {})
      return
    }
    this.client = client
  }

  private lost (client: pg.Client): void {
    if (this.client !== client) return
    this.client = undefined
    client.end().catch(() => {})
    this.retry(RETRY_MIN_MS)
  }

  private retry (delayMs: number): void {
    if (!this.running) return
    this.retryTimer = setTimeout(() => {
      this.connect().then(
        () => { if (this.running) this.onChange('all') },
        () => this.retry(Math.min(delayMs * 2, RETRY_MAX_MS))
      )
    }, delayMs)
    this.retryTimer.unref()
  }
}

/**
 * Embedded PGlite's socket does not deliver notifications, and its database has one process:
 * there the feed rereads the summary on a timer instead.
 */
export class SummaryPolling implements SummaryChanges {
  private timer: NodeJS.Timeout | undefined

  constructor (private readonly intervalMs: number) {}

  async start (onChange: (change: SummaryChange) => void): Promise<void> {
    clearInterval(this.timer)
    this.timer = setInterval(() => onChange('all'), this.intervalMs)
    this.timer.unref()
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
  }
}
