import type { CheckStatus } from './result.js'

interface HealthCheck { componentType?: string, status?: string, output?: string }

/** What a health+json body (draft-inadarei-api-health-check) says. */
export interface HealthReading {
  status?: CheckStatus
  /** Failing checks as "name: output". */
  failures: string[]
  /** Every failing check is a datastore: the target is healthy itself but its database is not. */
  onlyDatastoreFailing: boolean
}

const STATUS: Record<string, CheckStatus> = { pass: 'pass', ok: 'pass', up: 'pass', warn: 'warn', fail: 'fail', error: 'fail', down: 'fail' }

export function readHealthJson (text: string): HealthReading | undefined {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return undefined
  }
  if (body === null || typeof body !== 'object') return undefined
  const { status, checks } = body as { status?: unknown, checks?: unknown }
  const failing: Array<[string, HealthCheck]> = []
  if (checks !== null && typeof checks === 'object') {
    for (const [name, entries] of Object.entries(checks)) {
      for (const entry of [entries].flat() as HealthCheck[]) {
        if (entry && typeof entry === 'object' && STATUS[String(entry.status)] === 'fail') failing.push([name, entry])
      }
    }
  }
  return {
    status: typeof status === 'string' ? STATUS[status.toLowerCase()] : undefined,
    failures: failing.map(([name, check]) => check.output ? `${name}: ${check.output}` : name),
    onlyDatastoreFailing: failing.length > 0 && failing.every(([name, check]) => check.componentType === 'datastore' || /^(postgres|database|db)\b/i.test(name))
  }
}
