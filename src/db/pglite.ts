import type { ClientBase } from 'pg'

/**
 * Whether the connection is to embedded PGlite, which serves every connection from one session:
 * prepared statement names and advisory locks are shared there, not per connection.
 */
export async function isPglite (client: Pick<ClientBase, 'query'>): Promise<boolean> {
  const { rows } = await client.query<{ pglite: boolean }>("SELECT version() LIKE '%PGlite%' AS pglite")
  return rows[0]!.pglite
}
