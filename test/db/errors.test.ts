import t from 'tap'
import { isDatabaseUnavailable, isDataError, isTransientConflict } from '../../src/db/errors.js'
import { buildApp } from '../../src/app.js'
import { testConfig } from '../helpers/build.js'
import { freshDatabase } from '../helpers/database.js'
import { startTcpProxy, throughProxy } from '../helpers/tcp-proxy.js'

const coded = (code: string, message = 'whatever') => Object.assign(new Error(message), { code })

t.test('unavailable: Node socket codes and SQLSTATE classes 08, 53, 57, 58, also as a cause', async (t) => {
  for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', '08006', '53300', '57014', '57P01', '58030', 'ERR_DATABASE_CONNECTION']) {
    t.ok(isDatabaseUnavailable(coded(code)), code)
  }
  t.ok(isDatabaseUnavailable(new Error('wrapped', { cause: coded('ECONNREFUSED') })), 'through cause')
})

t.test('never by message: a bug that says "Connection" or "closed" stays a bug', async (t) => {
  for (const message of ['Connection terminated unexpectedly', 'socket closed', 'timeout', 'Client was closed and is not queryable', 'pool has ended']) {
    t.notOk(isDatabaseUnavailable(new Error(message)), message)
  }
  t.notOk(isDatabaseUnavailable(coded('42P01', 'relation "x" does not exist: connection closed')), 'another SQLSTATE class')
  t.notOk(isDatabaseUnavailable(coded('40P01')), 'a deadlock is not an outage')
})

t.test('class 40 is a transient conflict; classes 22 and 23 are data errors', async (t) => {
  t.ok(isTransientConflict(coded('40001')))
  t.ok(isTransientConflict(coded('40P01')))
  t.notOk(isTransientConflict(coded('08006')))
  t.ok(isDataError(coded('22021')))
  t.ok(isDataError(coded('23505')))
  t.notOk(isDataError(coded('2200')), 'a SQLSTATE has five characters')
})

t.test('a read whose connection breaks answers 503 without "nothing was stored"; a query bug answers 500', async (t) => {
  const db = await freshDatabase(t)
  const target = new URL(db.url)
  const proxy = await startTcpProxy(target.hostname, Number(target.port))
  t.teardown(() => proxy.close())
  const app = await buildApp(testConfig(throughProxy(db.url, proxy)), { logger: false })
  t.teardown(() => app.close())
  app.get('/test/bad-query', async () => app.pg.query('SELECT $1::int', 'not an array' as unknown as unknown[]))
  await app.ready()
  proxy.cut()
  const read = await app.inject({ method: 'GET', url: '/sensors/1' })
  t.equal(read.statusCode, 503)
  t.ok(Number(read.headers['retry-after']) > 0)
  t.notMatch(read.json().detail, /stored/)
  proxy.restore()
  const bug = await app.inject({ method: 'GET', url: '/test/bad-query' })
  t.equal(bug.statusCode, 500, 'pg\'s codeless complaint about our query is not an outage')
})
