import type { Logger } from 'pino'
import { Agent, request, type Dispatcher } from 'undici'
import { sleep, type Clock } from '../clock.js'
import { entryKey, GROUPED_EVENTS } from '../fleet/message.js'
import type { Notification } from '../notification.js'
import { describeError } from '../probes/result.js'
import { embedSize, LIMITS } from './limits.js'
import { renderEmbed, renderMessage, type RenderOptions } from './render.js'
import { executeWebhookUrl, redactWebhookUrl } from './webhook-url.js'

export interface SenderOptions {
  webhookUrl: string
  clock: Clock
  logger: Logger
  /** Notifications created within this window of the oldest queued one go out as one message; 0: one message each. */
  coalesceMs: number
  requestTimeoutMs: number
  maxBackoffMs: number
  render?: RenderOptions
  /** Notifications left unsent by a previous run. */
  queue?: Notification[]
  /** Called whenever the set of unsent notifications changes, to persist it. */
  onChange?: () => void
}

export interface SenderStatus {
  webhook: string
  /** Discord answered the last attempt (a 429 counts: it is reachable, just busy). */
  reachable: boolean | undefined
  /** The last attempt did not deliver its message (network error, 5xx or 429), which waits to be sent again. */
  retrying: boolean
  disabled: boolean
  disabledReason?: string
  lastSuccessAt?: number
  lastError?: string
  lastErrorAt?: number
  queued: number
  sent: number
  rateLimited: number
}

const FIRST_BACKOFF_MS = 1000

/**
 * One queue per webhook, one request at a time. Waits as Discord asks (429 `retry_after` or
 * `Retry-After`), paces itself from `X-RateLimit-Remaining` / `X-RateLimit-Reset-After` so a
 * burst never meets a 429, backs off exponentially on 5xx and network errors, and stops for
 * good on 401/404 (the webhook is gone), keeping what it could not send.
 */
export class WebhookSender {
  private readonly url: URL
  private readonly agent = new Agent({ keepAliveTimeout: 30_000 })
  private queue: Notification[]
  private inFlight: Notification[] = []
  private notBefore = 0
  private backoffMs = 0
  private running?: Promise<void>
  private readonly stopping = new AbortController()
  private idleWaiters: Array<() => void> = []
  private readonly state: SenderStatus

  constructor (private readonly options: SenderOptions) {
    this.url = executeWebhookUrl(options.webhookUrl)
    this.queue = [...(options.queue ?? [])]
    this.state = { webhook: redactWebhookUrl(options.webhookUrl), reachable: undefined, retrying: false, disabled: false, queued: 0, sent: 0, rateLimited: 0 }
  }

  /** Queues a notification; a queued one with the same key is replaced by it (latest state wins). */
  enqueue (notification: Notification): void {
    const index = this.queue.findIndex((n) => n.key === notification.key)
    if (index >= 0) {
      this.queue[index] = merge(this.queue[index]!, notification)
    } else if (notification.onlyIfQueued) {
      return
    } else {
      this.queue.push(notification)
    }
    this.options.onChange?.()
    this.kick()
  }

  /** Everything not yet confirmed by Discord, in order: what a restart must still send. */
  unsent (): Notification[] {
    return [...this.inFlight, ...this.queue]
  }

  status (): SenderStatus {
    return { ...this.state, queued: this.inFlight.length + this.queue.length }
  }

