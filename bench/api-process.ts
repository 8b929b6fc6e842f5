import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { request } from 'undici'
import { packageRoot } from '../src/paths.js'
import getPort from 'get-port'

export interface ApiProcess {
  url: string
  stop(): Promise<void>
}

async function stop (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}

/**
 * The API in its own process (as deployed), so the load generator does not share its event loop;
 * resolves once /ready answers 200.
 */
export async function startApiProcess (databaseUrl: string, env: Record<string, string> = {}): Promise<ApiProcess> {
  const port = await getPort({ host: '127.0.0.1' })
  const child = spawn(process.execPath, ['--max-semi-space-size=32', '--import', 'tsx', join(packageRoot, 'src/server.ts')], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', READ_TOKENS: '', INGEST_TOKENS: '', ...env },
    stdio: ['ignore', 'inherit', 'inherit']
  })
  const url = `http://127.0.0.1:${port}`
  // Generous: tsx compiles the sources at start, and on a loaded machine that alone took over 30 s.
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the API exited with code ${child.exitCode} while starting`)
    try {
      const res = await request(`${url}/ready`)
      await res.body.dump()
      if (res.statusCode === 200) return { url, stop: () => stop(child) }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  child.kill('SIGKILL')
  throw new Error('the API did not become ready within 120 s')
}
