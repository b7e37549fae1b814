// A uPlot chart: counts as bars on the left axis, an optional percentage line on the right.
// uPlot draws on a canvas, so the same numbers are also in the table next to it (and in a
// text summary for screen readers).
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries { label: string; values: (number | null)[]; color: string; kind: 'bar' | 'line'; axis?: 'left' | 'right' }

/** `step`: seconds between points (the report's interval); the x axis spans the points plus one step each side. */
export function Chart(p: { title: string; x: number[]; series: ChartSeries[]; step: number; xLabel?: (t: number) => string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el || p.x.length === 0) return;
    const bars = uPlot.paths.bars!({ size: [0.7, 60] });
    const hasRight = p.series.some((s) => s.axis === 'right');
    const css = getComputedStyle(document.documentElement);
    const text = css.getPropertyValue('--text').trim() || '#1b1f27';
    const grid = css.getPropertyValue('--border').trim() || '#d0d5dd';
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    const opts: uPlot.Options = {
      width: el.clientWidth || 600,
      height: 260,
      title: p.title,
      // The points plus one interval each side, from the data itself: for a single point uPlot
      // widens the scale by 86400/ms (years, with timestamps in seconds) before calling range.
      scales: { x: { time: true, range: () => [p.x[0]! - p.step, p.x[p.x.length - 1]! + p.step] }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] }, ...(hasRight ? { pct: { range: [0, 100] } } : {}) },
      axes: [{ ...axis }, { ...axis }, ...(hasRight ? [{ ...axis, side: 1, scale: 'pct', grid: { show: false } }] : [])],
      series: [{}, ...p.series.map((s) => ({
        label: s.label, stroke: s.color, width: s.kind === 'line' ? 2 : 1, ...(s.kind === 'bar' ? { fill: `${s.color}cc`, paths: bars } : {}),
        ...(s.axis === 'right' ? { scale: 'pct' } : {}),
      }))],
    };
    const u = new uPlot(opts, [p.x, ...p.series.map((s) => s.values)] as uPlot.AlignedData, el);
    const ro = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height: 260 }));
    ro.observe(el);
    return () => { ro.disconnect(); u.destroy(); };
  }, [p.x, p.series, p.title, p.step]);
  const summary = p.series.map((s) => `${s.label}: ${s.values.reduce<number>((a, b) => a + (b ?? 0), 0)}`).join(', ');
  return <figure class="chart" data-testid="chart"><div ref={ref} role="img" aria-label={`${p.title}. ${summary}`} /></figure>;
}