  /** Resolves once nothing is queued or in flight, or once the webhook is disabled. */
  whenIdle (): Promise<void> {
    if (!this.running) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** Starts sending what a previous run left behind. */
  start (): void {
    this.kick()
  }

  async stop (): Promise<void> {
    if (this.stopping.signal.aborted) return
    this.stopping.abort()
    await this.running
    await this.agent.close()
  }

  private kick (): void {
    if (this.running || this.stopping.signal.aborted || this.state.disabled || this.queue.length === 0) return
    this.running = this.drain()
      .catch((err) => this.options.logger.error({ err }, 'discord sender failed'))
      .finally(() => {
        this.running = undefined
        for (const resolve of this.idleWaiters.splice(0)) resolve()
        this.kick()
      })
  }

  private async drain (): Promise<void> {
    const { clock } = this.options
    while (this.queue.length > 0 && !this.stopping.signal.aborted && !this.state.disabled) {
      const readyAt = Math.max(this.notBefore, this.queue[0]!.createdAt + this.options.coalesceMs)
      if (clock.now() < readyAt) {
        await sleep(clock, readyAt - clock.now(), this.stopping.signal)
        continue
      }
      this.inFlight = this.takeBatch()
      await this.send(this.inFlight)
    }
  }

  /** The oldest notification and those created within the coalescing window after it, as many as fit one message. */
  private takeBatch (): Notification[] {
    const head = this.queue[0]!
    const batch: Notification[] = []
    let size = 0
    for (const n of this.queue) {
      if (batch.length > 0 && (this.options.coalesceMs === 0 || n.createdAt > head.createdAt + this.options.coalesceMs)) continue
      const nSize = embedSize(renderEmbed(n))
      if (batch.length > 0 && (batch.length === LIMITS.embeds || size + nSize > LIMITS.total)) break
      batch.push(n)
      size += nSize
    }
    this.queue = this.queue.filter((n) => !batch.includes(n))
    return batch
  }

  private async send (batch: Notification[]): Promise<void> {
    const { clock, logger } = this.options
    const payload = renderMessage(batch, this.options.render)
    let statusCode: number
    let headers: Record<string, string | string[] | undefined>
    let text: string
    try {
      const response = await request(this.url, {
        method: 'POST',
        dispatcher: this.agent as Dispatcher,
        headers: { 'content-type': 'application/json', 'user-agent': 'DiscordBot (https://github.com/iot-sensors-service, 0.1.0)' },
        body: JSON.stringify(payload),
        headersTimeout: this.options.requestTimeoutMs,
        bodyTimeout: this.options.requestTimeoutMs
      })
      statusCode = response.statusCode
      headers = response.headers
      text = await response.body.text()
    } catch (err) {
      this.retryLater(batch, `network error: ${describeError(err)}`)
      return
    }
    this.paceFrom(headers)

    if (statusCode >= 200 && statusCode < 300) {
      this.inFlight = []
      this.backoffMs = 0
      this.state.reachable = true
      this.state.retrying = false
      this.state.lastSuccessAt = clock.now()
      this.state.sent++
      logger.info({ notifications: batch.map((n) => `${n.kind}:${n.key}`) }, 'posted to discord')
      this.options.onChange?.()
    } else if (statusCode === 429) {
      const waitMs = retryAfterMs(text, headers)
      this.state.rateLimited++
      this.state.reachable = true
      this.state.retrying = true
      this.state.lastError = `HTTP 429: rate limited; sending again in ${waitMs} ms, as Discord asked`
      this.state.lastErrorAt = clock.now()
      this.notBefore = Math.max(this.notBefore, clock.now() + waitMs)
      logger.warn({ waitMs }, 'discord rate limit hit (429); waiting as asked')
      this.requeue(batch)
    } else if (statusCode === 401 || statusCode === 404) {
      this.state.disabled = true
      this.state.reachable = false
      this.state.disabledReason = `HTTP ${statusCode}: ${text.slice(0, 200)}`
      this.state.lastError = this.state.disabledReason
      this.state.lastErrorAt = clock.now()
      logger.error({ statusCode, body: text.slice(0, 200), webhook: this.state.webhook }, 'discord webhook rejected: no more messages will be sent to it')
      this.requeue(batch)
    } else if (statusCode >= 500) {
      this.retryLater(batch, `HTTP ${statusCode}`)
    } else {
      // A 4xx other than these means this message can never be accepted: keep the queue moving.
      this.inFlight = []
      this.state.reachable = true
      this.state.retrying = false
      this.state.lastError = `HTTP ${statusCode}: ${text.slice(0, 200)}`
      this.state.lastErrorAt = clock.now()
      logger.error({ statusCode, body: text.slice(0, 500) }, 'discord refused a message; dropped')
      this.options.onChange?.()
    }
  }

  private retryLater (batch: Notification[], error: string): void {
    const now = this.options.clock.now()
    this.backoffMs = this.backoffMs === 0 ? FIRST_BACKOFF_MS : Math.min(this.backoffMs * 2, this.options.maxBackoffMs)
    this.notBefore = Math.max(this.notBefore, now + this.backoffMs)
    this.state.reachable = false
    this.state.retrying = true
    this.state.lastError = error
    this.state.lastErrorAt = now
    this.options.logger.warn({ error, retryInMs: this.backoffMs }, 'discord post failed; will retry')
    this.requeue(batch)
  }

  /** Puts an unsent batch back in front, unless a newer state of the same incident arrived meanwhile. */
  private requeue (batch: Notification[]): void {
    const back: Notification[] = []
    for (const n of batch) {
      const newer = this.queue.findIndex((q) => q.key === n.key)
      if (newer >= 0) this.queue[newer] = merge(n, this.queue[newer]!)
      else back.push(n)
    }
    this.queue.unshift(...back)
    this.inFlight = []
  }

  /** Proactive pacing: with no requests left in the bucket, wait for it to refill before the next one. */
  private paceFrom (headers: Record<string, string | string[] | undefined>): void {
    const remaining = Number(first(headers['x-ratelimit-remaining']))
    const resetAfter = Number(first(headers['x-ratelimit-reset-after']))
    if (remaining === 0 && Number.isFinite(resetAfter)) {
      this.notBefore = Math.max(this.notBefore, this.options.clock.now() + Math.ceil(resetAfter * 1000))
    }
  }
}

/** A newer notification of the same incident replaces an older one; a reminder keeps a queued DOWN a DOWN (with its ping). */
function merge (older: Notification, newer: Notification): Notification {
  const { onlyIfQueued: _drop, ...rest } = newer
  if (older.fleet && newer.fleet && GROUPED_EVENTS.has(newer.fleet.event)) {
    // One message for every sensor that joined while it waited, sent when the first one was due.
    const entries = new Map(older.fleet.entries.map((e) => [entryKey(e), e]))
    for (const e of newer.fleet.entries) entries.set(entryKey(e), e)
    return { ...rest, createdAt: older.createdAt, ping: older.ping || newer.ping, fleet: { ...newer.fleet, entries: [...entries.values()] } }
  }
  if (older.kind === 'down' && newer.kind === 'reminder') {
    return { ...rest, kind: 'down', ping: older.ping, durationMs: undefined, reminderNumber: undefined }
  }
  return rest
}

function first (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/** Discord's wait: `retry_after` (seconds, in the JSON body), else the `Retry-After` header, else 1 s. */
function retryAfterMs (text: string, headers: Record<string, string | string[] | undefined>): number {
  try {
    const body = JSON.parse(text) as { retry_after?: unknown }
    if (typeof body.retry_after === 'number' && body.retry_after >= 0) return Math.ceil(body.retry_after * 1000)
  } catch {}
  const header = Number(first(headers['retry-after']))
  return Number.isFinite(header) && header >= 0 ? Math.ceil(header * 1000) : 1000
}
