import pg from 'pg'
import { DatabaseConnectionError, hasCode } from './errors.js'

type Callback = (err: Error | undefined, ...rest: unknown[]) => void

/** A codeless error becomes a DatabaseConnectionError (its cause) when `lost` says so. */
function tagged (err: Error | undefined, lost: boolean): Error | undefined {
  if (err === undefined || hasCode(err) || !lost) return err
  return new DatabaseConnectionError(err.message, { cause: err })
}

/** Calls `method` with `args`, the error of its callback or promise passed through `tag`. */
function withTagging (method: (...args: unknown[]) => unknown, args: unknown[], tag: (err: Error) => Error): unknown {
  const last = args.at(-1)
  if (typeof last === 'function') {
    return method(...args.slice(0, -1), (err: Error | undefined, ...rest: unknown[]) => (last as Callback)(err && tag(err), ...rest))
  }
  const result = method(...args)
  return result instanceof Promise ? result.catch((err: Error) => { throw tag(err) }) : result
}

/**
 * pg's client with its connection failures given a code: pg reports a connection that ended
 * under a query ("Connection terminated unexpectedly", "... not queryable"), its own read timeout
 * and a failed connect with no code at all. Told apart by what happened to the connection (it
 * ended or failed, the read timeout ran out, connect() failed), never by message text.
 */
export class ServiceClient extends pg.Client {
  private connectionLost = false
  private readonly readTimeoutMs: number

  constructor (config?: pg.ClientConfig) {
    super(config)
    this.readTimeoutMs = config?.query_timeout ?? 0
    this.on('end', () => { this.connectionLost = true })
    // Also keeps a lost connection from crashing the process while the client is checked out.
    this.on('error', () => { this.connectionLost = true })
  }

  override connect (...args: unknown[]): any {
    return withTagging((...a) => (super.connect as (...x: unknown[]) => unknown)(...a), args, (err) => tagged(err, true)!)
  }

  override query (...args: unknown[]): any {
    const started = Date.now()
    const lost = () => this.connectionLost || (this.readTimeoutMs > 0 && Date.now() - started >= this.readTimeoutMs)
    return withTagging((...a) => (super.query as (...x: unknown[]) => unknown)(...a), args, (err) => tagged(err, lost())!)
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
