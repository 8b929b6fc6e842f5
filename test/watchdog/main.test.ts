import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { systemClock } from '../../watchdog/clock.js'
import { FakeDiscord } from './helpers/fake-discord.js'
import { SwitchableTarget } from './helpers/switchable-target.js'
import getPort from 'get-port'

const root = join(import.meta.dirname, '../..')

/** Fails the wait instead of hanging the suite. */
function within<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms) })
  ])
}

function startProcess (t: Test, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'watchdog/main.ts'], {
    cwd: root,
    env: { ...process.env, WATCHDOG_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe']
  })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  return child
}

const titles = (discord: FakeDiscord) => discord.delivered.flatMap((m) => m.embeds.map((e: any) => e.title))

t.test('npm run watchdog: started message, DOWN, SIGKILL mid-outage, restart without a second DOWN, RESOLVED, /health, SIGTERM', async (t) => {
  const target = await SwitchableTarget.start(t, 'fail')
  const discord = await FakeDiscord.start(t, systemClock)
  const heartbeat = await FakeDiscord.start(t, systemClock)
  const dir = t.testdir()
  const configFile = join(dir, 'watchdog.yml')
  await writeFile(configFile, `
discord:
  webhook_url: \${TEST_WEBHOOK}
  coalesce_window: 0s
defaults: { interval: 300ms, timeout: 200ms }
targets:
  - { name: api-1, type: http, url: "${target.url}" }
`)
  const port = await getPort({ host: '127.0.0.1' })
  const env = {
    WATCHDOG_CONFIG: configFile,
    TEST_WEBHOOK: discord.url,
    WATCHDOG_STATE_FILE: join(dir, 'state.json'),
    WATCHDOG_PORT: String(port),
    WATCHDOG_HOST: '127.0.0.1',
    WATCHDOG_HEARTBEAT_URL: heartbeat.url
  }

  const first = startProcess(t, env)
  await within(discord.whenRequests(2), 20_000, 'started and DOWN')
  t.same(titles(discord), ['🔵 Watchdog started', '🔴 DOWN: api-1'])
  // Two more completed rounds: each saves the state after the DOWN was confirmed.
  await within(heartbeat.whenRequests(heartbeat.requests.length + 2), 10_000, 'two rounds')
  first.kill('SIGKILL')
  await once(first, 'exit')

  const second = startProcess(t, env)
  await within(discord.whenRequests(3), 20_000, 'second started message')
  const beats = heartbeat.requests.length
  await within(heartbeat.whenRequests(beats + 5), 10_000, 'five rounds after the restart')
  t.same(titles(discord), ['🔵 Watchdog started', '🔴 DOWN: api-1', '🔵 Watchdog started'], 'no second DOWN')

  target.mode = 'ok'
  await within(discord.whenRequests(4), 10_000, 'RESOLVED')
  t.match(titles(discord)[3], /^🟢 RESOLVED: api-1 after \d+s$/)

  const health = await request(`http://127.0.0.1:${port}/health`)
  const body = await health.body.json() as any
  t.equal(health.statusCode, 200)
  t.equal(body.status, 'pass')
  t.equal(body.discord.reachable, true)

  second.kill('SIGTERM')
  const [code] = await within(once(second, 'exit'), 15_000, 'exit after SIGTERM')
  t.equal(code, 0)
})

t.test('a bad config stops start-up with a message naming the field', async (t) => {
  const configFile = join(t.testdir(), 'watchdog.yml')
  await writeFile(configFile, 'discord: { webhook_url: "https://discord.com/api/webhooks/1/x" }\ntargets:\n  - { name: a, type: http, url: "http://a/ready", timeout: 20s }\n')
  const child = startProcess(t, { WATCHDOG_CONFIG: configFile })
  let stderr = ''
  child.stderr!.on('data', (chunk) => { stderr += chunk })
  const [code] = await within(once(child, 'exit'), 15_000, 'exit')
  t.equal(code, 1)
  t.match(stderr, 'targets[0].timeout: 20000 ms must be below the interval (10000 ms)')
})
