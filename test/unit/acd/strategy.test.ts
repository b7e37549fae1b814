import { describe, expect, it } from 'vitest';
import { pickAgents, type Candidate, type StrategyState } from '../../../src/acd/strategy.ts';
import { STRATEGIES } from '../../../src/acd/queue-config.ts';

const c = (agentId: string, order: number, penalty = 0): Candidate => ({ agentId, order, penalty });
const none: StrategyState = { lastCallEndedAt: {}, callsTaken: {} };
const fixed = (x: number) => () => x;

describe('pickAgents', () => {
  const abc = [c('a', 0), c('b', 1), c('c', 2)];

  it('returns nothing without candidates, for every strategy', () => {
    for (const s of STRATEGIES) expect(pickAgents(s, [], none, Math.random)).toEqual([]);
  });

  it('ringall: every candidate of the lowest penalty, in member order', () => {
    expect(pickAgents('ringall', [c('c', 2), c('a', 0), c('b', 1, 2)], none, Math.random)).toEqual(['a', 'c']);
  });

  it('linear: the first member in list order, whatever the input order', () => {
    expect(pickAgents('linear', [c('c', 2), c('b', 1)], none, Math.random)).toEqual(['b']);
  });

  it('leastrecent: never-called first, then the oldest end; ties by member order', () => {
    expect(pickAgents('leastrecent', abc, { ...none, lastCallEndedAt: { a: 100, b: 50 } }, Math.random)).toEqual(['c']);
    expect(pickAgents('leastrecent', abc, { ...none, lastCallEndedAt: { a: 100, b: 50, c: 70 } }, Math.random)).toEqual(['b']);
    expect(pickAgents('leastrecent', abc, { ...none, lastCallEndedAt: { a: 5, b: 5, c: 5 } }, Math.random)).toEqual(['a']);
  });

  it('fewestcalls: the fewest answered calls; ties by member order', () => {
    expect(pickAgents('fewestcalls', abc, { ...none, callsTaken: { a: 3, b: 1, c: 2 } }, Math.random)).toEqual(['b']);
    expect(pickAgents('fewestcalls', abc, { ...none, callsTaken: { a: 1 } }, Math.random)).toEqual(['b']);
  });

  it('random: maps the random number onto the tier', () => {
    expect(pickAgents('random', abc, none, fixed(0))).toEqual(['a']);
    expect(pickAgents('random', abc, none, fixed(0.5))).toEqual(['b']);
    expect(pickAgents('random', abc, none, fixed(0.9999))).toEqual(['c']);
  });

  it('rrmemory: the member after the last one rung, wrapping, skipping absent members', () => {
    expect(pickAgents('rrmemory', abc, none, Math.random)).toEqual(['a']);
    expect(pickAgents('rrmemory', abc, { ...none, rrLastOrder: 0 }, Math.random)).toEqual(['b']);
    expect(pickAgents('rrmemory', abc, { ...none, rrLastOrder: 2 }, Math.random)).toEqual(['a']);
    // b (order 1) is busy: after a comes c.
    expect(pickAgents('rrmemory', [c('a', 0), c('c', 2)], { ...none, rrLastOrder: 0 }, Math.random)).toEqual(['c']);
    // The last one rung (b) is not a candidate now: still continue after its position.
    expect(pickAgents('rrmemory', [c('a', 0), c('c', 2)], { ...none, rrLastOrder: 1 }, Math.random)).toEqual(['c']);
  });

  it('penalties: only the lowest penalty tier is considered (all strategies but wrandom)', () => {
    const mixed = [c('a', 0, 2), c('b', 1, 1), c('c', 2, 1)];
    for (const s of ['linear', 'leastrecent', 'fewestcalls', 'rrmemory'] as const) expect(pickAgents(s, mixed, none, fixed(0))).toEqual(['b']);
    expect(pickAgents('random', mixed, none, fixed(0.99))).toEqual(['c']);
    expect(pickAgents('ringall', mixed, none, fixed(0))).toEqual(['b', 'c']);
  });

  it('wrandom: weight 1/(1+penalty) over all candidates', () => {
    const w = [c('a', 0, 0), c('b', 1, 1)]; // weights 1 and 0.5 → a for x < 2/3
    expect(pickAgents('wrandom', w, none, fixed(0.6))).toEqual(['a']);
    expect(pickAgents('wrandom', w, none, fixed(0.7))).toEqual(['b']);
    let b = 0;
    let x = 0;
    const rng = () => (x = (x + 0.618033) % 1);
    for (let i = 0; i < 3000; i++) if (pickAgents('wrandom', w, none, rng)[0] === 'b') b++;
    expect(b / 3000).toBeCloseTo(1 / 3, 1);
  });
});
