import { z } from 'zod'

/** An opaque page cursor: the last item's sort key as base64url JSON. */
export function encodeCursor (position: object): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url')
}

/** Longer than any cursor this API issues (a position of at most a 100-character variable). */
export const MAX_CURSOR_LENGTH = 1024

/**
 * A `cursor` query parameter decoding to the given position schema; anything else is a 400. The
 * schema must check every field as strictly as a query parameter: what it lets through reaches
 * PostgreSQL.
 */
export function cursorParam<T extends z.ZodType> (position: T) {
  const message = 'is not a cursor this endpoint issued; pass next_cursor from the previous page unchanged'
  return z.string({ error: message }).transform((text, ctx): z.output<T> => {
    let decoded: unknown
    try {
      decoded = text.length <= MAX_CURSOR_LENGTH && /^[A-Za-z0-9_-]+$/.test(text) ? JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) : undefined
    } catch {
      decoded = undefined
    }
    const result = position.safeParse(decoded)
    if (!result.success) {
      ctx.addIssue({ code: 'custom', message })
      return z.NEVER
    }
    return result.data
  })
}
