import { execFile } from 'node:child_process'
import { createServer } from 'node:net'
import { promisify } from 'node:util'
import t from 'tap'
import { request } from 'undici'
import { freshDatabase } from '../helpers/database.js'
import { testPool } from '../helpers/build.js'
import { loadCompose, service } from './helpers/deploy-files.js'
import { buildRuntime, startReplica, type Replica } from './helpers/replica.js'

// Three API processes, as the compose file runs them, against one database.

const runtime = await buildRuntime()
const db = await freshDatabase(t)
const instanceIds = ['iot-sensors-api-1', 'iot-sensors-api-2', 'iot-sensors-api-3']
const replicas: Replica[] = await Promise.all(instanceIds.map((id) => startReplica(t, runtime, {
  DATABASE_URL: db.url,
  INSTANCE_ID: id,
  // Small pools: three processes share the test database server (or embedded PGlite).
  DB_POOL_MAX: '4',
  WRITE_CONCURRENCY: '2'
})))

const reading = { sensor_id: 42, timestamp: '2024-06-01T08:00:00Z', variable: 'humidity', value: 55.5, unit: '%' }

async function post (replica: Replica, body: unknown) {
  const res = await request(`${replica.url}/readings`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body)
  })
  return { status: res.statusCode, body: await res.body.json() as Record<string, any> }
}

t.test('each replica answers /ready 200 with its own instance id', async (t) => {
  const answers = await Promise.all(replicas.map(async (replica) => {
    const res = await request(`${replica.url}/ready`)
    return { status: res.statusCode, body: await res.body.json() as Record<string, any> }
  }))
  t.same(answers.map((a) => a.status), [200, 200, 200])
  t.same(answers.map((a) => a.body.instance_id), instanceIds)
})

t.test('the replicas share one database: a reading stored through one is known to the others', async (t) => {
  const [first, second, third] = replicas as [Replica, Replica, Replica]
  const stored = await post(first, reading)
  t.equal(stored.status, 201)
  const resent = await post(second, reading)
  t.equal(resent.status, 200)
  t.same(resent.body, { received: 1, inserted: 0, duplicates: 1, conflicts: [] })
  const conflicting = await post(third, { ...reading, value: 99 })
  t.equal(conflicting.status, 409)
  t.match(conflicting.body, { stored: { sensor_id: 42, variable: 'humidity', value: 55.5, unit: '%' } })
  const { rows } = await testPool(t, db.url).query('SELECT value FROM readings WHERE sensor_id = 42')
  t.same(rows, [{ value: 55.5 }])
})

/** Runs a `node ...` healthcheck command with PORT set, as the container would; resolves with its exit code. */
async function runHealthcheck (command: string[], port: number): Promise<number> {
  const args = command.slice(1)
  try {
    await promisify(execFile)(process.execPath, args, { env: { PATH: process.env.PATH ?? '', PORT: String(port) }, timeout: 10_000 })
    return 0
  } catch (err) {
    return (err as { code?: number }).code ?? -1
  }
}

async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

t.test('the compose healthcheck of the api passes against a running replica and fails where none listens', async (t) => {
  const test = service(loadCompose(), 'api').healthcheck?.test ?? []
  t.equal(test[0], 'CMD')
  const command = test.slice(1)
  t.equal(command[0], 'node', 'node, not curl: slim images have none')
  t.equal(await runHealthcheck(command, replicas[0]!.port), 0)
  t.equal(await runHealthcheck(command, await closedPort()), 1)
})
