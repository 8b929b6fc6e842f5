import type { Logger } from 'pino'
import { Agent, request } from 'undici'
import { sleep, systemClock, type Clock } from './clock.js'
import type { TargetConfig, WatchdogConfig } from './config.js'
import { WebhookSender } from './discord/sender.js'
import { FleetReader, type FleetSnapshot } from './fleet/reader.js'
import { evaluateFleet, initialFleetState, openFleetIncidents, type FleetState } from './fleet/state.js'
import type { Notification } from './notification.js'
import { probeHttp } from './probes/http.js'
import { probePostgres } from './probes/postgres.js'
import { describeError, type ProbeResult } from './probes/result.js'
import { evaluateService, initialServiceState, type ServiceState } from './service-state.js'
import { StateStore } from './state-store.js'
import { initialTargetState, recordCheck, type TargetState } from './target-state.js'
import { version } from '../src/version.js'

export interface WatchdogDeps {
  logger: Logger
  clock?: Clock
}

export interface HealthReport {
  status: 'pass' | 'warn' | 'fail'
  body: Record<string, unknown>
}

/**
 * Polls every target on its own interval (a target's checks never overlap), runs the incident
 * state machine per target and per service, hands notifications to the Discord sender, and
 * persists its state after every change.
 */
export class Watchdog {
  readonly clock: Clock
  readonly store: StateStore
  sender!: WebhookSender
  private targets: Record<string, TargetState> = {}
  private services: Record<string, ServiceState> = {}
  private fleet: FleetState = initialFleetState()
  private fleetReader?: FleetReader
  private fleetDueAt?: number
  /** The last fleet evaluation, for /health. */
  lastFleet?: { at: number, durationMs: number, sensors?: number, requests?: number, error?: string, ingestError?: string, blocked: boolean }
  private readonly nextDueAt = new Map<string, number>()
  private readonly probeAgent = new Agent({ keepAliveTimeout: 1000, keepAliveMaxTimeout: 1000 })
  private readonly stopping = new AbortController()
  private loop?: Promise<void>
  private heartbeats = new Set<Promise<void>>()
  private startedAt = 0
  lastRoundAt?: number
  private lastRoundError?: string

  constructor (readonly config: WatchdogConfig, private readonly deps: WatchdogDeps) {
    this.clock = deps.clock ?? systemClock
    this.store = new StateStore(config.stateFile, deps.logger)
  }

  /** Loads the state file, prepares the sender with what was left unsent, and queues "watchdog started". */
  async init (): Promise<void> {
    const saved = await this.store.load()
    const now = this.clock.now()
    this.startedAt = now
    for (const target of this.config.targets) {
      this.targets[target.name] = saved?.targets[target.name] ?? initialTargetState()
      this.services[target.service] ??= saved?.services[target.service] ?? initialServiceState()
      this.nextDueAt.set(target.name, now)
    }
    if (this.config.fleet) {
      this.fleet = saved?.fleet ?? initialFleetState()
      this.fleetReader = new FleetReader(this.config.fleet, this.probeAgent)
      this.fleetDueAt = now
    }
    const { discord } = this.config
    this.sender = new WebhookSender({
      webhookUrl: discord.webhookUrl,
      clock: this.clock,
      logger: this.deps.logger,
      coalesceMs: discord.coalesceMs,
      requestTimeoutMs: discord.requestTimeoutMs,
      maxBackoffMs: discord.maxBackoffMs,
      render: { roleId: discord.roleId, username: discord.username },
      queue: (saved?.unsent ?? []).filter((n) => n.kind !== 'started'),
      onChange: () => { void this.persist() }
    })
    this.sender.enqueue(this.startedNotification(now))
    await this.persist()
  }

  /** Runs the check loop until stop(). */
  start (): void {
    this.loop ??= this.runLoop()
  }

  async stop (): Promise<void> {
    this.stopping.abort()
    await this.loop
    await this.sender.stop()
    await Promise.allSettled(this.heartbeats)
    await this.persist()
    await this.probeAgent.close()
  }

  /** One round: checks every target that is due (in parallel), then judges every service. */
  async runDue (): Promise<void> {
    const roundStart = this.clock.now()
    const due = this.config.targets.filter((t) => (this.nextDueAt.get(t.name) ?? 0) <= roundStart)
    const fleetDue = this.fleetDueAt !== undefined && this.fleetDueAt <= roundStart
    // The fleet is read while the targets are checked; it is judged after them (root cause first).
    const fleetRead = fleetDue ? this.readFleet() : undefined
    const results = await Promise.all(due.map(async (target) => [target, await this.probe(target, roundStart)] as const))
    for (const [target] of results) {
      const previousDue = this.nextDueAt.get(target.name) ?? roundStart
      this.nextDueAt.set(target.name, Math.max(previousDue + target.intervalMs, roundStart))
    }
    // A dependency's result is recorded first, so its dependants can be judged against it.
    results.sort(([a], [b]) => a.dependsOn.length - b.dependsOn.length)
    for (const [target, result] of results) {
      recordCheck(this.targets[target.name]!, result, target, this.blamedDependency(target, result))
    }
    const now = this.clock.now()
    for (const notification of this.evaluateServices(now)) this.sender.enqueue(notification)
    if (fleetRead) {
      this.fleetDueAt = Math.max(this.fleetDueAt! + this.config.fleet!.intervalMs, roundStart)
      for (const notification of this.evaluateFleet(await fleetRead, roundStart)) this.sender.enqueue(notification)
    }
    await this.persist()
    this.lastRoundAt = now
    this.pingHeartbeat()
  }

