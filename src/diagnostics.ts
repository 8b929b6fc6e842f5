import diagnosticsChannel from 'node:diagnostics_channel'

/**
 * What the writer and the summary folder report, as `node:diagnostics_channel` channels: any number
 * of subscribers (the metrics plugin, tests, an APM agent) each get every message, and none can
 * unplug another. Channels are process-wide and several apps may run in one process (tests do),
 * so every message names its `source` and `subscribe()` filters by it.
 */

export interface FlushMessage {
  /** The BatchWriter that flushed. */
  source: object
  /** Distinct readings in the flush. */
  rows: number
  /** Readings it stored for the first time. */
  inserted: number
  durationS: number
}

export interface FoldMessage {
  /** The SummaryFolder that folded. */
  source: object
  /** Delta rows, pairs and readings one fold chunk folded (0 when nothing was pending). */
  deltas: number
  pairs: number
  readings: number
  durationS: number
}

export interface RollupFoldMessage {
  /** The SummaryFolder that folded. */
  source: object
  /** Queued delta rows, and the entries (one per sensor, variable and minute) they held, folded into the rollups. */
  deltas: number
  entries: number
  durationS: number
}

export interface PartitionRoundMessage {
  /** The partition service whose round it was. */
  source: object
  created: unknown[]
  dropped: unknown[]
  /** The oldest reading still stored; null when none is. */
  oldestKept: Date | null
}

export interface Topic<T> {
  readonly name: string
  readonly channel: diagnosticsChannel.Channel
  /** Sends only while someone listens: free otherwise. */
  publish (message: T): void
}

function topic<T> (name: string): Topic<T> {
  const channel = diagnosticsChannel.channel(name)
  return {
    name,
    channel,
    publish: (message) => { if (channel.hasSubscribers) channel.publish(message) }
  }
}

/** After every flush of the group-commit writer (src/ingest/writer.ts). */
export const writerFlush = topic<FlushMessage>('iot:writer:flush')
/** After every fold chunk of the summary folder (src/summary/folder.ts). */
export const summaryFold = topic<FoldMessage>('iot:summary:fold')
/** After every rollup fold chunk that folded something (src/summary/folder.ts). */
export const rollupFold = topic<RollupFoldMessage>('iot:summary:rollup-fold')

/** After every partition maintenance round (src/plugins/partitions.ts). */
export const partitionRound = topic<PartitionRoundMessage>('iot:partitions:round')

/** Calls `listener` with the messages `source` publishes on `t`; returns the unsubscribe. */
export function subscribe<T extends { source: object }> (t: Topic<T>, source: object, listener: (message: T) => void): () => void {
  const onMessage = (message: unknown) => {
    if ((message as T).source === source) listener(message as T)
  }
  diagnosticsChannel.subscribe(t.name, onMessage)
  return () => { diagnosticsChannel.unsubscribe(t.name, onMessage) }
}
