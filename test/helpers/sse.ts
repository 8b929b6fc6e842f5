import { createParser, type EventSourceMessage } from 'eventsource-parser'
import type { FeedData, FleetSensor } from '../../src/dashboard/feed-types.js'
import { until } from './wait.js'

interface Teardown {
  teardown(fn: () => unknown): void
}

export interface EventStream {
  status: number
  headers: Headers
  events: EventSourceMessage[]
  /** Resolves with the first event (already received or to come) that the predicate accepts. */
  waitFor (predicate: (event: EventSourceMessage) => boolean, timeoutMs?: number, what?: string): Promise<EventSourceMessage>
  /** Whether the server ended the stream. */
  ended: boolean
  close (): void
}

/** Opens a Server-Sent Events stream with fetch() and collects its events until teardown. */
export async function openEventStream (t: Teardown, url: string, headers: Record<string, string> = {}): Promise<EventStream> {
  const controller = new AbortController()
  t.teardown(() => controller.abort())
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal })
  const stream: EventStream = {
    status: res.status,
    headers: res.headers,
    events: [],
    ended: false,
    async waitFor (predicate, timeoutMs = 5000, what = 'an event') {
      let found: EventSourceMessage | undefined
      await until(() => (found = stream.events.find(predicate)) !== undefined, timeoutMs, what)
      return found!
    },
    close: () => controller.abort()
  }
  if (res.body !== null && res.ok) {
    const parser = createParser({ onEvent: (event) => stream.events.push(event) })
    void (async () => {
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
      try {
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) parser.feed(chunk.value)
      } catch {
        // aborted
      }
      stream.ended = true
    })()
  } else {
    stream.ended = true
  }
  return stream
}

/** The sensors a live feed event carries. */
export function sensorsOf (event: EventSourceMessage): FleetSensor[] {
  return (JSON.parse(event.data) as FeedData).sensors
}
