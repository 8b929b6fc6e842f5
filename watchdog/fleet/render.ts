import { COLORS } from '../discord/render.js'
import { plainText, type Embed, type EmbedField } from '../discord/limits.js'
import { formatDuration } from '../duration.js'
import type { Notification } from '../notification.js'
import type { FleetEntry, FleetMessage } from './message.js'

/** Room for the sensor list of one embed, within the description limit (4096); the sender puts embeds that would pass 6000 together in separate messages. */
export const LIST_BUDGET = 3500

/** One embed for a fleet notification: counts, share, the sensors (as many as fit, then "+N more"). */
export function renderFleetEmbed (n: Notification): Embed {
  const m = n.fleet!
  const sensors = new Set(m.entries.map((e) => e.sensorId)).size
  const plural = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`
  const share = (k: number) => `${formatShare(m.fleetSize === 0 ? 0 : k / m.fleetSize)} of ${m.fleetSize}`
  const rule = m.rule
  const condition = rule ? `${plainText(rule.variable)} ${rule.op === 'above' ? '>' : '<'} ${rule.threshold}` : ''
  const after = m.silenceAfterMs !== undefined ? formatDuration(m.silenceAfterMs) : ''
  let title: string
  let description: string
  let color: number
  let list = m.entries
  switch (m.event) {
    case 'silent':
      color = COLORS.red
      title = `🔴 SILENT: ${plural(sensors, 'sensor')} (${share(sensors)})`
      description = `${plural(sensors, 'sensor')} sent no reading${m.entries.some((e) => e.variable !== undefined) ? ' of a variable' : ''} for ${after} or more. Longest silent first:`
      list = [...list].sort((a, b) => (a.lastSeen ?? 0) - (b.lastSeen ?? 0) || a.sensorId - b.sensorId)
      break
    case 'still-silent':
      color = COLORS.red
      title = `🔴 STILL SILENT: ${plural(sensors, 'sensor')}`
      description = `Still no reading for ${after} or more. Longest silent first:`
      list = [...list].sort((a, b) => (a.lastSeen ?? 0) - (b.lastSeen ?? 0) || a.sensorId - b.sensorId)
      break
    case 'back':
      color = COLORS.green
      title = `🟢 BACK: ${plural(sensors, 'sensor')}`
      description = 'Readings arrive again (silent for):'
      list = [...list].sort((a, b) => (b.durationMs ?? 0) - (a.durationMs ?? 0) || a.sensorId - b.sensorId)
      break
    case 'firing':
    case 'still-firing':
      color = COLORS.red
      title = `🔴 ${m.event === 'firing' ? 'FIRING' : 'STILL FIRING'}: ${rule!.name} on ${plural(sensors, 'sensor')} (${condition})`
      description = `Latest ${plainText(rule!.variable)} ${rule!.op} ${rule!.threshold}${m.event === 'firing' ? '' : ' still'}; resolves ${rule!.op === 'above' ? 'below' : 'above'} ${rule!.clear}:`
      list = [...list].sort((a, b) => a.sensorId - b.sensorId)
      break
    case 'rule-resolved':
      color = COLORS.green
      title = `🟢 RESOLVED: ${rule!.name} on ${plural(sensors, 'sensor')}`
      description = `Latest ${plainText(rule!.variable)} back ${rule!.op === 'above' ? 'below' : 'above'} ${rule!.clear} (fired for):`
      list = [...list].sort((a, b) => a.sensorId - b.sensorId)
      break
    case 'rule-flapping':
      color = COLORS.amber
      title = `🟠 FLAPPING: ${rule!.name} on ${plural(sensors, 'sensor')}`
      description = `These keep firing and resolving (${condition}); single flips are not reported, one more message follows when each is stable:`
      break
    case 'blackout':
      color = COLORS.red
      title = `🔴 FLEET BLACKOUT: ${m.reason === 'ingest' ? 'ingest stopped' : `${m.silentCount} of ${m.fleetSize} sensors silent`}`
      description = `${m.reason === 'ingest' ? 'No reading was stored fleet-wide' : `${formatShare((m.silentCount ?? 0) / Math.max(1, m.fleetSize))} of the fleet sent no reading for ${after}`}: the cause is upstream (a gateway, the network or the API). No per-sensor alarms are sent while it lasts.`
      list = []
      break
    case 'blackout-reminder':
      color = COLORS.red
      title = `🔴 FLEET STILL BLACKED OUT (${formatDuration(n.durationMs ?? 0)})`
      description = `${m.silentCount} of ${m.fleetSize} sensors silent.`
      list = []
      break
    case 'blackout-resolved':
      color = COLORS.green
      title = `🟢 RESOLVED: FLEET blackout after ${formatDuration(n.durationMs ?? 0)}`
      description = 'Readings arrive again; sensors still silent follow in their own message.'
      list = []
      break
  }
  if (m.afterBlackout) description = `After the fleet blackout. ${description}`
  if (list.length > 0) description += `\n${sensorList(list, m)}`
  if (m.retired) description += `\n${plural(m.retired, 'sensor')} silent longer than retire_after are retired: no more reminders.`
  const fields: EmbedField[] = []
  if (n.since !== undefined) fields.push({ name: 'Since', value: `<t:${Math.floor(n.since / 1000)}:R>`, inline: true })
  if (m.dashboardUrl) fields.push({ name: 'Dashboard', value: `${m.dashboardUrl}/`, inline: true })
  return {
    title,
    description,
    ...(m.dashboardUrl ? { url: `${m.dashboardUrl}/` } : {}),
    color,
    fields,
    footer: { text: n.key },
    timestamp: new Date(n.createdAt).toISOString()
  }
}

/** The sensors, comma-separated, as many as fit LIST_BUDGET, then "+N more". */
export function sensorList (entries: FleetEntry[], m: Pick<FleetMessage, 'dashboardUrl'>): string {
  const items: string[] = []
  let length = 0
  for (const [i, entry] of entries.entries()) {
    const item = sensorItem(entry, m.dashboardUrl)
    const rest = entries.length - i - 1
    // Keep room for the "+N more" that would follow.
    const tail = rest > 0 ? ` +${rest} more`.length : 0
    if (length + item.length + 2 + tail > LIST_BUDGET) {
      items.push(`+${entries.length - i} more`)
      break
    }
    items.push(item)
    length += item.length + 2
  }
  return items.join(', ')
}

function sensorItem (e: FleetEntry, dashboardUrl?: string): string {
  const id = dashboardUrl ? `[${e.sensorId}](${dashboardUrl}/sensors/${e.sensorId})` : `\`${e.sensorId}\``
  const parts = [id]
  if (e.variable !== undefined) parts.push(plainText(e.variable, 40))
  if (e.value !== undefined) parts.push(`${formatValue(e.value)}${e.unit ? ` ${plainText(e.unit, 20)}` : ''}`)
  if (e.durationMs !== undefined) parts.push(`(${formatDuration(e.durationMs)})`)
  return parts.join(' ')
}

function formatValue (value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)))
}

function formatShare (share: number): string {
  return `${Math.round(share * 1000) / 10}%`
}
