import { authHeaders } from './token.js'

/** The API refused the token (or wants one): the page asks for it. */
export class Unauthorized extends Error {}

/** No answer, or the API cannot serve now (5xx): worth retrying. */
export class Unreachable extends Error {}

/** Any other refusal, with the problem+json detail. */
export class ApiProblem extends Error {
  constructor (readonly status: number, detail: string) {
    super(detail)
  }
}

export interface Latest { timestamp: string, value: number, unit: string }
export interface VariableSummary { variable: string, reading_count: number, first_seen: string, last_seen: string, latest: Latest }
export interface SensorDetail {
  sensor_id: number
  first_seen: string
  last_seen: string
  reading_count: number
  mean_interval_s: number | null
  variables: VariableSummary[]
}
export interface Reading { sensor_id: number, timestamp: string, variable: string, value: number, unit: string }
export interface AggregateBucket { start: string, count: number, min: number, max: number, avg: number, first: number, last: number }
export interface Aggregate { sensor_id: number, variable: string, from: string, to: string, bucket_seconds: number, buckets: AggregateBucket[] }
export interface IngestStats { from: string, to: string, bucket_seconds: number, buckets: Array<{ start: string, count: number }> }

/** GET a JSON answer of the API, with the tab's token. */
export async function getJson<T> (path: string, signal?: AbortSignal, token?: string | null): Promise<T> {
  let res: Response
  try {
    res = await fetch(path, { headers: { accept: 'application/json', ...authHeaders(token) }, signal })
  } catch (err) {
    if (signal?.aborted === true) throw err
    throw new Unreachable('The API does not answer')
  }
  if (res.ok) return await res.json() as T
  const detail = await problemDetail(res)
  if (res.status === 401) throw new Unauthorized(detail)
  if (res.status >= 500) throw new Unreachable(detail)
  throw new ApiProblem(res.status, detail)
}

async function problemDetail (res: Response): Promise<string> {
  try {
    const body = await res.json() as { detail?: unknown }
    if (typeof body.detail === 'string') return body.detail
  } catch {
    // not problem+json (a proxy's error page)
  }
  return `${res.status} ${res.statusText}`
}

export const api = {
  sensor: (id: number, signal?: AbortSignal) => getJson<SensorDetail>(`/sensors/${id}`, signal),
  newestReadings: (id: number, limit: number, signal?: AbortSignal) =>
    getJson<{ readings: Reading[] }>(`/readings?sensor_id=${id}&limit=${limit}`, signal),
  aggregate: (id: number, variable: string, from: number, to: number, signal?: AbortSignal) =>
    getJson<Aggregate>(`/readings/aggregate?${new URLSearchParams({ sensor_id: String(id), variable, from: String(from), to: String(to), bucket: 'auto' })}`, signal),
  ingest: (from: number, to: number, bucket: string, signal?: AbortSignal) =>
    getJson<IngestStats>(`/stats/ingest?${new URLSearchParams({ from: String(from), to: String(to), bucket })}`, signal)
}
