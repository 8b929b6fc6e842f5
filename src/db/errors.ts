/**
 * What a database error means to a request, decided by codes alone: SQLSTATE classes, Node's
 * error codes, and ERR_DATABASE_CONNECTION, which src/db/pool.ts gives the connection failures
 * pg reports without a code. Never by message text: a bug whose message happens to say
 * "closed" or "Connection" stays a 500 and gets seen.
 */

/** Given by src/db/pool.ts to a failure to connect, or a connection lost or timed out under a query. */
export const DATABASE_CONNECTION = 'ERR_DATABASE_CONNECTION'

/** pg reports these without a SQLSTATE: the pool could not connect, or the connection broke under a query. */
export class DatabaseConnectionError extends Error {
  override name = 'DatabaseConnectionError'
  readonly code = DATABASE_CONNECTION
}

// Node's socket and DNS failures on the way to the database.
const NODE_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', DATABASE_CONNECTION])

// SQLSTATE classes 08 (connection exception), 53 (insufficient resources: too many connections,
// disk full, out of memory), 57 (operator intervention: shutdown, statement timeout, cannot
// connect now) and 58 (system error: I/O).
const SQLSTATE_UNAVAILABLE = /^(08|53|57|58)[0-9A-Z]{3}$/

const codeOf = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown } | null | undefined)?.code
  return typeof code === 'string' ? code : undefined
}

/** Whether the error carries a code of its own (a SQLSTATE or a Node code). */
export const hasCode = (err: unknown): boolean => codeOf(err) !== undefined

/**
 * "The database cannot serve right now" (unreachable, restarting, overloaded, timed out): the
 * client should retry later, so these become 503 + Retry-After, never 500. Follows `cause`.
 */
export function isDatabaseUnavailable (err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = codeOf(e)
    if (code !== undefined && (NODE_UNAVAILABLE.has(code) || SQLSTATE_UNAVAILABLE.test(code))) return true
  }
  return false
}

/**
 * SQLSTATE class 40 (transaction rollback: serialization failure, deadlock): the statement was
 * rolled back whole and may succeed if run again. Not an outage.
 */
export function isTransientConflict (err: unknown): boolean {
  return /^40[0-9A-Z]{3}$/.test(codeOf(err) ?? '')
}

/** SQLSTATE class 22 (data exception) and 23 (integrity): the data, not the database, is at fault. */
export function isDataError (err: unknown): boolean {
  return /^(22|23)[0-9A-Z]{3}$/.test(codeOf(err) ?? '')
}
