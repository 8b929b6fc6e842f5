import net from 'node:net'

/** A TCP proxy on 127.0.0.1 in front of a real server, which a test can cut or freeze. */
export interface TcpProxy {
  port: number
  /** Drops every open connection and refuses new ones until restore(): a crashed server. */
  cut(): void
  /** Stops forwarding bytes but keeps connections open: a server that hangs or a silent network. */
  freeze(): void
  restore(): void
  close(): Promise<void>
}

export async function startTcpProxy (targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>()
  let mode: 'up' | 'cut' | 'frozen' = 'up'
  const track = (s: net.Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => s.destroy())
  }
  const server = net.createServer((client) => {
    track(client)
    if (mode === 'cut') {
      client.destroy()
      return
    }
    const upstream = net.connect(targetPort, targetHost)
    track(upstream)
    client.pipe(upstream).pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
    if (mode === 'frozen') { client.pause(); upstream.pause() }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    cut () {
      mode = 'cut'
      for (const s of sockets) s.destroy()
    },
    freeze () {
      mode = 'frozen'
      for (const s of sockets) s.pause()
    },
    restore () {
      mode = 'up'
      for (const s of sockets) s.resume()
    },
    close () {
      for (const s of sockets) s.destroy()
      return new Promise((resolve) => server.close(() => resolve()))
    }
  }
}

/** The same database URL, reached through the proxy. */
export function throughProxy (databaseUrl: string, proxy: TcpProxy): string {
  const url = new URL(databaseUrl)
  url.hostname = '127.0.0.1'
  url.port = String(proxy.port)
  return url.toString()
}
