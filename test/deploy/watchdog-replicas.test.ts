import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { systemClock } from '../../watchdog/clock.js'
import { freshDatabase } from '../helpers/database.js'
import { FakeDiscord } from '../watchdog/helpers/fake-discord.js'
import { repoFile } from './helpers/deploy-files.js'
import { buildRuntime, startReplica, type Replica } from './helpers/replica.js'
import getPort from 'get-port'

// The watchdog's deployment config (watchdog/watchdog.example.yml), run as the image runs it
// (`node dist/watchdog/main.js`), against three replica processes on one database. Only the
// addresses change: compose's container names do not resolve here, so each
// http://iot-sensors-api-N:3000 becomes replica N's loopback address, and Traefik's entrypoint
// (which would route /ready to any healthy replica) becomes replica 1's.

const runtime = await buildRuntime()
const db = await freshDatabase(t)
const replicas: Replica[] = await Promise.all([1, 2, 3].map((n) => startReplica(t, runtime, {
  DATABASE_URL: db.url,
  INSTANCE_ID: `iot-sensors-api-${n}`,
  DB_POOL_MAX: '4',
  WRITE_CONCURRENCY: '2',
  // Long enough that replica 2 is still draining (its /ready failing) when the watchdog looks again.
  READY_DRAIN_DELAY_S: '60'
})))

/** Fails the wait instead of hanging the suite. */
function within<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms) })
  ])
}

interface SavedTarget { level: string, last?: { status: string, error?: string } }

t.test("the example config's watchdog probes each of the three replicas on its own", async (t) => {
  const example = repoFile('watchdog/watchdog.example.yml')
  const local = replicas.reduce(
    (text, replica, i) => text.replaceAll(`http://iot-sensors-api-${i + 1}:3000`, replica.url),
    example.replaceAll('http://traefik:80', replicas[0]!.url)
  )
  t.notMatch(local, /iot-sensors-api-\d|traefik:80/, 'every compose address replaced')

  const dir = t.testdir()
  const configFile = join(dir, 'watchdog.yml')
  await writeFile(configFile, local)
  const stateFile = join(dir, 'state.json')
  const discord = await FakeDiscord.start(t, systemClock)
  const rounds = await FakeDiscord.start(t, systemClock)

  const watchdog = spawn(process.execPath, [join(runtime, 'dist', 'watchdog', 'main.js')], {
    cwd: runtime,
    env: {
      PATH: process.env.PATH ?? '',
      WATCHDOG_CONFIG: configFile,
      DISCORD_WEBHOOK_URL: discord.url,
      WATCHDOG_POSTGRES_URL: db.url,
      WATCHDOG_STATE_FILE: stateFile,
      WATCHDOG_PORT: String(await getPort({ host: '127.0.0.1' })),
      WATCHDOG_HOST: '127.0.0.1',
      // Pinged after every completed round: the event the test waits on.
      WATCHDOG_HEARTBEAT_URL: rounds.url,
      WATCHDOG_LOG_LEVEL: 'warn'
    },
    stdio: ['ignore', 'ignore', 'inherit']
  })
  t.teardown(async () => {
    if (watchdog.exitCode === null && watchdog.signalCode === null) {
      watchdog.kill('SIGTERM')
      await once(watchdog, 'exit')
    }
  })
  const targets = async () => (JSON.parse(await readFile(stateFile, 'utf8')) as { targets: Record<string, SavedTarget> }).targets

  await within(rounds.whenRequests(1), 30_000, 'the first round')
  const first = await targets()
  t.same(
    Object.fromEntries(['api-1', 'api-2', 'api-3', 'postgres', 'traefik'].map((name) => [name, first[name]?.last?.status])),
    { 'api-1': 'pass', 'api-2': 'pass', 'api-3': 'pass', postgres: 'pass', traefik: 'pass' },
    'all three replicas, PostgreSQL and the entrypoint pass'
  )

  // Replica 2 starts draining: only its own target may see it.
  replicas[1]!.child.kill('SIGTERM')
  await replicas[1]!.logged(/^SIGTERM received: draining$/)
  await within(rounds.whenRequests(2), 30_000, 'the next round')
  const second = await targets()
  t.equal(second['api-2']?.last?.status, 'fail')
  t.match(second['api-2']?.last?.error, /HTTP 503.*instance:draining/)
  t.same([second['api-1']?.last?.status, second['api-3']?.last?.status], ['pass', 'pass'], 'the other replicas still pass')
})
