// PBX-boundary timings: a command's reaction time is measured from the latest event sent about
// the same channel, once per event; quantiles over those samples.
import { describe, expect, it } from 'vitest';
import { createTimings } from '../../../src/sim/timings.ts';

describe('simulator timings', () => {
  it('pairs each command with the latest event on its channel, once', () => {
    let t = 0;
    const tm = createTimings(true, () => t);
    tm.event('a');
    t = 5;
    tm.command('a', 'POST /channels/{channelId}/answer');
    t = 6;
    tm.command('a', 'POST /channels/{channelId}/play'); // no new event: not a reaction
    tm.event('b');
    t = 16;
    tm.command('b', 'POST /channels/{channelId}/play');
    tm.command(undefined, 'GET /channels');
    const s = tm.summary();
    expect(s).toMatchObject({ events: 2, commands: 4, reactions: { count: 2, p50: 5, max: 10 } });
    expect(s.byCommand['POST /channels/{channelId}/play']).toEqual({ count: 1, p50: 10, p99: 10, max: 10 });
    expect(tm.samples()).toEqual([['a', 'POST /channels/{channelId}/answer', 5], ['b', 'POST /channels/{channelId}/play', 10]]);
    tm.reset();
    expect(tm.summary().reactions.count).toBe(0);
  });
  it('costs nothing when off', () => {
    const tm = createTimings(false, () => 1);
    tm.event('a');
    tm.command('a', 'x');
    expect(tm.summary()).toMatchObject({ enabled: false, events: 0, commands: 0, reactions: { count: 0 } });
  });
});
