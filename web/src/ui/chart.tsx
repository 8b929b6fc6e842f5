import { useEffect, useLayoutEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'

export const CHART_COLORS = {
  axis: '#b1bac4',
  grid: 'rgba(240, 246, 252, 0.1)',
  line: '#58a6ff',
  band: 'rgba(88, 166, 255, 0.22)',
  bar: '#3fb950'
}

export function axis (overrides: uPlot.Axis = {}): uPlot.Axis {
  return {
    stroke: CHART_COLORS.axis,
    grid: { stroke: CHART_COLORS.grid, width: 1 },
    ticks: { stroke: CHART_COLORS.grid, width: 1 },
    ...overrides
  }
}

interface Props {
  /** Everything but the size, which follows the element's width. */
  options: Omit<uPlot.Options, 'width' | 'height'>
  data: uPlot.AlignedData
  height: number
  label: string
  testId?: string
  /** Called each time uPlot has drawn the chart onto its canvas. */
  onDraw?: () => void
}

/** A uPlot chart filling its container's width; new data redraws the same chart. */
export function Chart ({ options, data, height, label, testId, onDraw }: Props) {
  const box = useRef<HTMLDivElement>(null)
  const chart = useRef<uPlot | undefined>(undefined)
  const onDrawRef = useRef(onDraw)
  onDrawRef.current = onDraw

  // A layout effect, so the chart is in the frame that first shows its card, rather than one frame
  // (and one more paint of the whole page) later.
  useLayoutEffect(() => {
    const element = box.current!
    const widthOf = () => Math.max(200, element.clientWidth)
    const hooks: uPlot.Hooks.Arrays = { ...options.hooks, draw: [...(options.hooks?.draw ?? []), () => onDrawRef.current?.()] }
    // eslint-disable-next-line new-cap -- the library's own class name
    const plot = new uPlot({ ...options, hooks, width: widthOf(), height }, data, element)
    chart.current = plot
    const resize = new ResizeObserver(() => {
      const width = widthOf()
      // The first observation comes before the first paint with the width the chart was just
      // built at: setSize would draw it all again (uPlot redraws on any setSize) for nothing.
      if (width !== plot.width) plot.setSize({ width, height })
    })
    resize.observe(element)
    return () => {
      resize.disconnect()
      plot.destroy()
      chart.current = undefined
    }
  }, [options, height])

  useEffect(() => {
    // uPlot holds the data it was built with or last given: the same is not drawn twice.
    if (chart.current === undefined || chart.current.data === data) return
    chart.current.setData(data)
  }, [data])

  return <div class='chart' ref={box} role='img' aria-label={label} data-testid={testId} data-points={data[0].length} data-last={data[0].at(-1)} />
}
