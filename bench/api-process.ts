import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'

export interface ApiProcess {
  origin: string
  stop(): Promise<void>
}

/** Runs the API as its own process (as in production), so the load generator does not share its event loop. */
export async function startApiProcess (env: Record<string, string>): Promise<ApiProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const origin = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (chunk) => {
      out += chunk
      const m = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m) resolve(m[1]!)
    })
    child.once('exit', (code) => reject(new Error(`API exited with ${code} before listening`)))
  })
  return {
    origin,
    async stop () {
      child.kill('SIGTERM')
      await once(child, 'exit')
    }
  }
}
