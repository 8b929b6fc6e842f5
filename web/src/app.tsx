import { useCallback, useState } from 'preact/hooks'
import { getJson, Unauthorized } from './api.js'
import { UnauthorizedContext } from './auth.js'
import { FleetPage } from './fleet/fleet-page.js'
import { routeOf } from './route.js'
import { SensorPage } from './sensor/sensor-page.js'
import { forgetToken, readToken, saveToken } from './token.js'
import { NotFound } from './ui/layout.js'
import { TokenPrompt, type TokenCheck } from './ui/token-prompt.js'

type Auth = 'open' | 'asking' | 'refused'

export function App () {
  const [auth, setAuth] = useState<Auth>('open')
  // Views are built anew once a token is accepted, so they fetch again with it.
  const [session, setSession] = useState(0)

  const onUnauthorized = useCallback(() => {
    // A token kept in this tab that the API now refuses (READ_TOKENS changed) is dropped.
    const hadToken = readToken() !== null
    forgetToken()
    setAuth(hadToken ? 'refused' : 'asking')
  }, [])

  const tryToken = useCallback(async (token: string): Promise<TokenCheck> => {
    try {
      await getJson('/sensors?limit=1', undefined, token)
    } catch (err) {
      return err instanceof Unauthorized ? 'refused' : 'unreachable'
    }
    saveToken(token)
    setAuth('open')
    setSession((n) => n + 1)
    return 'accepted'
  }, [])

  if (auth !== 'open') return <TokenPrompt refused={auth === 'refused'} onSubmit={tryToken} />
  const route = routeOf(location.pathname)
  return (
    <UnauthorizedContext.Provider value={onUnauthorized}>
      {route.page === 'fleet' && <FleetPage key={session} />}
      {route.page === 'sensor' && <SensorPage key={session} sensorId={route.sensorId} />}
      {route.page === 'not-found' && <NotFound />}
    </UnauthorizedContext.Provider>
  )
}
