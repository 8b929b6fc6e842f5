import { request, type Dispatcher } from 'undici'
import type { FleetConfig } from '../config.js'

/** The fleet as the API saw it at `now` (its clock), read with a bounded number of requests. */
export interface FleetSnapshot {
  /** The API's clock; when its summary lagged, the older point it counts every reading up to. */
  now: number
  /** Newest reading time per sensor. */
  lastSeen: Map<number, number>
  /** Per variable (silence.per_variable): newest reading time per sensor and variable. */
  variables?: Array<{ sensorId: number, variable: string, lastSeen: number }>
  /** Per rule variable: sensor → latest value. */
  latest: Map<string, Map<number, { value: number, unit: string }>>
  /** No reading stored fleet-wide for ingest_stall; undefined when not checked or not known. */
  ingestStalled?: boolean
  /** Why the ingest check could not answer (the rest of the read stands). */
  ingestError?: string
  requests: number
}

export class FleetReadError extends Error {
  override name = 'FleetReadError'
}

const PAGE = 50_000

/**
 * Reads the fleet through the API's read endpoints with the read token: /fleet/last-seen (per
 * variable or not), /fleet/latest once per rule variable, and /stats/ingest for a fleet-wide
 * stall; each paged at 50,000 entries, so 10,000 sensors × 5 variables is 2 + rule variables
 * requests.
 */
export class FleetReader {
  constructor (private readonly config: FleetConfig, private readonly dispatcher: Dispatcher) {}

  async read (): Promise<FleetSnapshot> {
    const snapshot: FleetSnapshot = { now: 0, lastSeen: new Map(), latest: new Map(), requests: 0 }
    const perVariable = this.config.silence.perVariable
    if (perVariable) snapshot.variables = []
    let cursor: string | undefined
    do {
      const page = await this.get<LastSeenPage>(snapshot, '/fleet/last-seen', { per_variable: String(perVariable), limit: String(PAGE), ...(cursor ? { cursor } : {}) })
      if (cursor === undefined) snapshot.now = Date.parse(page.as_of ?? page.now)
      page.sensor_ids.forEach((id, i) => {
        const at = Date.parse(page.last_seen[i]!)
        if (at > (snapshot.lastSeen.get(id) ?? -Infinity)) snapshot.lastSeen.set(id, at)
        if (perVariable) snapshot.variables!.push({ sensorId: id, variable: page.variables![i]!, lastSeen: at })
      })
      cursor = page.next_cursor ?? undefined
    } while (cursor !== undefined)

    for (const variable of new Set(this.config.rules.map((r) => r.variable))) {
      // One rule on the variable: only its sensors travel.
      const only = this.config.rules.filter((r) => r.variable === variable)
      const sensors = only.length === 1 && only[0]!.sensors ? only[0]!.sensors.map(([lo, hi]) => lo === hi ? String(lo) : `${lo}-${hi}`).join(',') : undefined
      const values = new Map<number, { value: number, unit: string }>()
      let after: string | undefined
      do {
        const page = await this.get<LatestPage>(snapshot, '/fleet/latest', { variable, limit: String(PAGE), ...(sensors ? { sensors } : {}), ...(after ? { cursor: after } : {}) })
        page.sensor_ids.forEach((id, i) => values.set(id, { value: page.values[i]!, unit: page.units[i]! }))
        after = page.next_cursor ?? undefined
      } while (after !== undefined)
      snapshot.latest.set(variable, values)
    }

    if (this.config.ingestStallMs > 0) {
      try {
        const stats = await this.get<IngestStats>(snapshot, '/stats/ingest', {
          from: new Date(snapshot.now - this.config.ingestStallMs).toISOString(),
          to: new Date(snapshot.now).toISOString(),
          bucket: '1m'
        })
        snapshot.ingestStalled = stats.buckets.every((b) => b.count === 0)
      } catch (err) {
        snapshot.ingestError = (err as Error).message
      }
    }
    return snapshot
  }

  private async get<T> (snapshot: FleetSnapshot, path: string, query: Record<string, string>): Promise<T> {
    const url = new URL(path, this.config.apiUrl)
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v)
    snapshot.requests++
    let response: Dispatcher.ResponseData
    try {
      response = await request(url, {
        method: 'GET',
        dispatcher: this.dispatcher,
        signal: AbortSignal.timeout(this.config.timeoutMs),
        headers: {
          accept: 'application/json',
          'user-agent': 'iot-sensors-watchdog',
          ...(this.config.readToken ? { authorization: `Bearer ${this.config.readToken}` } : {})
        }
      })
    } catch (err) {
      const e = err as Error
      throw new FleetReadError(`GET ${path}: ${e.name === 'TimeoutError' ? `no answer within ${this.config.timeoutMs} ms` : (e as { code?: string }).code ?? e.message}`)
    }
    const text = await response.body.text()
    if (response.statusCode !== 200) throw new FleetReadError(`GET ${path}: HTTP ${response.statusCode}: ${text.replace(/\s+/g, ' ').slice(0, 200)}`)
    try {
      return JSON.parse(text) as T
    } catch {
      throw new FleetReadError(`GET ${path}: not JSON`)
    }
  }
}

interface LastSeenPage {
  now: string
  as_of?: string
  sensor_ids: number[]
  variables?: string[]
  last_seen: string[]
  next_cursor: string | null
}

interface LatestPage {
  sensor_ids: number[]
  values: number[]
  units: string[]
  next_cursor: string | null
}

interface IngestStats {
  buckets: Array<{ start: string, count: number }>
}
