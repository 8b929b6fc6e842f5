import { formatDuration } from '../duration.js'
import { renderFleetEmbed } from '../fleet/render.js'
import type { Notification, TargetSummary } from '../notification.js'
import { fitPayload, truncate, type Embed, type EmbedField, type WebhookPayload } from './limits.js'

export const COLORS = { red: 0xd92d20, amber: 0xf79009, green: 0x12b76a, blue: 0x2e90fa } as const

export interface RenderOptions {
  roleId?: string
  username?: string
}

/** One Discord message for a batch of notifications: one embed each, a short content line, mentions locked down. */
export function renderMessage (batch: Notification[], options: RenderOptions = {}): WebhookPayload {
  const ping = options.roleId !== undefined && batch.some((n) => n.ping)
  const embeds = batch.map(renderEmbed)
  const summary = embeds.map((e) => e.title).join('\n')
  return fitPayload({
    content: ping ? `<@&${options.roleId}> ${summary}` : summary,
    ...(options.username ? { username: options.username } : {}),
    embeds,
    allowed_mentions: ping ? { parse: [], roles: [options.roleId!] } : { parse: [] }
  })
}

export function renderEmbed (n: Notification): Embed {
  if (n.kind === 'fleet') return renderFleetEmbed(n)
  const group = n.targets.length > 1
  const failing = n.targets.filter((t) => t.state !== 'up')
  const duration = n.durationMs !== undefined ? formatDuration(n.durationMs) : undefined
  let title: string
  let description: string
  let color: number
  switch (n.kind) {
    case 'down':
      color = COLORS.red
      title = `🔴 DOWN: ${n.service}`
      description = group ? `All ${n.targets.length} targets of **${n.service}** are failing.` : `**${n.service}** is down.`
      if (n.afterFlapping) description += ' It was flapping and is now stable: down.'
      break
    case 'reminder':
      color = COLORS.red
      title = `🔴 STILL DOWN: ${n.service} (${duration})`
      description = `**${n.service}** has been down for ${duration} (reminder ${n.reminderNumber ?? 1}).`
      break
    case 'resolved':
      color = COLORS.green
      title = `🟢 RESOLVED: ${n.service} after ${duration}`
      description = `**${n.service}** is back up after ${duration}.`
      if (n.afterFlapping) description += ' It was flapping and is now stable: up.'
      break
    case 'degraded':
      color = COLORS.amber
      title = `🟠 DEGRADED: ${n.service}`
      description = group
        ? `${failing.length} of ${n.targets.length} targets of **${n.service}** are failing or degraded; the service still answers.`
        : `**${n.service}** answers but reports a problem.`
      if (n.afterFlapping) description += ' It was flapping and is now stable.'
      break
    case 'flapping':
      color = COLORS.amber
      title = `🟠 FLAPPING: ${n.service}`
      description = `**${n.service}** keeps switching between up and down. Single flips are not reported; one more message follows when it is stable.`
      break
    case 'started':
      color = COLORS.blue
      title = '🔵 Watchdog started'
      description = n.text ?? ''
      break
  }
  if (n.affected && n.affected.length > 0) {
    const list = n.affected.map((t) => `• **${t.name}** ${t.url}${t.error ? ` — ${truncate(t.error, 300)}` : ''}`).join('\n')
    title += ` (root cause: ${n.affected.length} targets affected)`
    description += n.kind === 'resolved'
      ? `\n\n**Root cause** of failures on these targets, which got no alarm of their own:\n${list}`
      : `\n\n**Root cause**: these targets fail only because **${n.service}** is down; they get no alarm of their own:\n${list}`
  }

  const fields: EmbedField[] = []
  const shown = n.kind === 'resolved' || n.kind === 'started' ? n.targets : failing
  for (const target of shown) fields.push(targetField(target, n.targets.length > 1))
  if (n.since !== undefined) fields.push({ name: n.kind === 'resolved' ? 'Down from' : 'Since', value: timeValue(n.since), inline: true })
  if (n.kind === 'resolved') fields.push({ name: 'Back up at', value: timeValue(n.createdAt), inline: true })
  if (duration !== undefined) fields.push({ name: n.kind === 'resolved' ? 'Lasted' : 'Down for', value: duration, inline: true })
  if (n.failedChecks !== undefined && n.kind !== 'started') fields.push({ name: 'Failed checks', value: String(n.failedChecks), inline: true })

  return {
    title,
    description,
    color,
    fields,
    footer: { text: n.kind === 'started' ? 'iot-sensors watchdog' : `incident ${n.key}` },
    timestamp: new Date(n.createdAt).toISOString()
  }
}

/** One target's field; its own failed-check count only when the service has several targets (else the message's count is the same). */
function targetField (t: TargetSummary, withCount: boolean): EmbedField {
  const lines = [t.url]
  // Cut the error before the field limit would, so the lines after it survive.
  if (t.error && t.state !== 'up') lines.push(`Error: ${truncate(t.error, 800)}`)
  if (withCount && t.state !== 'up' && t.failedChecks > 0) lines.push(`Failed checks: ${t.failedChecks}`)
  return { name: `${t.name}: ${t.state.toUpperCase()}`, value: lines.join('\n') }
}

/** Discord renders `<t:unix:R>` as "5 minutes ago" in each reader's time zone; the ISO time is for logs and copy-paste. */
function timeValue (ms: number): string {
  return `<t:${Math.floor(ms / 1000)}:R> (${new Date(ms).toISOString()})`
}
