import { spawn } from 'node:child_process'
import { once } from 'node:events'
import t from 'tap'
import { request } from 'undici'
import { freshDatabase } from './helpers/database.js'

/** The real process entry, run from source with tsx. */
function startServer (env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => { stdout += chunk })
  child.stderr.on('data', (chunk) => { stderr += chunk })
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)
      if (m) resolve(m[1]!)
    })
    void exited.then((code) => reject(new Error(`exited with ${code} before listening: ${stderr}`)))
  })
  listening.catch(() => {}) // awaited only by tests that expect the server to start
  return { child, exited, listening, output: () => ({ stdout, stderr }) }
}

t.test('a bad variable stops start-up with one line naming it', async (t) => {
  const server = startServer({ PORT: 'abc' })
  t.equal(await server.exited, 1)
  const { stderr } = server.output()
  t.match(stderr, /Invalid configuration: PORT="abc"/)
})

t.test('SIGTERM: /ready turns 503 during the drain delay, then the process exits 0', async (t) => {
  const db = await freshDatabase(t)
  const server = startServer({ DATABASE_URL: db.url, READY_DRAIN_DELAY_S: '1' })
  t.teardown(() => { server.child.kill('SIGKILL') })
  const origin = await server.listening
  t.match(server.output().stdout.split('\n')[0], /database: PostgreSQL at/, 'the first log line says which database')
  t.equal((await request(`${origin}/ready`)).statusCode, 200)

  server.child.kill('SIGTERM')
  // The signal arrives asynchronously: poll (bounded) until readiness reports the drain.
  let draining = await request(`${origin}/ready`)
  for (let i = 0; i < 40 && draining.statusCode === 200; i++) {
    await draining.body.dump()
    await new Promise((resolve) => setTimeout(resolve, 25))
    draining = await request(`${origin}/ready`)
  }
  t.equal(draining.statusCode, 503)
  t.match(await draining.body.json(), { status: 'fail', checks: { 'instance:draining': [{ status: 'fail' }] } })
  t.equal(await server.exited, 0)
})
