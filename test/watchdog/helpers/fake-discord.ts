import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Clock } from '../../../watchdog/clock.js'
import { LIMITS } from '../../../watchdog/discord/limits.js'

export interface RecordedRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: any
  /** Fake-clock time of arrival. */
  at: number
  status: number
}

export interface ScriptedResponse {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

interface Teardown { teardown(fn: () => unknown): void }

/** The first of Discord's size limits a webhook payload breaks, if any. */
export function sizeViolation (payload: any): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined
  if ((payload.content ?? '').length > LIMITS.content) return 'content'
  const embeds: any[] = payload.embeds ?? []
  if (embeds.length > LIMITS.embeds) return 'embeds'
  let total = 0
  for (const e of embeds) {
    if ((e.title ?? '').length > LIMITS.title) return 'embeds.title'
    if ((e.description ?? '').length > LIMITS.description) return 'embeds.description'
    if ((e.fields ?? []).length > LIMITS.fields) return 'embeds.fields'
    for (const f of e.fields ?? []) if (f.name.length > LIMITS.fieldName || f.value.length > LIMITS.fieldValue) return 'embeds.fields.value'
    total += (e.title ?? '').length + (e.description ?? '').length + (e.footer?.text ?? '').length + (e.fields ?? []).reduce((sum: number, f: any) => sum + f.name.length + f.value.length, 0)
  }
  return total > LIMITS.total ? 'embeds (6000 in total)' : undefined
}

/**
 * A listening stand-in for Discord's Execute Webhook endpoint: records every request, answers
 * from a script (then 200 with a message object), and can enforce a rate limit of `limit`
 * requests per `windowMs` (on the fake clock) with Discord's headers and 429 body.
 */
export class FakeDiscord {
  readonly requests: RecordedRequest[] = []
  private readonly script: ScriptedResponse[] = []
  rateLimit?: { limit: number, windowMs: number }
  private accepted: number[] = []
  private arrivalWaiters: Array<() => void> = []
  url = ''

  private constructor (private readonly clock: Clock) {}

  static async start (t: Teardown, clock: Clock): Promise<FakeDiscord> {
    const discord = new FakeDiscord(clock)
    const server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => discord.answer(req.method ?? '', req.url ?? '', req.headers, Buffer.concat(chunks).toString('utf8'), res))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    // As Discord hands it out: unversioned. The watchdog must rewrite it to v10.
    discord.url = `http://127.0.0.1:${port}/api/webhooks/123456789/fake-token_1`
    t.teardown(() => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }))
    return discord
  }

  /** Answer the next requests with these, in order. */
  respondWith (...responses: ScriptedResponse[]): void {
    this.script.push(...responses)
  }

  /** Messages Discord accepted (2xx), in order. */
  get delivered (): any[] {
    return this.requests.filter((r) => r.status >= 200 && r.status < 300).map((r) => r.body)
  }

  /** Every accepted embed except the "watchdog started" ones. */
  get incidentEmbeds (): any[] {
    return this.delivered.flatMap((m) => m.embeds).filter((e: any) => !String(e.title).includes('Watchdog started'))
  }

  get tooManyRequests (): number {
    return this.requests.filter((r) => r.status === 429).length
  }

  /** Resolves when the request count reaches n. */
  whenRequests (n: number): Promise<void> {
    if (this.requests.length >= n) return Promise.resolve()
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.requests.length >= n) resolve()
        else this.arrivalWaiters.push(check)
      }
      this.arrivalWaiters.push(check)
    })
  }

  private answer (method: string, path: string, headers: IncomingHttpHeaders, text: string, res: ServerResponse): void {
    const now = this.clock.now()
    let body: unknown
    try { body = JSON.parse(text) } catch { body = text }
    let response = this.script.shift() ?? (sizeViolation(body) === undefined
      ? { status: 200, body: { id: String(this.requests.length + 1), type: 0 } }
      // As Discord answers a message over its limits.
      : { status: 400, body: { code: 50035, message: `Invalid Form Body: ${sizeViolation(body)}` } })
    let rateHeaders: Record<string, string> = {}
    if (this.rateLimit && response.status < 300) {
      const { limit, windowMs } = this.rateLimit
      this.accepted = this.accepted.filter((at) => at > now - windowMs)
      if (this.accepted.length >= limit) {
        const retryAfter = (this.accepted[0]! + windowMs - now) / 1000
        response = { status: 429, body: { message: 'You are being rate limited.', retry_after: retryAfter, global: false } }
        rateHeaders = { 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': String(retryAfter), 'retry-after': String(Math.ceil(retryAfter)) }
      } else {
        this.accepted.push(now)
        rateHeaders = {
          'x-ratelimit-limit': String(limit),
          'x-ratelimit-remaining': String(limit - this.accepted.length),
          'x-ratelimit-reset-after': String((this.accepted[0]! + windowMs - now) / 1000)
        }
      }
    }
    this.requests.push({ method, path, headers, body, at: now, status: response.status })
    for (const wake of this.arrivalWaiters.splice(0)) wake()
    const payload = response.body === undefined ? '' : JSON.stringify(response.body)
    res.writeHead(response.status, { 'content-type': 'application/json', ...rateHeaders, ...response.headers })
    res.end(response.status === 204 ? undefined : payload)
  }
}
