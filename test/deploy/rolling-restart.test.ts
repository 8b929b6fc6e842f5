import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { packageRoot } from '../../src/paths.js'

// scripts/rolling-restart.sh against a stand-in `docker` (test/deploy/fixtures/bin/docker):
// no Docker engine runs here, but the order of restarts and the waiting can still be checked.

const script = join(packageRoot, 'scripts', 'rolling-restart.sh')
const fakeDockerBin = join(packageRoot, 'test', 'deploy', 'fixtures', 'bin')

interface FakeContainer {
  health: string
  afterRestart?: string[]
  ready?: boolean
}

interface Run {
  code: number
  stdout: string
  stderr: string
  events: string[]
}

async function rollingRestart (t: { teardown(fn: () => unknown): void }, containers: Record<string, FakeContainer>, env: Record<string, string> = {}): Promise<Run> {
  const state = await mkdtemp(join(tmpdir(), 'fake-docker-'))
  t.teardown(() => rm(state, { recursive: true, force: true }))
  for (const [name, c] of Object.entries(containers)) {
    const dir = join(state, name)
    await mkdir(dir)
    const files: Record<string, string> = {
      project: 'iot-sensors',
      service: 'api',
      running: 'true',
      'stop-timeout': '30',
      health: c.health,
      ready: String(c.ready ?? true),
      'after-restart': (c.afterRestart ?? ['healthy']).join('\n')
    }
    for (const [file, content] of Object.entries(files)) await writeFile(join(dir, file), `${content}\n`)
  }
  await writeFile(join(state, 'events'), '')

  const result = await promisify(execFile)('bash', [script], {
    env: { PATH: `${fakeDockerBin}:${process.env.PATH ?? ''}`, FAKE_DOCKER_STATE: state, POLL_INTERVAL_S: '0.05', SETTLE_S: '0', ...env },
    timeout: 30_000
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number, stdout: string, stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr })
  )
  const events = (await readFile(join(state, 'events'), 'utf8')).split('\n').filter((line) => line !== '')
  return { ...result, events }
}

const healthyTrio = (overrides: Record<string, Partial<FakeContainer>> = {}): Record<string, FakeContainer> => Object.fromEntries(
  ['iot-sensors-api-1', 'iot-sensors-api-2', 'iot-sensors-api-3'].map((name) => [name, {
    health: 'healthy', afterRestart: ['starting', 'starting', 'healthy'], ...overrides[name]
  }])
)

const restarts = (events: string[]) => events.filter((e) => e.startsWith('restart '))

t.test('restarts the replicas one at a time, each only once the previous is healthy and ready', async (t) => {
  const run = await rollingRestart(t, healthyTrio())
  t.equal(run.code, 0, run.stderr)
  t.same(restarts(run.events), [
    'restart iot-sensors-api-1 -t 30 others=healthy,healthy',
    'restart iot-sensors-api-2 -t 30 others=healthy,healthy',
    'restart iot-sensors-api-3 -t 30 others=healthy,healthy'
  ], 'in order, with the stop grace period, while the other two are healthy')
  for (const [previous, next] of [['1', '2'], ['2', '3']]) {
    const readyAt = run.events.indexOf(`exec iot-sensors-api-${previous} ready`)
    const healthyAt = run.events.lastIndexOf(`health iot-sensors-api-${previous} healthy`, readyAt)
    const nextAt = run.events.findIndex((e) => e.startsWith(`restart iot-sensors-api-${next}`))
    t.ok(healthyAt > run.events.findIndex((e) => e.startsWith(`restart iot-sensors-api-${previous}`)), `api-${previous} healthy after its restart`)
    t.ok(readyAt > healthyAt && readyAt < nextAt, `api-${previous} ready before api-${next} goes down`)
  }
  t.match(run.stdout, /done: 3 replica\(s\) restarted/)
})

t.test('does not move on while a restarted replica is healthy but its /ready fails', async (t) => {
  const run = await rollingRestart(t, healthyTrio({ 'iot-sensors-api-1': { afterRestart: ['healthy'], ready: false } }), { HEALTH_TIMEOUT_S: '1' })
  t.equal(run.code, 1)
  t.match(run.stderr, /iot-sensors-api-1 not healthy and ready after 1s \(last health: healthy\)/)
  t.same(restarts(run.events).length, 1, 'the next replica stays up')
})

t.test('stops with a clear error, leaving the rest alone, when a restarted replica turns unhealthy', async (t) => {
  const run = await rollingRestart(t, healthyTrio({ 'iot-sensors-api-2': { afterRestart: ['starting', 'unhealthy'] } }))
  t.equal(run.code, 1)
  t.match(run.stderr, /iot-sensors-api-2 is unhealthy/)
  t.same(restarts(run.events).map((e) => e.split(' ')[1]), ['iot-sensors-api-1', 'iot-sensors-api-2'])
})

t.test('gives up after HEALTH_TIMEOUT_S when a replica stays in starting', async (t) => {
  const run = await rollingRestart(t, healthyTrio({ 'iot-sensors-api-1': { afterRestart: ['starting'] } }), { HEALTH_TIMEOUT_S: '1' })
  t.equal(run.code, 1)
  t.match(run.stderr, /iot-sensors-api-1 not healthy and ready after 1s \(last health: starting\)/)
})

t.test('restarts nothing while another replica is not healthy', async (t) => {
  const run = await rollingRestart(t, healthyTrio({ 'iot-sensors-api-3': { health: 'unhealthy' } }))
  t.equal(run.code, 1)
  t.match(run.stderr, /iot-sensors-api-3 is not healthy; not restarting iot-sensors-api-1/)
  t.same(restarts(run.events), [])
})

t.test('fails clearly when the project has no running replica', async (t) => {
  const run = await rollingRestart(t, {})
  t.equal(run.code, 1)
  t.match(run.stderr, /no running containers for service 'api' in project 'iot-sensors'/)
})
