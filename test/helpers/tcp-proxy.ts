import { createServer, connect, type Server, type Socket } from 'node:net'

interface Teardown {
  teardown(fn: () => unknown): void
}

export interface TcpProxy {
  /** The given postgres:// URL, pointed at the proxy instead. */
  proxied(url: string): string
  /** Drops every open connection and refuses new ones, like a database that went away. */
  cut(): Promise<void>
  /** Accepts connections again, on the same port. */
  restore(): Promise<void>
}

/** A TCP proxy on 127.0.0.1 in front of host:port that a test can cut and restore; closed on teardown. */
export async function startTcpProxy (t: Teardown, target: { host: string, port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let server: Server | undefined
  let port = 0

  const listen = () => new Promise<void>((resolve, reject) => {
    const s = createServer((client) => {
      const upstream = connect(target.port, target.host)
      for (const socket of [client, upstream]) {
        sockets.add(socket)
        socket.on('close', () => sockets.delete(socket))
        socket.on('error', () => { client.destroy(); upstream.destroy() })
      }
      client.pipe(upstream).pipe(client)
    })
    s.once('error', reject)
    s.listen(port, '127.0.0.1', () => {
      port = (s.address() as { port: number }).port
      server = s
      resolve()
    })
  })

  const cut = () => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy()
    sockets.clear()
    if (server === undefined) return resolve()
    server.close(() => resolve())
    server = undefined
  })

  await listen()
  t.teardown(cut)
  return {
    proxied (url: string) {
      const u = new URL(url)
      u.hostname = '127.0.0.1'
      u.port = String(port)
      return u.toString()
    },
    cut,
    restore: listen
  }
}
