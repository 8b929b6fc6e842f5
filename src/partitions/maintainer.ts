import type { Pool } from 'pg'

export interface PartitionSettings {
  /** Width of one partition (PARTITION_INTERVAL), in seconds; partitions start at multiples of it since the Unix epoch. */
  intervalS: number
  /** MAX_FUTURE_SKEW_S: partitions are made ahead far enough to take every reading the API accepts. */
  maxFutureSkewS: number
  /** RETENTION_DAYS; undefined keeps everything. */
  retentionDays?: number
}

export interface CreatedPartition {
  partition: string
  /** Rows it took over from the default partition. */
  moved: number
}

export interface DroppedPartition {
  partition: string
  /** null for the partition of everything before the upgrade (no lower bound). */
  from: Date | null
  to: Date
}

export interface MaintenanceRound {
  created: CreatedPartition[]
  dropped: DroppedPartition[]
  /** The oldest reading still stored; null when none is. */
  oldestKept: Date | null
}

/** At most this many partitions are made ahead of now (a MAX_FUTURE_SKEW_S of years would ask for thousands). */
const MAX_AHEAD = 60
/** At most this many backfilled ranges leave the default partition per round. */
const ADOPT_PER_ROUND = 10

// The default partition's rows by the partition range they belong to. Rows stored in the last
// minute wait for a later round: a flush that meets a stored key tells its own rows from older
// ones by xmin, which moving the row changes (src/ingest/repository.ts, findStored).
const DEFAULT_RANGES_SQL = `
SELECT to_timestamp(floor(extract(epoch FROM ts) / $1) * $1) AS lo
FROM readings_default
GROUP BY 1
HAVING max(received_at) < now() - interval '1 minute'
ORDER BY 1
LIMIT $2`

// The oldest partition holding a row, oldest first; -infinity sorts first.
const PARTITIONS_SQL = 'SELECT name FROM readings_partitions() ORDER BY lower_bound'

// min(ts) of one partition without reading it whole: ts is the second column of the primary key,
// so each sensor's oldest reading is one index probe, and the sensors are found by skipping
// through the index (two probes per sensor, however many readings each has).
const oldestInPartitionSql = (partition: string) => `
WITH RECURSIVE s AS (
  (SELECT sensor_id FROM ${partition} ORDER BY sensor_id LIMIT 1)
  UNION ALL
  SELECT (SELECT p.sensor_id FROM ${partition} p WHERE p.sensor_id > s.sensor_id ORDER BY p.sensor_id LIMIT 1)
  FROM s WHERE s.sensor_id IS NOT NULL
)
SELECT min((SELECT min(p.ts) FROM ${partition} p WHERE p.sensor_id = s.sensor_id)) AS oldest
FROM s WHERE s.sensor_id IS NOT NULL`

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`

/**
 * Keeps `readings`' time partitions: makes them ahead of time, gives backfilled rows that landed
 * in the default partition a partition of their own, and drops those older than RETENTION_DAYS.
 * Every change runs in a database function that takes an advisory lock, so any number of
 * replicas may run rounds at once.
 */
export class PartitionMaintainer {
  constructor (private readonly pool: Pick<Pool, 'query'>, private readonly settings: PartitionSettings) {}

  /** Where the partition holding `t` starts. */
  rangeStart (t: Date): Date {
    const ms = this.settings.intervalS * 1000
    return new Date(Math.floor(t.getTime() / ms) * ms)
  }

  /** Creates the partition of the range starting at `lo` (clipped to what no partition covers), if missing. */
  async createRange (lo: Date): Promise<CreatedPartition | undefined> {
    const hi = new Date(lo.getTime() + this.settings.intervalS * 1000)
    const { rows } = await this.pool.query<{ partition: string, moved: string }>(
      'SELECT partition, moved FROM create_readings_partition($1, $2)', [lo, hi])
    return rows[0] && { partition: rows[0].partition, moved: Number(rows[0].moved) }
  }

  /** Partitions from the one holding `now` to the one holding now + MAX_FUTURE_SKEW_S, and one more. */
  async createAhead (now: Date): Promise<CreatedPartition[]> {
    const step = this.settings.intervalS * 1000
    const first = this.rangeStart(now).getTime()
    const last = Math.min(this.rangeStart(new Date(now.getTime() + this.settings.maxFutureSkewS * 1000)).getTime() + step, first + MAX_AHEAD * step)
    const created: CreatedPartition[] = []
    for (let lo = first; lo <= last; lo += step) {
      const made = await this.createRange(new Date(lo))
      if (made) created.push(made)
    }
    return created
  }

  /** Gives the default partition's rows (backfills, far-future clocks) partitions of their own. */
  async adoptDefault (limit = ADOPT_PER_ROUND): Promise<CreatedPartition[]> {
    const { rows } = await this.pool.query<{ lo: Date }>(DEFAULT_RANGES_SQL, [this.settings.intervalS, limit])
    const created: CreatedPartition[] = []
    for (const { lo } of rows) {
      const made = await this.createRange(lo)
      if (made) created.push(made)
    }
    return created
  }

  /** Drops every partition entirely older than RETENTION_DAYS before `now` (none when unset). */
  async dropExpired (now: Date): Promise<DroppedPartition[]> {
    if (this.settings.retentionDays === undefined) return []
    const cutoff = new Date(now.getTime() - this.settings.retentionDays * 86_400_000)
    // pg answers -infinity (the legacy partition's MINVALUE) as the number -Infinity.
    const { rows } = await this.pool.query<{ partition: string, lower_bound: Date | number, upper_bound: Date }>(
      'SELECT partition, lower_bound, upper_bound FROM drop_readings_partitions_before($1)', [cutoff])
    return rows.map((r) => ({
      partition: r.partition,
      from: r.lower_bound instanceof Date ? r.lower_bound : null,
      to: r.upper_bound
    }))
  }

  /** The oldest reading stored, found without a scan of any partition but the default one. */
  async oldestKept (): Promise<Date | null> {
    const { rows: inDefault } = await this.pool.query<{ oldest: Date | null }>('SELECT min(ts) AS oldest FROM readings_default')
    let oldest = inDefault[0]!.oldest
    const { rows: partitions } = await this.pool.query<{ name: string }>(PARTITIONS_SQL)
    for (const { name } of partitions) {
      const { rows } = await this.pool.query<{ oldest: Date | null }>(oldestInPartitionSql(quoteIdent(name)))
      const found = rows[0]!.oldest
      if (found === null) continue
      if (oldest === null || found < oldest) oldest = found
      // Partitions do not overlap and come oldest first: none further holds anything older.
      break
    }
    return oldest
  }

  /** One round: drop the expired, make the missing, adopt backfills. */
  async run (now = new Date()): Promise<MaintenanceRound> {
    const dropped = await this.dropExpired(now)
    const created = [...await this.createAhead(now), ...await this.adoptDefault()]
    return { created, dropped, oldestKept: await this.oldestKept() }
  }
}
