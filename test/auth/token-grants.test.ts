import t from 'tap'
import { parseTokenGrants, SensorScope } from '../../src/auth/token-grants.js'
import { TokenVerifier } from '../../src/auth/require-tokens.js'

t.test('a scope holds exactly its ids and ranges', async (t) => {
  const scope = SensorScope.ranges([[731, 731], [1, 500], [498, 510], [2147483647, 2147483647]])
  for (const id of [1, 250, 500, 510, 731, 2147483647]) t.ok(scope.has(id), `${id} in`)
  for (const id of [0, 511, 730, 732, 2147483646]) t.notOk(scope.has(id), `${id} out`)
  t.equal(scope.toString(), '1-510,731,2147483647')
})

t.test('the fleet-wide scope holds every sensor', async (t) => {
  t.ok(SensorScope.all.has(0))
  t.ok(SensorScope.all.has(2147483647))
  t.ok(SensorScope.all.isAll)
})

t.test('entries are token or token:scope, separated by ; or new lines', async (t) => {
  const grants = parseTokenGrants('tokA:1-500,731;tokB:*\ntokC,tokD')
  t.same(grants.map((g) => [g.token, g.sensors.toString()]), [['tokA', '1-500,731'], ['tokB', '*'], ['tokC', '*'], ['tokD', '*']])
})

t.test('the verifier answers the scope of a configured token, and nothing for others', async (t) => {
  const verifier = new TokenVerifier([...parseTokenGrants('tokA:1-5'), 'plain'])
  t.equal(verifier.verify('Bearer tokA')?.toString(), '1-5')
  t.equal(verifier.verify('bearer plain')?.isAll, true)
  for (const header of [undefined, '', 'Bearer', 'Bearer tok', 'Bearer tokAA', 'Basic tokA', 'tokA', 'Bearer tokA x']) {
    t.equal(verifier.verify(header), undefined, String(header))
  }
})
