import { useEffect, useRef, useState } from 'preact/hooks'
import { Unauthorized } from './api.js'
import { useOnUnauthorized } from './auth.js'

export interface LiveQuery<T> {
  data?: T
  error?: Error
}

/**
 * Loads `load()` when `key` changes (starting afresh) and again whenever `version` changes
 * (keeping what it shows meanwhile); one load at a time, and changes during a load cost one more.
 */
export function useLiveQuery<T> (load: (signal: AbortSignal) => Promise<T>, key: string, version: number): LiveQuery<T> {
  // Tagged with the key it was loaded for, so a new key never shows the old key's answer (not even
  // for the one render before the effect below starts afresh).
  const [state, setState] = useState<LiveQuery<T> & { key?: string }>({})
  const onUnauthorized = useOnUnauthorized()
  const run = useRef<{ key: string, controller: AbortController, busy: boolean, again: boolean } | undefined>(undefined)
  const loadRef = useRef(load)
  loadRef.current = load

  const start = (current: NonNullable<typeof run.current>) => {
    current.busy = true
    current.again = false
    loadRef.current(current.controller.signal).then(
      (data) => { if (run.current === current) setState({ key: current.key, data }) },
      (error: Error) => {
        if (run.current !== current || current.controller.signal.aborted) return
        if (error instanceof Unauthorized) onUnauthorized()
        else setState((s) => ({ key: current.key, data: s.key === current.key ? s.data : undefined, error }))
      }
    ).finally(() => {
      current.busy = false
      if (run.current === current && current.again) start(current)
    })
  }

  useEffect(() => {
    const current = { key, controller: new AbortController(), busy: false, again: false }
    run.current = current
    setState({})
    start(current)
    return () => {
      current.controller.abort()
      if (run.current === current) run.current = undefined
    }
  }, [key])

  useEffect(() => {
    const current = run.current
    if (current === undefined || version === 0) return
    if (current.busy) current.again = true
    else start(current)
  }, [version])

  return state.key === key ? { data: state.data, error: state.error } : {}
}
