import type { TargetConfig } from './config.js'
import type { CheckStatus, ProbeResult } from './probes/result.js'

export type Level = 'up' | 'degraded' | 'down'

/** What the watchdog remembers about one target (persisted). */
export interface TargetState {
  /** Recent check outcomes, oldest first; checks explained by a down dependency are not in it. */
  history: CheckStatus[]
  /** The level after thresholds: a worse level needs failure_threshold checks, a better one success_threshold. */
  level: Level
  flapping: boolean
  /** First non-passing check of the current trouble; cleared once the target is up again. */
  troubleSince?: number
  /** Failed checks since troubleSince. */
  failedChecks: number
  last?: ProbeResult
  lastError?: string
  /** The dependency (target name) that explains the latest failure, if any. */
  affectedBy?: string
}

const RANK: Record<CheckStatus, number> = { pass: 0, warn: 1, fail: 2 }
const LEVELS: Level[] = ['up', 'degraded', 'down']

export function initialTargetState (): TargetState {
  return { history: [], level: 'up', flapping: false, failedChecks: 0 }
}

/**
 * Records one check. `affectedBy` names a dependency that is failing and that the target blames
 * (its /ready says its database fails): such a check neither opens nor closes anything for the
 * target itself, it is the dependency's incident.
 */
export function recordCheck (state: TargetState, result: ProbeResult, target: TargetConfig, affectedBy?: string): void {
  state.last = result
  if (result.error) state.lastError = result.error
  state.affectedBy = affectedBy
  if (affectedBy) return

  const capacity = Math.max(target.failureThreshold, target.successThreshold, target.flapping.window, target.flapping.stableChecks)
  state.history.push(result.status)
  if (state.history.length > capacity) state.history.splice(0, state.history.length - capacity)
  if (result.status !== 'pass' && state.troubleSince === undefined) state.troubleSince = result.at
  if (result.status === 'fail') state.failedChecks++

  const current = LEVELS.indexOf(state.level)
  const recentFailures = state.history.slice(-target.failureThreshold)
  if (recentFailures.length === target.failureThreshold) {
    const worstSustained = Math.min(...recentFailures.map((s) => RANK[s]))
    if (worstSustained > current) state.level = LEVELS[worstSustained]!
  }
  const recentSuccesses = state.history.slice(-target.successThreshold)
  if (recentSuccesses.length === target.successThreshold) {
    const bestSustained = Math.max(...recentSuccesses.map((s) => RANK[s]))
    if (bestSustained < LEVELS.indexOf(state.level)) state.level = LEVELS[bestSustained]!
  }

  updateFlapping(state, target)
  if (state.level === 'up' && result.status === 'pass' && !state.flapping) {
    state.troubleSince = undefined
    state.failedChecks = 0
  }
}

/** Flapping: at least `threshold` up/down changes within the last `window` checks; stable again after `stable_checks` alike. */
function updateFlapping (state: TargetState, target: TargetConfig): void {
  const failed = state.history.map((s) => s === 'fail')
  if (!state.flapping) {
    const recent = failed.slice(-target.flapping.window)
    const changes = recent.filter((f, i) => i > 0 && f !== recent[i - 1]).length
    if (changes >= target.flapping.threshold) state.flapping = true
  } else {
    const recent = failed.slice(-target.flapping.stableChecks)
    if (recent.length === target.flapping.stableChecks && recent.every((f) => f === recent[0])) {
      state.flapping = false
      // Forget the flips, so the next flapping period is judged on fresh checks.
      state.history = state.history.slice(-target.flapping.stableChecks)
    }
  }
}

/** How the target counts for its service. */
export function targetView (state: TargetState): Level | 'flapping' {
  return state.flapping ? 'flapping' : state.level
}
