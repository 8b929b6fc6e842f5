import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The package root: the nearest folder above this module holding package.json (src/ and dist/src/ alike). */
function findPackageRoot (from: string): string {
  let dir = from
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`no package.json above ${from}`)
    dir = parent
  }
  return dir
}

export const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)))
export const migrationsDir = join(packageRoot, 'migrations')
/** Where `npm run build` puts the dashboard's front-end (web/, built by Vite). */
export const webDir = join(packageRoot, 'dist', 'web')
