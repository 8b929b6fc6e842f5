import t from 'tap'
import { Pool, request } from 'undici'
import { freshDatabase } from '../helpers/database.js'
import { testPool } from '../helpers/build.js'
import { buildRuntime, startReplica, type Replica } from './helpers/replica.js'

// SIGTERM to a real `node dist/src/server.js`, as `docker stop` sends it to the container's PID 1.

const runtime = await buildRuntime()

interface Teardown {
  teardown(fn: () => unknown): void
}

async function replica (t: Teardown, env: Record<string, string>): Promise<{ replica: Replica, databaseUrl: string }> {
  const db = await freshDatabase(t)
  const started = await startReplica(t, runtime, { DATABASE_URL: db.url, INSTANCE_ID: 'draining', ...env })
  return { replica: started, databaseUrl: db.url }
}

const reading = (sensorId: number, seq: number) => ({
  sensor_id: sensorId, timestamp: 1_717_200_000_000 + seq, variable: 'temperature', value: seq / 10, unit: 'C'
})

t.test('on SIGTERM /ready turns 503 at once while requests are still served, then the process exits 0', async (t) => {
  const { replica: server } = await replica(t, { READY_DRAIN_DELAY_S: '2', SHUTDOWN_TIMEOUT_S: '10' })
  server.child.kill('SIGTERM')
  await server.logged(/^SIGTERM received: draining$/)

  const ready = await request(`${server.url}/ready`)
  t.equal(ready.statusCode, 503)
  t.match(await ready.body.json(), { status: 'fail', checks: { 'instance:draining': [{ status: 'fail' }] } })

  const write = await request(`${server.url}/readings`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(reading(1, 1))
  })
  t.equal(write.statusCode, 201, 'still writing during the drain delay')
  t.equal(write.headers.connection, 'close', 'and closing each connection after its answer')
  await write.body.dump()

  t.equal(await server.exited, 0, 'exit code', { output: server.output() })
})

t.test('under a steady stream, every request sent before SIGTERM succeeds and every acknowledged reading is stored', async (t) => {
  const { replica: server, databaseUrl } = await replica(t, { READY_DRAIN_DELAY_S: '1', SHUTDOWN_TIMEOUT_S: '10' })
  const WORKERS = 4
  const MAX_PER_WORKER = 400
  const SIGNAL_AFTER_ACKS = 40

  const client = new Pool(server.url, { connections: WORKERS })
  t.teardown(() => client.destroy())

  interface Outcome { sensorId: number, seq: number, beforeSignal: boolean, status?: number, error?: string }
  const outcomes: Outcome[] = []
  let acknowledged = 0
  let signalled = false

  async function worker (sensorId: number): Promise<void> {
    for (let seq = 0; seq < MAX_PER_WORKER; seq++) {
      const outcome: Outcome = { sensorId, seq, beforeSignal: !signalled }
      outcomes.push(outcome)
      try {
        const res = await client.request({
          path: '/readings', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(reading(sensorId, seq))
        })
        await res.body.dump()
        outcome.status = res.statusCode
      } catch (err) {
        outcome.error = (err as NodeJS.ErrnoException).code ?? (err as Error).message
      }
      if (outcome.status !== undefined && outcome.status < 300) {
        acknowledged++
        if (acknowledged === SIGNAL_AFTER_ACKS) {
          signalled = true
          server.child.kill('SIGTERM')
        }
      } else if (signalled) {
        return // the listener has closed: this replica takes no more requests
      }
    }
  }

  await Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(i + 1)))
  t.equal(await server.exited, 0, 'exit code', { output: server.output() })
  t.ok(signalled, 'SIGTERM was sent mid-stream')

  const sentBefore = outcomes.filter((o) => o.beforeSignal)
  t.ok(sentBefore.length >= SIGNAL_AFTER_ACKS)
  t.same(sentBefore.filter((o) => o.status === undefined || o.status >= 300), [], 'no request sent before SIGTERM failed')
  t.ok(outcomes.some((o) => !o.beforeSignal && o.status === 201), 'requests sent during the drain delay were still served')

  const acked = outcomes.filter((o) => o.status !== undefined && o.status < 300)
  const { rows } = await testPool(t, databaseUrl).query<{ sensor_id: number, ms: string }>(
    'SELECT sensor_id, (extract(epoch FROM ts) * 1000)::bigint::text AS ms FROM readings'
  )
  const stored = new Set(rows.map((r) => `${r.sensor_id}/${r.ms}`))
  const lost = acked.filter((o) => !stored.has(`${o.sensorId}/${reading(o.sensorId, o.seq).timestamp}`))
  t.same(lost, [], 'every acknowledged reading is stored')
})

t.test('SHUTDOWN_TIMEOUT_S is counted after the drain delay: a longer delay still ends in a clean exit', async (t) => {
  const { replica: server } = await replica(t, { READY_DRAIN_DELAY_S: '3', SHUTDOWN_TIMEOUT_S: '2' })
  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0, 'exit code', { output: server.output() })
})
