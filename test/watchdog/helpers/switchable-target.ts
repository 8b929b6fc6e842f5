import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** ok: 200 health+json pass; warn: 200 "warn"; fail: 500 text; hang: never answers; dbfail: 503 blaming postgres, like the API's /ready; slow: "ok" after slowMs. */
export type TargetMode = 'ok' | 'warn' | 'fail' | 'hang' | 'dbfail' | 'slow'

interface Teardown { teardown(fn: () => unknown): void }

/** A real HTTP target on 127.0.0.1 whose answer the test switches. */
export class SwitchableTarget {
  mode: TargetMode = 'ok'
  /** The text of a failure ("fail": the body; "dbfail": the check's output). */
  failureText = 'internal error'
  slowMs = 300
  hits = 0
  url = ''
  private readonly hanging = new Set<ServerResponse>()

  static async start (t: Teardown, mode: TargetMode = 'ok'): Promise<SwitchableTarget> {
    const target = new SwitchableTarget()
    target.mode = mode
    const server = createServer((_req, res) => target.answer(res))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    target.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ready`
    t.teardown(() => new Promise<void>((resolve) => {
      for (const res of target.hanging) res.destroy()
      server.closeAllConnections()
      server.close(() => resolve())
    }))
    return target
  }

  private answer (res: ServerResponse): void {
    this.hits++
    const time = new Date().toISOString()
    const health = (code: number, status: string, checks: Record<string, unknown[]>) => {
      res.writeHead(code, { 'content-type': 'application/health+json' })
      res.end(JSON.stringify({ status, version: '0.1.0', serviceId: 'iot-sensors-service', instance_id: 'fake', uptime_s: 1, checks }))
    }
    switch (this.mode) {
      case 'ok': return health(200, 'pass', { 'postgres:connection': [{ componentType: 'datastore', status: 'pass', time }] })
      case 'warn': return health(200, 'warn', { 'disk:utilization': [{ componentType: 'system', status: 'warn', time, output: 'disk 91% full' }] })
      case 'dbfail': return health(503, 'fail', {
        'postgres:connection': [{ componentType: 'datastore', status: 'fail', time, output: this.failureText }],
        'instance:draining': [{ componentType: 'system', status: 'pass', time }]
      })
      case 'fail':
        res.writeHead(500, { 'content-type': 'text/plain' })
        res.end(this.failureText)
        return
      case 'slow': {
        const timer = setTimeout(() => health(200, 'pass', {}), this.slowMs)
        res.on('close', () => clearTimeout(timer))
        return
      }
      case 'hang':
        this.hanging.add(res)
        res.on('close', () => this.hanging.delete(res))
    }
  }
}
