import { createContext } from 'preact'
import { useContext } from 'preact/hooks'

/** Called by any view whose request the API answered 401: the app then asks for a token. */
export const UnauthorizedContext = createContext<() => void>(() => {})

export const useOnUnauthorized = (): (() => void) => useContext(UnauthorizedContext)
