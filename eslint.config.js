import neostandard from 'neostandard'

// npm run lint: the Fastify ecosystem's style (standard), with TypeScript rules.
export default [
  ...neostandard({
    ts: true,
    ignores: ['dist/**', 'coverage/**', '.test-runtime/**', 'node_modules/**', '.tap/**', 'tap-snapshots/**']
  })
]
