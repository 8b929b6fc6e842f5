import { useEffect, useRef, useState } from 'preact/hooks'
import { Unauthorized } from './api.js'
import { useOnUnauthorized } from './auth.js'

export interface LiveQuery<T> {
  data?: T
  error?: Error
}

interface Run {
  key: string
  controller: AbortController
  busy: boolean
  again: boolean
  /** The version the data shown (or being loaded) is as of. */
  version: number
}

/**
 * Loads `load()` when `key` changes (starting afresh) and again whenever `version` changes
 * (keeping what it shows meanwhile); one load at a time, and changes during a load cost one more.
 * `initial` may give the first key's data as of the current version (data embedded in the page):
 * then it is shown from the first render, and not loaded.
 */
export function useLiveQuery<T> (load: (signal: AbortSignal) => Promise<T>, key: string, version: number, initial?: () => T | undefined): LiveQuery<T> {
  // Tagged with the key it was loaded for, so a new key never shows the old key's answer (not even
  // for the one render before the effect below starts afresh).
  const [state, setState] = useState<LiveQuery<T> & { key?: string }>(() => {
    const data = initial?.()
    return data === undefined ? {} : { key, data }
  })
  const onUnauthorized = useOnUnauthorized()
  const run = useRef<Run | undefined>(undefined)
  const loadRef = useRef(load)
  loadRef.current = load
  const versionRef = useRef(version)
  versionRef.current = version
  const seeded = useRef(state.key === key)

  const start = (current: Run) => {
    current.busy = true
    current.again = false
    current.version = versionRef.current
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
    const current: Run = { key, controller: new AbortController(), busy: false, again: false, version }
    run.current = current
    if (seeded.current) seeded.current = false
    else {
      setState({})
      start(current)
    }
    return () => {
      current.controller.abort()
      if (run.current === current) run.current = undefined
    }
  }, [key])

  useEffect(() => {
    const current = run.current
    // Not for the version the data is already as of (a query mounted after the feed's first events).
    if (current === undefined || current.version === version) return
    if (current.busy) current.again = true
    else start(current)
  }, [version])

  return state.key === key ? { data: state.data, error: state.error } : {}
}
