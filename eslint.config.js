import neostandard from 'neostandard'

// npm run lint: the Fastify ecosystem's style (standard), with TypeScript rules.
export default [
  ...neostandard({
    ts: true,
    ignores: ['dist/**', 'coverage/**', '.test-runtime/**', 'node_modules/**', '.tap/**', 'tap-snapshots/**']
  }),
  {
    rules: {
      // `void promise` marks a promise deliberately not awaited (a timer's run, a background fold).
      'no-void': ['error', { allowAsStatement: true }],
      // The wire format is snake_case (sensor_id, next_cursor): objects sent and received keep it.
      camelcase: ['error', { properties: 'never', ignoreDestructuring: true, ignoreImports: true }],
      // Flags set by callbacks and other async functions (`stopped`, `writing`) end these loops,
      // which the rule cannot see.
      'no-unmodified-loop-condition': 'off'
    }
  }
]
