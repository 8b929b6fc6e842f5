import { request, type Dispatcher } from 'undici'
import type { TargetConfig } from '../config.js'
import { readHealthJson } from './health-json.js'
import { describeError, type ProbeResult } from './result.js'

const BODY_LIMIT = 64 * 1024
const SUMMARY_LENGTH = 300

/**
 * GETs the target. Failed: no answer within the timeout (a hung target fails at its timeout), a
 * connection error, an unexpected status, or a health+json body saying "fail". Degraded ("warn"):
 * health+json "warn", or an answer slower than the latency limit.
 */
export async function probeHttp (target: TargetConfig, dispatcher: Dispatcher, at: number): Promise<ProbeResult> {
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  try {
    const response = await request(target.url, {
      method: 'GET',
      dispatcher,
      signal: AbortSignal.timeout(target.timeoutMs),
      headers: { accept: 'application/health+json, application/json;q=0.9, */*;q=0.5', 'user-agent': 'iot-sensors-watchdog' }
    })
    const text = await readCapped(response.body)
    const latencyMs = elapsed()
    const contentType = String(response.headers['content-type'] ?? '')
    const health = target.healthJson && /json/i.test(contentType) ? readHealthJson(text) : undefined
    const statusOk = target.expectedStatus
      ? target.expectedStatus.includes(response.statusCode)
      : response.statusCode >= 200 && response.statusCode < 300
    if (!statusOk || health?.status === 'fail') {
      const why = health && health.failures.length > 0 ? health.failures.join('; ') : summarize(text)
      return {
        at,
        status: 'fail',
        latencyMs,
        error: `HTTP ${response.statusCode}${why ? `: ${why}` : ''}`,
        dependencyFailure: health?.onlyDatastoreFailing ?? false
      }
    }
    if (health?.status === 'warn') {
      return { at, status: 'warn', latencyMs, error: `health status "warn"${health.failures.length ? `: ${health.failures.join('; ')}` : ''}` }
    }
    if (target.latencyLimitMs !== undefined && latencyMs > target.latencyLimitMs) {
      return { at, status: 'warn', latencyMs, error: `slow: answered in ${latencyMs} ms, limit ${target.latencyLimitMs} ms` }
    }
    return { at, status: 'pass', latencyMs }
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError'
    return { at, status: 'fail', latencyMs: elapsed(), error: timedOut ? `timeout: no answer within ${target.timeoutMs} ms` : describeError(err) }
  }
}

/** The start of the body, enough to summarize an error, without buffering a huge answer. */
async function readCapped (body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    chunks.push(chunk as Buffer)
    size += (chunk as Buffer).length
    if (size >= BODY_LIMIT) {
      body.destroy()
      break
    }
  }
  return Buffer.concat(chunks).subarray(0, BODY_LIMIT).toString('utf8')
}

function summarize (text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > SUMMARY_LENGTH ? `${flat.slice(0, SUMMARY_LENGTH)}…` : flat
}
