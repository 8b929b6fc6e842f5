import type { ClientBase } from 'pg'

/**
 * Whether the connection is to embedded PGlite, which serves every connection from one session:
 * prepared statement names and advisory locks are shared there, not per connection.
 */
export async function isPglite (client: Pick<ClientBase, 'query'>): Promise<boolean> {
  const { rows } = await client.query<{ pglite: boolean }>("SELECT version() LIKE '%PGlite%' AS pglite")
  return rows[0]!.pglite
}

/**
 * Names for prepared statements, so each connection plans a statement once; none on embedded
 * PGlite, where two clients' statements of the same name would collide in its one session. The
 * server is asked on first use; a failed check is asked again on the next.
 */
export class StatementNames {
  private sharedSession: boolean | undefined

  /** `name`, or undefined where statements go unnamed (planned on each run); `client` answers the check. */
  async of (name: string, client: Pick<ClientBase, 'query'>): Promise<string | undefined> {
    this.sharedSession ??= await isPglite(client)
    return this.sharedSession ? undefined : name
  }
}
