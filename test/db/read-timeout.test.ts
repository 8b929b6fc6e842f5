import t from 'tap'
import { isDatabaseUnavailable } from '../../src/db/errors.js'
import { ServicePool } from '../../src/db/pool.js'
import { freshDatabase } from '../helpers/database.js'
import { startTcpProxy, throughProxy, type TcpProxy } from '../helpers/tcp-proxy.js'

const READ_TIMEOUT_MS = 300

/** A one-connection ServicePool through a proxy the test can freeze, counting the connections it opens. */
async function poolBehindProxy (t: { teardown (fn: () => unknown): void }, readTimeoutMs = READ_TIMEOUT_MS): Promise<{ pool: ServicePool, proxy: TcpProxy, connections: () => number }> {
  const db = await freshDatabase(t)
  const target = new URL(db.url)
  const proxy = await startTcpProxy(target.hostname, Number(target.port))
  t.teardown(() => proxy.close())
  const pool = new ServicePool({ connectionString: throughProxy(db.url, proxy), max: 1, query_timeout: readTimeoutMs })
  pool.on('error', () => {})
  t.teardown(() => pool.end())
  let opened = 0
  pool.on('connect', () => { opened++ })
  return { pool, proxy, connections: () => opened }
}

t.test('a database that stops answering fails the query as unavailable at query_timeout, and the pool reconnects', async (t) => {
  const { pool, proxy, connections } = await poolBehindProxy(t)
  t.same((await pool.query('SELECT 1 AS n')).rows, [{ n: 1 }])

  proxy.freeze()
  const started = Date.now()
  const err = await pool.query('SELECT 2 AS n').then(() => undefined, (e: unknown) => e)
  const elapsed = Date.now() - started
  t.ok(isDatabaseUnavailable(err), `unavailable, not a bug (${String(err)})`)
  t.ok(elapsed >= READ_TIMEOUT_MS - 20 && elapsed < 5000, `failed at the read timeout (after ${elapsed} ms)`)

  proxy.restore()
  t.same((await pool.query('SELECT 3 AS n')).rows, [{ n: 3 }], 'answers again')
  t.equal(connections(), 2, 'on a new connection: the frozen one was closed')
})

t.test('an answered query leaves its connection open past query_timeout', async (t) => {
  // A timeout ten times the query's sleep, so a loaded machine does not run the query past it.
  const readTimeoutMs = 1000
  const { pool, connections } = await poolBehindProxy(t, readTimeoutMs)
  t.same((await pool.query('SELECT pg_sleep(0.1)::text AS slept')).rows, [{ slept: '' }], 'slower than nothing, within the timeout')
  await new Promise((resolve) => setTimeout(resolve, readTimeoutMs * 2))
  t.same((await pool.query('SELECT 4 AS n')).rows, [{ n: 4 }])
  t.equal(connections(), 1, 'the same connection: its timer was cleared when it answered')
})

t.test('a callback query is timed the same way', async (t) => {
  const { pool, proxy } = await poolBehindProxy(t)
  const client = await pool.connect()
  t.teardown(() => client.release(true))
  proxy.freeze()
  const err = await new Promise<unknown>((resolve) => client.query('SELECT 5', (e: unknown) => resolve(e)))
  t.ok(isDatabaseUnavailable(err), `unavailable (${String(err)})`)
  proxy.restore()
})