  /** When the next target is due: how long the loop sleeps. */
  nextDueIn (): number {
    return Math.max(0, Math.min(...this.nextDueAt.values(), this.fleetDueAt ?? Infinity) - this.clock.now())
  }

  health (): HealthReport {
    const now = this.clock.now()
    const discord = this.sender.status()
    const maxInterval = Math.max(...this.config.targets.map((t) => t.intervalMs + t.timeoutMs))
    const roundAge = now - (this.lastRoundAt ?? this.startedAt)
    const roundsOk = roundAge <= 3 * maxInterval
    // warn: the last attempt failed and is being retried, a 429 included (Discord is reachable
    // but the message is not delivered yet: the alert is late, which the operator should see).
    const discordStatus = discord.disabled ? 'fail' : discord.retrying ? 'warn' : 'pass'
    // A fleet read that fails is reported here, never as sensor alarms.
    const fleetStatus = this.lastFleet?.error ? 'warn' : 'pass'
    const status = !roundsOk || discordStatus === 'fail' ? 'fail' : discordStatus === 'warn' || fleetStatus === 'warn' ? 'warn' : 'pass'
    const time = new Date(now).toISOString()
    return {
      status,
      body: {
        status,
        version,
        serviceId: 'iot-sensors-watchdog',
        uptime_s: Math.round((now - this.startedAt) / 1000),
        lastRoundAt: this.lastRoundAt === undefined ? null : new Date(this.lastRoundAt).toISOString(),
        discord: {
          ...discord,
          lastSuccessAt: discord.lastSuccessAt === undefined ? null : new Date(discord.lastSuccessAt).toISOString(),
          lastErrorAt: discord.lastErrorAt === undefined ? null : new Date(discord.lastErrorAt).toISOString()
        },
        incidents: Object.entries(this.services)
          .filter(([, s]) => s.incident)
          .map(([service, s]) => ({ service, status: s.status, since: new Date(s.incident!.openedAt).toISOString() })),
        ...(this.config.fleet ? { fleet: this.fleetHealth() } : {}),
        checks: {
          ...(this.config.fleet
            ? {
                'fleet:evaluation': [{
                  componentType: 'component',
                  status: fleetStatus,
                  time,
                  ...(this.lastFleet?.sensors !== undefined ? { observedValue: this.lastFleet.sensors, observedUnit: 'sensors seen' } : {}),
                  ...(this.lastFleet?.error ? { output: this.lastFleet.error } : {})
                }]
              }
            : {}),
          'discord:webhook': [{
            componentType: 'component',
            status: discordStatus,
            time,
            observedValue: discord.queued,
            observedUnit: 'queued messages',
            ...(discord.disabled ? { output: `webhook disabled: ${discord.disabledReason}` } : discord.retrying ? { output: discord.lastError } : {})
          }],
          'watchdog:rounds': [{
            componentType: 'system',
            status: roundsOk ? 'pass' : 'fail',
            time,
            observedValue: Math.round(roundAge / 1000),
            observedUnit: 's since last completed round',
            ...(this.lastRoundError ? { output: this.lastRoundError } : {})
          }]
        }
      }
    }
  }

  /** The state as saved to disk. */
  snapshot () {
    return { version: 1 as const, savedAt: this.clock.now(), targets: this.targets, services: this.services, unsent: this.sender?.unsent() ?? [], ...(this.config.fleet ? { fleet: this.fleet } : {}) }
  }

  private persist (): Promise<void> {
    return this.store.save(this.snapshot())
  }

  private async probe (target: TargetConfig, at: number): Promise<ProbeResult> {
    return target.type === 'postgres'
      ? probePostgres(target, at)
      : probeHttp(target, this.probeAgent, at)
  }

  /** The dependency a failure belongs to: the target blames its datastore and that dependency is failing too. */
  private blamedDependency (target: TargetConfig, result: ProbeResult): string | undefined {
    if (result.status !== 'fail' || !result.dependencyFailure) return undefined
    return target.dependsOn.find((name) => this.targets[name]?.last?.status === 'fail')
  }

  private evaluateServices (now: number): Notification[] {
    const out: Notification[] = []
    for (const [name, state] of Object.entries(this.services)) {
      const members = this.config.targets.filter((t) => t.service === name)
      out.push(...evaluateService(state, { name, members, targets: this.targets, allTargets: this.config.targets }, now))
    }
    return out
  }

