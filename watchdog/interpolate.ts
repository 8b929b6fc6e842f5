const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

export class InterpolationError extends Error {
  override name = 'InterpolationError'
}

/**
 * Replaces `${VAR}` (or `${VAR:-default}`) in every string of a parsed config with the
 * environment's value, so secrets such as the database URL and the webhook stay in the
 * environment. Substitution happens after parsing, so a value can never change the file's
 * structure. A reference to an unset variable without a default is an error naming the field.
 */
export function interpolateEnv (value: unknown, env: NodeJS.ProcessEnv, path = ''): unknown {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (_whole, name: string, fallback: string | undefined) => {
      const found = env[name]
      if (found !== undefined && found !== '') return found
      if (fallback !== undefined) return fallback
      throw new InterpolationError(`${path || '(root)'}: environment variable ${name} is not set`)
    })
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolateEnv(item, env, `${path}[${i}]`))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) =>
      [key, interpolateEnv(item, env, path ? `${path}.${key}` : key)]))
  }
  return value
}
