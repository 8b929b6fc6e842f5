import type { SummaryFolder } from '../summary/folder.js'
import type { SummaryRead } from './sensors-repository.js'

/**
 * On an answer that could not wait for the summary to count every reading stored before the
 * request: it counts those stored before `as_of`; `pending_readings` stored before the request
 * (fleet-wide) are not counted yet. Absent: the answer is exact as of the request.
 */
export interface Staleness {
  as_of: string
  pending_readings: number
}

export interface FoldedReadOptions {
  /** How long a read waits for that fold before it answers with what the summary holds (see Staleness). */
  waitMs: number
  /** Told of every answer marked with Staleness. */
  onStale?: () => void
}

/**
 * The read's answer if no delta was pending when it was taken. Else the same read again, once
 * the deltas it saw are folded or `waitMs` has passed, whichever comes first: exact if they were
 * folded by then, else marked with what is still pending. Two reads and a bounded wait, whatever
 * the backlog.
 */
export async function foldedRead<T> (
  read: (horizon?: string) => Promise<SummaryRead<T>>,
  summary: Pick<SummaryFolder, 'foldPast'>,
  options: FoldedReadOptions
): Promise<{ value: T, stale?: Staleness }> {
  const first = await read()
  if (first.pending === undefined) return { value: first.value }
  const horizon = first.pending.through
  await summary.foldPast(BigInt(horizon), options.waitMs)
  return answer(await read(horizon), options.onStale)
}

/** A horizon past every delta: the read counts all that are pending in its snapshot. */
const EVERY_PENDING = '9223372036854775807'

/**
 * The read's answer from the summary as it stands: one read, no wait for a fold and none started,
 * marked with what is pending in its snapshot (see Staleness). For readers that judge by `as_of`
 * anyway and poll the whole fleet (the watchdog), where waiting would add a fold and a second
 * read of every sensor to each request while ingest is busiest.
 */
export async function summaryAsItStands<T> (
  read: (horizon?: string) => Promise<SummaryRead<T>>,
  onStale?: () => void
): Promise<{ value: T, stale?: Staleness }> {
  return answer(await read(EVERY_PENDING), onStale)
}

/** A read taken up to a horizon as an answer: exact, or marked with what it found still pending. */
function answer<T> (read: SummaryRead<T>, onStale?: () => void): { value: T, stale?: Staleness } {
  if (read.pending === undefined) return { value: read.value }
  onStale?.()
  return { value: read.value, stale: { as_of: read.pending.as_of!, pending_readings: Number(read.pending.readings) } }
}
