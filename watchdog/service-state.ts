import type { TargetConfig } from './config.js'
import type { Notification, TargetSummary } from './notification.js'
import { displayUrl } from './probes/result.js'
import { targetView, type TargetState } from './target-state.js'

export type ServiceStatus = 'up' | 'degraded' | 'flapping' | 'down'

export interface Incident {
  /** Also the notification key: later messages of the incident replace queued older ones. */
  id: string
  openedAt: number
  remindersSent: number
  nextReminderAt?: number
  /** Targets that failed because of this service during the incident (root cause). */
  affected: string[]
  /**
   * The most failed checks a member counted during the incident: the RESOLVED carries it, since
   * the recovering check resets the members' own counts before the RESOLVED is built.
   */
  failedChecks?: number
}

/** What the watchdog remembers about one service (persisted). */
export interface ServiceState {
  status: ServiceStatus
  incident?: Incident
}

export function initialServiceState (): ServiceState {
  return { status: 'up' }
}

/**
 * All members down (or every member that is not flapping down: it answers at best now and then):
 * down; any flapping: flapping; any down or degraded: degraded; else up.
 */
export function serviceStatus (members: TargetState[]): ServiceStatus {
  const views = members.map(targetView)
  const steady = views.filter((v) => v !== 'flapping')
  if (steady.length > 0 && steady.every((v) => v === 'down')) return 'down'
  if (views.includes('flapping')) return 'flapping'
  if (views.some((v) => v === 'down' || v === 'degraded')) return 'degraded'
  return 'up'
}

/** The reminder delay after `sent` reminders: first, first×factor, ... capped at max. */
export function reminderDelay (policy: TargetConfig['reminder'], sent: number): number {
  return Math.min(policy.firstMs * policy.factor ** sent, policy.maxMs)
}

export interface ServiceContext {
  name: string
  members: TargetConfig[]
  targets: Record<string, TargetState>
  /** Every target, to find the ones failing because of this service. */
  allTargets: TargetConfig[]
}

/**
 * Moves one service to the status its members now show and returns what to tell Discord:
 * DOWN, DEGRADED, FLAPPING or RESOLVED on a change, a REMINDER when one is due while down,
 * and an in-queue update of the DOWN when more targets turn out to be failing because of it.
 */
export function evaluateService (state: ServiceState, context: ServiceContext, now: number): Notification[] {
  const memberStates = context.members.map((m) => context.targets[m.name]!)
  const next = serviceStatus(memberStates)
  const previous = state.status
  const affectedNow = context.allTargets.filter((t) =>
    context.members.some((m) => m.name === context.targets[t.name]?.affectedBy))
  const out: Notification[] = []

  if (next !== 'up' && !state.incident) {
    const since = Math.min(now, ...memberStates.map((s) => s.troubleSince ?? now))
    state.incident = { id: `${context.name}#${since}`, openedAt: since, remindersSent: 0, affected: [] }
  }
  const incident = state.incident
  const failedChecksNow = Math.max(0, ...memberStates.map((s) => s.failedChecks))
  if (incident) incident.failedChecks = Math.max(incident.failedChecks ?? 0, failedChecksNow)
  let affectedGrew = false
  if (incident) {
    for (const t of affectedNow) {
      if (!incident.affected.includes(t.name)) {
        incident.affected.push(t.name)
        affectedGrew = true
      }
    }
  }
  state.status = next

  const base = (kind: Notification['kind']): Notification => ({
    key: incident?.id ?? `${context.name}#${now}`,
    kind,
    service: context.name,
    createdAt: now,
    ping: false,
    since: incident?.openedAt,
    failedChecks: incident?.failedChecks ?? failedChecksNow,
    targets: context.members.map((m) => summarize(m, context.targets[m.name]!)),
    ...(incident && incident.affected.length > 0
      ? { affected: incident.affected.map((name) => summarize(context.allTargets.find((t) => t.name === name)!, context.targets[name]!)) }
      : {})
  })
  const policy = context.members[0]!.reminder

  if (next !== previous) {
    if (next === 'down') {
      incident!.remindersSent = 0
      incident!.nextReminderAt = now + reminderDelay(policy, 0)
      out.push({ ...base('down'), ping: true, afterFlapping: previous === 'flapping' })
    } else if (next === 'up') {
      out.push({ ...base('resolved'), durationMs: now - (incident?.openedAt ?? now), afterFlapping: previous === 'flapping' })
      state.incident = undefined
    } else {
      incident!.nextReminderAt = undefined
      out.push(next === 'flapping' ? base('flapping') : { ...base('degraded'), afterFlapping: previous === 'flapping' })
    }
  } else if (next === 'down' && incident?.nextReminderAt !== undefined && now >= incident.nextReminderAt &&
    memberStates.every((s) => s.last?.status === 'fail')) {
    // Only while it still fails right now: no reminder on the first passing check of a recovery.
    incident.remindersSent++
    incident.nextReminderAt = now + reminderDelay(policy, incident.remindersSent)
    out.push({ ...base('reminder'), durationMs: now - incident.openedAt, reminderNumber: incident.remindersSent })
  } else if (next === 'down' && affectedGrew) {
    out.push({ ...base('down'), ping: true, onlyIfQueued: true })
  }
  return out
}

export function summarize (target: TargetConfig, state: TargetState): TargetSummary {
  const view = targetView(state)
  return {
    name: target.name,
    url: displayUrl(target.url),
    state: view,
    lastCheck: state.last?.status,
    ...(view !== 'up' || state.affectedBy ? { error: state.lastError } : {}),
    failedChecks: state.failedChecks,
    ...(state.troubleSince !== undefined ? { since: state.troubleSince } : {})
  }
}
