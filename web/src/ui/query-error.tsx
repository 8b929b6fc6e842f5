import { ApiProblem, Unreachable } from '../api.js'

/** Why a chart or table has nothing to show, in words. */
export function QueryError ({ error, what }: { error: Error, what: string }) {
  const text = error instanceof Unreachable
    ? `The API does not answer; ${what} will load when it does.`
    : error instanceof ApiProblem && error.status === 404
      ? `This server does not provide ${what} (${error.message}).`
      : `${what[0]!.toUpperCase()}${what.slice(1)} could not be loaded: ${error.message}`
  return <p class='muted' role='status'>{text}</p>
}
