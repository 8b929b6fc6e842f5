import { STATUS_CODES } from 'node:http'

/** RFC 9457 problem details. Extra members (errors, stored, checks) go beside the standard ones. */
export interface ProblemBody {
  type: string
  title: string
  status: number
  detail?: string
  [extension: string]: unknown
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

/** An error that is answered as it is: its status, its problem body and any headers. */
export class HttpProblem extends Error {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: ProblemBody

  constructor (status: number, slug: string | undefined, detail: string, extensions: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    super(detail)
    this.status = status
    this.headers = headers
    this.body = problem(status, detail, slug, extensions)
  }
}

export function problem (status: number, detail?: string, slug?: string, extensions: Record<string, unknown> = {}): ProblemBody {
  return {
    type: slug === undefined ? 'about:blank' : `urn:iot-sensors:problem:${slug}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    ...(detail === undefined ? {} : { detail }),
    ...extensions
  }
}

/** 503 with Retry-After: the client should send the same request again later. */
export function serviceUnavailable (detail: string, retryAfterS: number, extensions: Record<string, unknown> = {}): HttpProblem {
  return new HttpProblem(503, 'unavailable', detail, extensions, { 'retry-after': String(retryAfterS) })
}
