/**
 * Errors that mean "the database cannot serve right now" (unreachable, restarting, overloaded,
 * timed out): the client should retry later, so they become 503 + Retry-After, never 500.
 */
export function isDatabaseUnavailable (err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string') {
    // Node socket errors
    if (/^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH|NETUNREACH|AI_AGAIN|NOTFOUND)$/.test(code)) return true
    // SQLSTATE classes 08 (connection), 53 (insufficient resources), 57 (operator intervention:
    // shutdown, statement timeout), 40 (serialization failure / deadlock: retryable)
    if (/^(08|53|57|40)/.test(code)) return true
  }
  return /timeout|terminated|Connection|not queryable|ended|closed/i.test(err.message)
}

/** SQLSTATE class 22 (data exception) and 23 (integrity): the data, not the database, is at fault. */
export function isDataError (err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^(22|23)/.test(code)
}
