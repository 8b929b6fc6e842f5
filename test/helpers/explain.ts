import type { Pool } from 'pg'

export type PlanNode = { 'Node Type': string, 'Relation Name'?: string, Plans?: PlanNode[] }

/** A partition's name -> its partitioned parent's, for every partition in the database. */
export async function partitionParents (pool: Pick<Pool, 'query'>): Promise<Map<string, string>> {
  const { rows } = await pool.query<{ child: string, parent: string }>(`
    SELECT c.relname AS child, p.relname AS parent
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
    WHERE p.relkind = 'p'`)
  return new Map(rows.map((r) => [r.child, r.parent]))
}

/**
 * Every scan node of a plan, as "Seq Scan on readings", "Index Scan on readings", ...; a scan of a
 * partition is named after its parent when `parents` (partitionParents()) is given.
 */
export function scans (node: PlanNode, parents = new Map<string, string>()): string[] {
  const relation = node['Relation Name']
  const own = relation === undefined ? [] : [`${node['Node Type']} on ${parents.get(relation) ?? relation}`]
  return [...own, ...(node.Plans ?? []).flatMap((child) => scans(child, parents))]
}

/** The partitions of `parent` a plan reads (after planning-time pruning), in plan order. */
export function partitionsRead (node: PlanNode, parents: Map<string, string>, parent: string): string[] {
  const relation = node['Relation Name']
  const own = relation !== undefined && parents.get(relation) === parent ? [relation] : []
  return [...own, ...(node.Plans ?? []).flatMap((child) => partitionsRead(child, parents, parent))]
}

/** The plan PostgreSQL picks for `text` with `values`, without running it. */
export async function explain (pool: Pick<Pool, 'query'>, text: string, values?: unknown[]): Promise<PlanNode> {
  const { rows } = await pool.query(`EXPLAIN (FORMAT JSON) ${text}`, values)
  return rows[0]['QUERY PLAN'][0].Plan
}
