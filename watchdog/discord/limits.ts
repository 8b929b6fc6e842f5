/** Discord's documented limits for a webhook message (characters). */
export const LIMITS = {
  content: 2000,
  embeds: 10,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  authorName: 256,
  username: 80,
  /** Sum of every embed's title, description, field names and values, footer and author name. */
  total: 6000
} as const

export interface EmbedField { name: string, value: string, inline?: boolean }
export interface Embed {
  title: string
  description?: string
  url?: string
  color: number
  fields: EmbedField[]
  footer?: { text: string }
  timestamp?: string
}
export interface WebhookPayload {
  content?: string
  username?: string
  embeds: Embed[]
  allowed_mentions: { parse: never[], roles?: string[] }
}

const ELLIPSIS = '…'

/** Mass mentions made inert with a zero-width space, wherever the text came from. */
export function neutralizeMentions (text: string): string {
  return text.replace(/@(everyone|here)/gi, '@\u200b$1')
}

/** Cuts to at most `max` UTF-16 units (never more characters than Discord counts), ending in "…", never splitting a surrogate pair. */
export function truncate (text: string, max: number): string {
  if (text.length <= max) return text
  let cut = text.slice(0, Math.max(0, max - ELLIPSIS.length))
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1)
  return cut + ELLIPSIS
}

function clean (text: string, max: number, fallback = '-'): string {
  const value = truncate(neutralizeMentions(text), max)
  return value.trim().length > 0 ? value : fallback
}

export function embedSize (embed: Embed): number {
  return embed.title.length + (embed.description?.length ?? 0) + (embed.footer?.text.length ?? 0) +
    embed.fields.reduce((sum, f) => sum + f.name.length + f.value.length, 0)
}

/**
 * Makes any payload valid for Discord by truncation: mass mentions neutralised everywhere, each
 * text within its own limit, at most 10 embeds and 25 fields each, and the whole message within
 * 6000 characters (the longest texts are shortened first). Never a 400 for size.
 */
export function fitPayload (payload: WebhookPayload): WebhookPayload {
  const embeds = payload.embeds.slice(0, LIMITS.embeds).map((embed): Embed => ({
    ...embed,
    title: clean(embed.title, LIMITS.title),
    ...(embed.description !== undefined ? { description: clean(embed.description, LIMITS.description) } : {}),
    fields: embed.fields.slice(0, LIMITS.fields).map((f) => ({ ...f, name: clean(f.name, LIMITS.fieldName), value: clean(f.value, LIMITS.fieldValue) })),
    ...(embed.footer ? { footer: { text: clean(embed.footer.text, LIMITS.footer) } } : {})
  }))

  let excess = embeds.reduce((sum, e) => sum + embedSize(e), 0) - LIMITS.total
  while (excess > 0) {
    // The longest shortenable text gives up what is needed, down to a stub.
    const texts: Array<{ get: () => string, set: (v: string) => void }> = []
    for (const embed of embeds) {
      if (embed.description !== undefined) texts.push({ get: () => embed.description!, set: (v) => { embed.description = v } })
      for (const field of embed.fields) texts.push({ get: () => field.value, set: (v) => { field.value = v } })
      texts.push({ get: () => embed.title, set: (v) => { embed.title = v } })
    }
    const longest = texts.sort((a, b) => b.get().length - a.get().length)[0]
    const length = longest?.get().length ?? 0
    if (!longest || length <= 16) {
      // Only stubs left: drop whole fields, then whole embeds, from the end.
      const withFields = [...embeds].reverse().find((e) => e.fields.length > 0)
      if (withFields) withFields.fields.pop()
      else if (embeds.length > 1) embeds.pop()
      else break
    } else {
      longest.set(truncate(longest.get(), Math.max(16, length - excess)))
    }
    excess = embeds.reduce((sum, e) => sum + embedSize(e), 0) - LIMITS.total
  }

  return {
    ...payload,
    ...(payload.content !== undefined ? { content: truncate(neutralizeMentions(payload.content), LIMITS.content) } : {}),
    ...(payload.username !== undefined ? { username: truncate(payload.username, LIMITS.username) } : {}),
    embeds
  }
}

/**
 * Untrusted text (a variable name or unit a sensor sent) made inert for a message: one line, at
 * most `max` characters, mass mentions broken, and every markdown or mention character escaped so
 * it shows as typed (`<@&1>` stays text, `**x**` is not bold).
 */
export function plainText (text: string, max = 100): string {
  // eslint-disable-next-line no-control-regex -- control characters are what it replaces
  const line = truncate(text.replace(/[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g, ' '), max)
  return neutralizeMentions(line).replace(/[\\*_~`|>#[\]()<-]/g, '\\$&')
}
