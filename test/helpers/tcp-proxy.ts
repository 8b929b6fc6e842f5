import { createConnection, createServer, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'

interface Teardown { teardown(fn: () => unknown): void }

/**
 * A TCP proxy on 127.0.0.1 in front of a real server (PostgreSQL), to simulate an outage
 * without touching the server: cut() drops every open connection and refuses new ones by
 * closing them at once; restore() lets connections through again.
 */
export class TcpProxy {
  private cutOff = false
  private readonly sockets = new Set<Socket>()
  port = 0

  static async start (t: Teardown, targetHost: string, targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy()
    const server = createServer((client) => {
      proxy.track(client)
      if (proxy.cutOff) return void client.destroy()
      const upstream = createConnection({ host: targetHost, port: targetPort })
      proxy.track(upstream)
      client.pipe(upstream).pipe(client)
      const close = () => { client.destroy(); upstream.destroy() }
      client.on('error', close).on('close', close)
      upstream.on('error', close).on('close', close)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    proxy.port = (server.address() as AddressInfo).port
    t.teardown(() => new Promise<void>((resolve) => {
      for (const s of proxy.sockets) s.destroy()
      server.close(() => resolve())
    }))
    return proxy
  }

  /** The same URL, through the proxy. */
  via (url: string): string {
    const proxied = new URL(url)
    proxied.hostname = '127.0.0.1'
    proxied.port = String(this.port)
    return proxied.toString()
  }

  cut (): void {
    this.cutOff = true
    for (const s of this.sockets) s.destroy()
  }

  restore (): void {
    this.cutOff = false
  }

  private track (socket: Socket): void {
    this.sockets.add(socket)
    socket.on('close', () => this.sockets.delete(socket))
  }
}
