import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { packageRoot } from '../../../src/paths.js'

export const repoFile = (path: string): string => readFileSync(join(packageRoot, path), 'utf8')

export interface ComposeService {
  image?: string
  build?: unknown
  command?: string[] | string
  init?: boolean
  restart?: string
  environment?: Record<string, string>
  healthcheck?: { test?: string[], disable?: boolean, interval?: string, timeout?: string }
  depends_on?: Record<string, { condition: string }>
  deploy?: { replicas?: number }
  stop_grace_period?: string
  labels?: Record<string, string>
  ports?: string[]
  volumes?: string[]
}

export interface ComposeFile {
  name?: string
  services: Record<string, ComposeService>
  volumes?: Record<string, unknown>
}

/** docker-compose.yml as Compose sees it before interpolation (YAML merge keys resolved). */
export function loadCompose (): ComposeFile {
  return parse(repoFile('docker-compose.yml'), { merge: true }) as ComposeFile
}

export function service (compose: ComposeFile, name: string): ComposeService {
  const found = compose.services[name]
  if (found === undefined) throw new Error(`docker-compose.yml has no service "${name}"`)
  return found
}

export function loadTraefikStatic (): Record<string, any> {
  return parse(repoFile('traefik/traefik.yml')) as Record<string, any>
}

/** A value as Compose interpolates it with an empty environment: `${VAR:-default}` becomes default. */
export function withDefaults (value: string): string {
  let previous: string
  let current = value
  do {
    previous = current
    current = current.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-([^${}]*))?\}/g, (_m, fallback: string | undefined) => fallback ?? '')
  } while (current !== previous)
  return current
}

/** Every variable name a Compose value interpolates (`${VAR}`, `${VAR:-x}`, `${VAR:?x}`, nested too). */
export function interpolatedNames (text: string): Set<string> {
  return new Set([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!))
}

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 }

/** A Go/Compose duration ("2s", "100ms", "1m30s") in milliseconds. */
export function durationMs (text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/g)]
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw new Error(`not a duration: "${text}"`)
  return parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]!]!, 0)
}

/** The environment variables the Compose service sets, with defaults applied, as numbers. */
export function envNumber (svc: ComposeService, name: string): number {
  const raw = svc.environment?.[name]
  if (raw === undefined) throw new Error(`${name} is not set on the service`)
  const value = Number(withDefaults(raw))
  if (!Number.isFinite(value)) throw new Error(`${name}=${raw} is not a number`)
  return value
}
