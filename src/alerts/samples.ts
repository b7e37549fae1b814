// The registry's current values as PromQL samples (histograms as _bucket/_sum/_count, like
// the text format), limited to the metrics the rules read.
import type { Registry } from 'prom-client';
import type { Sample } from './promql.ts';

export function registrySampler(registry: Registry, names: string[]): () => Promise<Sample[]> {
  const wanted = new Set(names);
  const prefixes = [...wanted];
  return async () => {
    const out: Sample[] = [];
    for (const m of await registry.getMetricsAsJSON()) {
      if (!wanted.has(m.name) && !prefixes.some((p) => p.startsWith(m.name + '_'))) continue;
      for (const v of m.values as { value: number; labels: Record<string, string | number>; metricName?: string }[]) {
        const labels: Record<string, string> = { __name__: v.metricName ?? m.name };
        for (const [k, val] of Object.entries(v.labels)) labels[k] = String(val);
        if (wanted.has(labels.__name__!)) out.push({ labels, value: v.value });
      }
    }
    return out;
  };
}
