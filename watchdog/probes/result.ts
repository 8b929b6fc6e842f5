export type CheckStatus = 'pass' | 'warn' | 'fail'

/** The outcome of one check of one target. */
export interface ProbeResult {
  /** Clock time at which the check started. */
  at: number
  status: CheckStatus
  latencyMs: number
  /** What went wrong, for humans: "timeout after 3000 ms", "HTTP 503: postgres:connection: ...". */
  error?: string
  /**
   * The target answered, and its health+json body blames only a datastore: the failure is
   * explained by a dependency and is reported under that dependency when it is down too.
   */
  dependencyFailure?: boolean
}

/** The URL as it may appear in a message or a log: any password replaced by "***". */
export function displayUrl (url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return '(invalid URL)'
  }
}

/** A one-line error text from anything thrown: the code (ECONNREFUSED...) and the message. */
export function describeError (err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return describeError(err.errors[0])
  const error = err as { code?: string, message?: string, cause?: unknown }
  const message = error?.message || String(err)
  if (error?.cause && (message === 'fetch failed' || message === 'other side closed')) return describeError(error.cause)
  return error?.code && !message.includes(error.code) ? `${error.code}: ${message}` : message
}