  private async readFleet (): Promise<{ snapshot?: FleetSnapshot, error?: string, durationMs: number }> {
    const started = performance.now()
    try {
      const snapshot = await this.fleetReader!.read()
      return { snapshot, durationMs: Math.round(performance.now() - started) }
    } catch (err) {
      return { error: describeError(err), durationMs: Math.round(performance.now() - started) }
    }
  }

  /** Judges the fleet read; while the API or its database is down, sensors are not called silent. */
  private evaluateFleet (read: { snapshot?: FleetSnapshot, error?: string, durationMs: number }, at: number): Notification[] {
    const fleet = this.config.fleet!
    const blocked = fleet.dependsOn.some((name) => {
      const target = this.config.targets.find((t) => t.name === name)
      return target !== undefined && this.services[target.service]?.status === 'down'
    })
    if (read.error) this.deps.logger.warn({ error: read.error }, 'fleet read failed; not evaluated')
    this.lastFleet = {
      at,
      durationMs: read.durationMs,
      blocked,
      ...(read.snapshot ? { sensors: read.snapshot.lastSeen.size, requests: read.snapshot.requests } : {}),
      ...(read.error ? { error: read.error } : {}),
      ...(read.snapshot?.ingestError ? { ingestError: read.snapshot.ingestError } : {})
    }
    return evaluateFleet(this.fleet, read.snapshot, { config: fleet, now: this.clock.now(), blocked })
  }

  private fleetHealth (): Record<string, unknown> {
    const last = this.lastFleet
    const open = openFleetIncidents(this.fleet)
    return {
      lastEvaluationAt: last ? new Date(last.at).toISOString() : null,
      durationMs: last?.durationMs ?? null,
      sensorsSeen: last?.sensors ?? null,
      requests: last?.requests ?? null,
      rootCauseHold: last?.blocked ?? false,
      graceUntil: this.fleet.graceUntil === undefined ? null : new Date(this.fleet.graceUntil).toISOString(),
      lastError: last?.error ?? null,
      ingestCheck: last?.ingestError ?? (last?.sensors !== undefined && this.config.fleet!.ingestStallMs > 0 ? 'ok' : null),
      openIncidents: {
        blackoutSince: open.blackoutSince === undefined ? null : new Date(open.blackoutSince).toISOString(),
        silent: open.silent,
        firing: open.firing
      }
    }
  }

  private startedNotification (now: number): Notification {
    const byService = new Map<string, string[]>()
    for (const t of this.config.targets) byService.set(t.service, [...(byService.get(t.service) ?? []), t.name])
    const watching = [...byService].map(([service, names]) =>
      names.length === 1 && names[0] === service ? `**${service}**` : `**${service}** (${names.join(', ')})`)
    const open = Object.entries(this.services).filter(([, s]) => s.incident)
    const incidents = open.length === 0
      ? 'No open incidents.'
      : `Open incidents carried over: ${open.map(([service, s]) => `**${service}** ${s.status.toUpperCase()} since <t:${Math.floor(s.incident!.openedAt / 1000)}:R>`).join(', ')}.`
    const fleet = this.config.fleet ? ` ${this.fleetStartedText()}` : ''
    return {
      key: `started#${now}`,
      kind: 'started',
      service: 'watchdog',
      createdAt: now,
      ping: false,
      targets: [],
      text: `Watching ${this.config.targets.length} targets: ${watching.join(', ')}. ${incidents}${fleet}`
    }
  }

  private fleetStartedText (): string {
    const open = openFleetIncidents(this.fleet)
    const parts = [
      ...(open.blackoutSince !== undefined ? [`**FLEET blackout** since <t:${Math.floor(open.blackoutSince / 1000)}:R>`] : []),
      ...(open.silent > 0 ? [`${open.silent} silent sensor${open.silent === 1 ? '' : 's'}`] : []),
      ...Object.entries(open.firing).map(([rule, n]) => `**${rule}** firing on ${n} sensor${n === 1 ? '' : 's'}`)
    ]
    return parts.length === 0 ? 'Fleet: no open incidents.' : `Open fleet incidents carried over: ${parts.join(', ')}.`
  }

  private async runLoop (): Promise<void> {
    while (!this.stopping.signal.aborted) {
      try {
        await this.runDue()
        this.lastRoundError = undefined
      } catch (err) {
        this.lastRoundError = describeError(err)
        this.deps.logger.error({ err }, 'watchdog round failed')
      }
      await sleep(this.clock, Math.max(this.nextDueIn(), 50), this.stopping.signal)
    }
  }

  /** Dead-man's switch: an outside monitor that alerts when these pings stop. */
  private pingHeartbeat (): void {
    const url = this.config.heartbeatUrl
    if (!url) return
    const ping = request(url, { method: 'GET', signal: AbortSignal.timeout(5000) })
      .then((res) => res.body.dump())
      .catch((err) => this.deps.logger.warn({ err: describeError(err) }, 'heartbeat ping failed'))
      .finally(() => this.heartbeats.delete(ping))
    this.heartbeats.add(ping)
  }
}
