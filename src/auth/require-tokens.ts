import type { FastifyInstance } from 'fastify'
import bearerAuth from '@fastify/bearer-auth'
import { PROBLEM_CONTENT_TYPE, problem } from '../problem.js'

/**
 * Any of the configured tokens, as `Authorization: Bearer <token>`, for every route of the
 * calling (encapsulated) plugin; none configured: open.
 */
export async function requireTokens (fastify: FastifyInstance, tokens: string[]): Promise<void> {
  if (tokens.length === 0) return
  await fastify.register(bearerAuth, {
    keys: new Set(tokens),
    contentType: PROBLEM_CONTENT_TYPE,
    verifyErrorLogLevel: 'warn',
    // The plugin sends whatever this returns; its typings insist on `{ error }` only.
    errorResponse: (() => problem(401, 'Send Authorization: Bearer <token> with a valid token', 'unauthorized')) as unknown as (err: Error) => { error: string }
  })
}
