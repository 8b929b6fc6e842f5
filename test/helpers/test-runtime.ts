import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { packageRoot } from '../../src/paths.js'

/** What a test run builds (the deploy tests' runtime): inside the checkout, git-ignored, this run's alone. */
export const testRuntimeDir = join(packageRoot, '.test-runtime')

// Run as tap's `before` and `after` script (package.json): each run starts without a build left by
// an earlier one (or a killed one), and leaves none behind.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await rm(testRuntimeDir, { recursive: true, force: true })
}
