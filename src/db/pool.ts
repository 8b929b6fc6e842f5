import pg from 'pg'
import { DatabaseConnectionError, hasCode } from './errors.js'

type Callback = (err: Error | undefined, ...rest: unknown[]) => void

/** A codeless error becomes a DatabaseConnectionError (its cause) when `lost` says so. */
function tagged (err: Error | undefined, lost: boolean): Error | undefined {
  if (err === undefined || hasCode(err) || !lost) return err
  return new DatabaseConnectionError(err.message, { cause: err })
}

/**
 * Calls `method` with `args`, the error of its callback or promise passed through `tag`;
 * `settled`, if given, runs once it has answered or failed.
 */
function withTagging (method: (...args: unknown[]) => unknown, args: unknown[], tag: (err: Error) => Error, settled?: () => void): unknown {
  const last = args.at(-1)
  if (typeof last === 'function') {
    return method(...args.slice(0, -1), (err: Error | undefined, ...rest: unknown[]) => {
      settled?.()
      ;(last as Callback)(err && tag(err), ...rest)
    })
  }
  const result = method(...args)
  if (!(result instanceof Promise)) return result
  return result.then((value) => { settled?.(); return value }, (err: Error) => { settled?.(); throw tag(err) })
}

/**
 * pg's client with its connection failures given a code: pg reports a connection that ended
 * under a query ("Connection terminated unexpectedly", "... not queryable") and a failed connect
 * with no code at all. Told apart by what happened to the connection (it ended or failed,
 * connect() failed), never by message text.
 *
 * `query_timeout` is the client's own: a query (not a COPY or cursor) unanswered that long closes
 * the connection (a server or network that stopped answering), failing it and any behind it.
 * pg's option of that name is not passed on: its timer's closure holds each query with its rows,
 * which then outlived young-generation collections (each promoting megabytes: 15 ms pauses every
 * few dozen reads of a few hundred rows, the p99 of GET /readings/aggregate).
 */
export class ServiceClient extends pg.Client {
  private connectionLost = false
  private readonly readTimeoutMs: number
  // Made once per client rather than on every query.
  private readonly sendQuery = (...args: unknown[]): unknown => (super.query as (...x: unknown[]) => unknown)(...args)
  private readonly tagQueryError = (err: Error): Error => tagged(err, this.connectionLost)!
  private readonly readTimedOut = () => {
    this.connectionLost = true
    ;(this as unknown as { connection: { stream: { destroy(err: Error): void } } }).connection.stream
      .destroy(new DatabaseConnectionError(`no answer from the database within ${this.readTimeoutMs} ms`))
  }

  constructor (config?: pg.ClientConfig) {
    super({ ...config, query_timeout: undefined })
    this.readTimeoutMs = config?.query_timeout ?? 0
    this.on('end', () => { this.connectionLost = true })
    // Also keeps a lost connection from crashing the process while the client is checked out.
    this.on('error', () => { this.connectionLost = true })
  }

  override connect (...args: unknown[]): any {
    return withTagging((...a) => (super.connect as (...x: unknown[]) => unknown)(...a), args, (err) => tagged(err, true)!)
  }

  override query (...args: unknown[]): any {
    // A submittable (COPY, a cursor) answers over time, and tells no end here: not timed.
    const submittable = typeof (args[0] as { submit?: unknown } | null)?.submit === 'function'
    const timer = this.readTimeoutMs === 0 || submittable ? undefined : setTimeout(this.readTimedOut, this.readTimeoutMs)
    return withTagging(this.sendQuery, args, this.tagQueryError, timer === undefined ? undefined : () => clearTimeout(timer))
  }
}

/** pg's pool of ServiceClients, whose own failures to hand out a connection (timeouts) get the code too. */
export class ServicePool extends pg.Pool {
  constructor (config?: pg.PoolConfig) {
    super({ ...config, Client: ServiceClient } as pg.PoolConfig)
  }

  override connect (...args: unknown[]): any {
    return withTagging((...a) => (super.connect as (...x: unknown[]) => unknown)(...a), args, (err) => tagged(err, true)!)
  }
}

/** The pg module as @fastify/postgres takes it, with ServicePool. */
export const servicePg = { ...pg, Pool: ServicePool } as typeof pg
