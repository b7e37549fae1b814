import { describe, expect, it } from 'vitest';
import { evaluate, parse, metricNames, PromqlError, type History, type Sample } from '../../../src/alerts/promql.ts';

const h = (at: number, samples: [Record<string, string>, number][]): History => ({ at, series: new Map(samples.map(([labels, value]) => [JSON.stringify(labels), { labels, value } as Sample])) });
const m = (name: string, extra: Record<string, string> = {}) => ({ __name__: name, ...extra });

describe('PromQL subset', () => {
  it('selectors with matchers, aggregation by label, arithmetic and filtering comparisons', () => {
    const hist = [h(0, [[m('q', { queue: 'a', r: 'x' }), 3], [m('q', { queue: 'a', r: 'y' }), 4], [m('q', { queue: 'b', r: 'x' }), 10]])];
    expect(evaluate(parse('sum by (queue) (q{r=~"x|y"}) > 5'), hist, 0)).toEqual({ vector: [{ labels: { queue: 'a' }, value: 7 }, { labels: { queue: 'b' }, value: 10 }] });
    expect(evaluate(parse('sum(q{queue!="b"}) / 7'), hist, 0)).toEqual({ vector: [{ labels: {}, value: 1 }] });
    expect(evaluate(parse('q{r="x"} < 5'), hist, 0)).toEqual({ vector: [{ labels: m('q', { queue: 'a', r: 'x' }), value: 3 }] });
  });
  it('increase() over a range handles counter resets; stale series (over 5 min old) vanish', () => {
    const hist = [h(0, [[m('c'), 5]]), h(60_000, [[m('c'), 8]]), h(120_000, [[m('c'), 2]]), h(180_000, [[m('c'), 4]])];
    expect(evaluate(parse('increase(c[5m])'), hist, 180_000)).toEqual({ vector: [{ labels: {}, value: 3 + 2 + 2 }] });
    expect(evaluate(parse('c'), hist, 180_000 + 400_000)).toEqual({ vector: [] });
  });
  it('and / unless match on label sets', () => {
    const hist = [h(0, [[m('a', { q: '1' }), 1], [m('a', { q: '2' }), 1], [m('b', { q: '1' }), 1]])];
    expect(evaluate(parse('a and b'), hist, 0)).toEqual({ vector: [{ labels: m('a', { q: '1' }), value: 1 }] });
    expect(evaluate(parse('a unless b'), hist, 0)).toEqual({ vector: [{ labels: m('a', { q: '2' }), value: 1 }] });
  });
  it('refuses what it cannot evaluate, with the position', () => {
    expect(() => parse('histogram_quantile(0.9, x)')).toThrow(PromqlError);
    expect(() => parse('a > on(q) b')).toThrow(/modifiers are not supported/);
    expect(() => parse('rate(x)')).toThrow(/range selector/);
    expect(() => parse('sum without (a) (x)')).toThrow(/without/);
  });
  it('names the metrics an expression reads', () => {
    expect(metricNames(parse('sum(increase(a{x="1"}[5m])) / sum(increase(b[5m])) > 0.3 and c'))).toEqual(['a', 'b', 'c']);
  });
});
