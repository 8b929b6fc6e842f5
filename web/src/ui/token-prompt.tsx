import { useState } from 'preact/hooks'

export type TokenCheck = 'accepted' | 'refused' | 'unreachable'

interface Props {
  /** The token kept for this tab was refused. */
  refused: boolean
  onSubmit (token: string): Promise<TokenCheck>
}

/** Asks once per tab for a read token (READ_TOKENS); the app keeps it in sessionStorage. */
export function TokenPrompt ({ refused, onSubmit }: Props) {
  const [token, setToken] = useState('')
  const [busy, setBusy] = useState(false)
  const [outcome, setOutcome] = useState<TokenCheck | undefined>(refused ? 'refused' : undefined)

  const submit = async (event: Event) => {
    event.preventDefault()
    if (token.trim() === '') return
    setBusy(true)
    const check = await onSubmit(token.trim())
    setBusy(false)
    if (check !== 'accepted') setOutcome(check)
  }

  return (
    <main class='token-page'>
      <form class='token-form' onSubmit={submit} data-testid='token-form'>
        <h1>Sensor fleet</h1>
        <p>This dashboard needs a read token. It is kept for this browser tab only.</p>
        <label for='token'>Read token</label>
        <input
          id='token' name='token' type='password' autocomplete='off' required autofocus
          value={token} onInput={(e) => setToken(e.currentTarget.value)} aria-describedby='token-error'
        />
        {outcome === 'refused' && <p id='token-error' class='error' role='alert' data-testid='token-error'>That token was refused. Ask for one of the API's READ_TOKENS.</p>}
        {outcome === 'unreachable' && <p id='token-error' class='error' role='alert' data-testid='token-error'>The API does not answer. Try again in a moment.</p>}
        <button type='submit' disabled={busy}>{busy ? 'Checking…' : 'Open the dashboard'}</button>
      </form>
    </main>
  )
}
