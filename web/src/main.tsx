import { render } from 'preact'
import 'uplot/dist/uPlot.min.css'
import './styles.css'
import { App } from './app.js'

// User Timing for npm run bench: the modules are evaluated and the app starts.
performance.mark('dashboard:app-start')
const root = document.getElementById('app')!
// index.html's "Loading…" stands in until the script runs; the app replaces it.
root.replaceChildren()
render(<App />, root)
