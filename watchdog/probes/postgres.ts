import pg from 'pg'
import type { TargetConfig } from '../config.js'
import { describeError, type ProbeResult } from './result.js'

/** Opens a connection and runs SELECT 1, all within the target's timeout; a fresh connection each time, so a dead server is noticed. */
export async function probePostgres (target: TargetConfig, at: number): Promise<ProbeResult> {
  const started = performance.now()
  const client = new pg.Client({
    connectionString: target.url,
    connectionTimeoutMillis: target.timeoutMs,
    query_timeout: target.timeoutMs,
    application_name: 'iot-sensors-watchdog'
  })
  // A connection dropped mid-check is reported through the failing query; this keeps it from crashing the process.
  client.on('error', () => {})
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout: no answer within ${target.timeoutMs} ms`)), target.timeoutMs)
  })
  try {
    await Promise.race([client.connect().then(() => client.query('SELECT 1')), deadline])
    return { at, status: 'pass', latencyMs: Math.round(performance.now() - started) }
  } catch (err) {
    return { at, status: 'fail', latencyMs: Math.round(performance.now() - started), error: describeError(err) }
  } finally {
    clearTimeout(timer)
    client.end().catch(() => {})
  }
}
