import type { FastifyBaseLogger } from 'fastify'
import type { FeedData, FleetSensor } from './feed-types.js'
import type { FleetRepository } from './fleet-repository.js'
import type { SummaryChange, SummaryChanges } from './summary-changes.js'

/** What a subscriber receives: first 'fleet' (every sensor it follows), then 'sensors' (those that changed). */
export interface FeedEvent {
  event: 'fleet' | 'sensors'
  /** JSON of FeedData, serialised once for all the pages that follow the whole fleet. */
  data: string
}

const feedData = (now: number, sensors: FleetSensor[]): string => JSON.stringify({ now, sensors } satisfies FeedData)

export interface FeedSubscriber {
  /** Follow this one sensor only; undefined: the whole fleet. */
  sensorId?: number
  send (event: FeedEvent): void
  /** Ends the subscriber's stream (the feed is closing). */
  close (): void
}

const RETRY_AFTER_FAILURE_MS = 1000

/** The server is closing: no new stream (answered 503, so the page retries elsewhere or later). */
export class FeedClosedError extends Error {
  readonly statusCode = 503
  constructor () {
    super('The live feed is closing')
  }
}

/**
 * One copy of the fleet per replica, shared by every open dashboard: loaded when the first page
 * subscribes, kept current from summary changes (a targeted read of the sensors that changed, or a
 * full reread, diffed), and dropped when the last page leaves, so a replica nobody watches does no
 * work for the dashboard (after a short linger, so a reload or the next page finds it ready).
 */
export class FleetFeed {
  private readonly subscribers = new Set<FeedSubscriber>()
  /** Subscribers, plus subscriptions still waiting for the fleet to load. */
  private users = 0
  private fleet: Promise<Map<number, FleetSensor>> | undefined
  private source: SummaryChanges | undefined
  private pending: Set<number> | 'all' | undefined
  private draining: Promise<void> | undefined
  private retryTimer: NodeJS.Timeout | undefined
  private lingerTimer: NodeJS.Timeout | undefined
  private closed = false

  constructor (
    private readonly repository: Pick<FleetRepository, 'all' | 'some'>,
    private readonly createSource: () => Promise<SummaryChanges>,
    private readonly log: FastifyBaseLogger,
    /** How long the fleet is kept after the last page leaves, for the next one (a reload, the next page). */
    private readonly lingerMs = 0,
    private readonly now: () => number = Date.now
  ) {}

  /** Sends the subscriber its 'fleet' event, then every change; resolves with its unsubscribe function. */
  async subscribe (subscriber: FeedSubscriber): Promise<() => void> {
    if (this.closed) throw new FeedClosedError()
    this.users++
    clearTimeout(this.lingerTimer)
    let fleet: Map<number, FleetSensor>
    try {
      fleet = await this.loaded()
      // A stream opened after close() would hold the closing server open.
      if (this.closed) throw new FeedClosedError()
    } catch (err) {
      this.release()
      throw err
    }
    this.subscribers.add(subscriber)
    subscriber.send({ event: 'fleet', data: feedData(this.now(), this.followedBy(subscriber, [...fleet.values()])) })
    let subscribed = true
    return () => {
      if (!subscribed) return
      subscribed = false
      this.subscribers.delete(subscriber)
      this.release()
    }
  }

  get subscriberCount (): number {
    return this.subscribers.size
  }

  /** Ends every stream (before the server closes: open streams would hold it) and stops listening. */
  async close (): Promise<void> {
    this.closed = true
    for (const subscriber of this.subscribers) subscriber.close()
    this.subscribers.clear()
    this.users = 0
    await this.stop()
  }

  /** The fleet, loaded once by whoever asks first; listening starts before the read, so no change falls between. */
  private loaded (): Promise<Map<number, FleetSensor>> {
    this.fleet ??= (async () => {
      const source = await this.createSource()
      this.source = source
      await source.start((change) => this.changed(change))
      try {
        return new Map((await this.repository.all()).map((sensor) => [sensor.sensor_id, sensor]))
      } catch (err) {
        await source.stop()
        throw err
      }
    })()
    const fleet = this.fleet
    fleet.catch(() => {
      if (this.fleet === fleet) {
        this.fleet = undefined
        this.source = undefined
      }
    })
    return fleet
  }

  private release (): void {
    this.users = Math.max(0, this.users - 1)
    if (this.users > 0) return
    const stop = () => { if (this.users === 0) this.stop().catch((err: unknown) => this.log.warn({ err }, 'live feed: stopping failed')) }
    if (this.lingerMs === 0 || this.closed) return stop()
    clearTimeout(this.lingerTimer)
    this.lingerTimer = setTimeout(stop, this.lingerMs)
    this.lingerTimer.unref()
  }

  private async stop (): Promise<void> {
    clearTimeout(this.retryTimer)
    clearTimeout(this.lingerTimer)
    const source = this.source
    this.fleet = undefined
    this.source = undefined
    this.pending = undefined
    await source?.stop()
  }

  private changed (change: SummaryChange): void {
    if (change === 'all' || this.pending === 'all') {
      this.pending = 'all'
    } else {
      this.pending ??= new Set()
      for (const id of change) this.pending.add(id)
    }
    this.draining ??= this.drain().finally(() => { this.draining = undefined })
  }

  /** Applies pending changes one read at a time; changes arriving meanwhile are merged into the next read. */
  private async drain (): Promise<void> {
    while (this.pending !== undefined && this.fleet !== undefined) {
      const fleetPromise = this.fleet
      const change = this.pending
      this.pending = undefined
      try {
        const fleet = await fleetPromise
        const rows = change === 'all' ? await this.repository.all() : await this.repository.some([...change])
        if (this.fleet !== fleetPromise) return // stopped (or restarted) meanwhile: that fleet is gone
        const changed = rows.filter((row) => !sameSensor(fleet.get(row.sensor_id), row))
        for (const row of changed) fleet.set(row.sensor_id, row)
        if (changed.length > 0) this.broadcast(changed)
      } catch (err) {
        this.log.warn({ err }, 'live feed: reading the changes failed; rereading the fleet shortly')
        clearTimeout(this.retryTimer)
        this.retryTimer = setTimeout(() => { if (this.fleet !== undefined) this.changed('all') }, RETRY_AFTER_FAILURE_MS)
        this.retryTimer.unref()
        return
      }
    }
  }

  private broadcast (changed: FleetSensor[]): void {
    const now = this.now()
    let wholeFleet: string | undefined
    for (const subscriber of this.subscribers) {
      if (subscriber.sensorId === undefined) {
        subscriber.send({ event: 'sensors', data: wholeFleet ??= feedData(now, changed) })
        continue
      }
      const sensors = this.followedBy(subscriber, changed)
      if (sensors.length > 0) subscriber.send({ event: 'sensors', data: feedData(now, sensors) })
    }
  }

  private followedBy (subscriber: FeedSubscriber, sensors: FleetSensor[]): FleetSensor[] {
    return subscriber.sensorId === undefined ? sensors : sensors.filter((s) => s.sensor_id === subscriber.sensorId)
  }
}

function sameSensor (a: FleetSensor | undefined, b: FleetSensor): boolean {
  return a !== undefined && a.last_seen_ms === b.last_seen_ms && a.reading_count === b.reading_count &&
    a.first_seen_ms === b.first_seen_ms && a.variables.join('\0') === b.variables.join('\0')
}
