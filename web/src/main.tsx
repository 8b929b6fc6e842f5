import { render } from 'preact'
import 'uplot/dist/uPlot.min.css'
import './styles.css'
import { App } from './app.js'

const root = document.getElementById('app')!
// index.html's "Loading…" stands in until the script runs; the app replaces it.
root.replaceChildren()
render(<App />, root)
