import { describe, expect, it } from 'vitest';
import { createLivePolicy, type Scope, type Viewer } from '../../../src/live/policy.ts';
import { agentRow, paceTracker, waitingRows } from '../../../src/wallboard/rows.ts';
import { abandonedPct, levelAbove, levelBelow, worst } from '../../../src/wallboard/levels.ts';
import { ConsoleConfigError, DEFAULT_CONSOLE, defineConsole, thresholdsFor } from '../../../src/console/settings.ts';

const policy = createLivePolicy({ seesNumbers: (v) => v.roles.some((r) => r === 'admin' || r === 'supervisor'), agentQueues: (id) => ({ ana: ['sales'], bruno: ['billing'] } as Record<string, string[]>)[id] ?? [] });
const V = {
  admin: { roles: ['admin'] }, service: { roles: ['service'] },
  supAll: { roles: ['supervisor'], queues: ['*'] }, supSales: { roles: ['supervisor'], queues: ['sales'] },
  ana: { roles: ['agent'], agentId: 'ana' }, operator: { roles: ['campaign-operator'] },
} satisfies Record<string, Viewer>;

describe('live policy (who sees which message)', () => {
  const cases: [Scope, Partial<Record<keyof typeof V, boolean>>][] = [
    [{ queue: 'sales' }, { admin: true, service: true, supAll: true, supSales: true, ana: true, operator: false }],
    [{ queue: 'billing' }, { admin: true, supAll: true, supSales: false, ana: false, operator: false }],
    [{ agent: 'bruno', queues: ['billing'] }, { admin: true, supAll: true, supSales: false, ana: false }],
    [{ agent: 'ana', queues: ['sales'] }, { supSales: true, ana: true, operator: false }],
    [{ call: {} }, { admin: true, supAll: true, supSales: false, ana: false, operator: false }],
    [{ call: { queue: 'sales', agent: 'ana' } }, { supSales: true, ana: true }],
    [{ call: { campaign: 'c1' } }, { operator: true, supSales: false, ana: false }],
    [{ campaigns: true }, { supSales: true, operator: true, ana: false }],
    [{ hours: true }, { supSales: true, operator: false, ana: false }],
    [{ totals: true }, { supAll: true, supSales: false, ana: false }],
    // Screen pops go to the agent only: not even an admin's wallboard gets them…
    [{ agentOnly: 'ana' }, { ana: true, admin: false, supAll: false }],
  ];
  it('…unless someone who may act on the agent opens that agent\'s console', () => {
    expect(policy.visible({ ...V.supSales, focusAgent: 'ana' }, { agentOnly: 'ana' })).toBe(true);
    expect(policy.visible({ ...V.supSales, focusAgent: 'bruno' }, { agentOnly: 'bruno' })).toBe(false); // not their queue
    expect(policy.visible({ ...V.admin, focusAgent: 'bruno' }, { agentOnly: 'bruno' })).toBe(true);
    expect(policy.visible({ roles: ['agent'], agentId: 'bruno', focusAgent: 'ana' }, { agentOnly: 'ana' })).toBe(false);
  });
  it.each(cases)('%j', (scope, expected) => {
    for (const [who, yes] of Object.entries(expected)) expect(policy.visible(V[who as keyof typeof V], scope), who).toBe(yes);
  });
  it('masks numbers for agents and operators, except on the agent\'s own call', () => {
    expect(policy.masks(V.supSales, { queue: 'sales' })).toBe(false);
    expect(policy.masks(V.ana, { queue: 'sales' })).toBe(true);
    expect(policy.masks(V.ana, { agentOnly: 'ana' })).toBe(false);
    expect(policy.masks(V.ana, { agent: 'ana', queues: ['sales'] })).toBe(false);
    expect(policy.masks(V.operator, { call: { campaign: 'c1' } })).toBe(true);
  });
});

describe('wallboard rows', () => {
  it('numbers waiting callers per queue in the order they will be answered', () => {
    const rows = waitingRows(
      [{ callId: 'c3', queueId: 'sales', phase: 'waiting' }, { callId: 'c1', queueId: 'sales', phase: 'ringing' }, { callId: 'c2', queueId: 'billing', phase: 'retry' }, { callId: 'c4', queueId: 'sales', phase: 'bridged', agentId: 'ana' }],
      new Map([['c1', 100], ['c2', 150], ['c3', 200], ['c4', 50]]), new Map([['c1', '+571'], ['c3', '+573']]),
    );
    expect(rows.map((r) => [r.queueId, r.callId, r.position, r.caller])).toEqual([['billing', 'c2', 1, ''], ['sales', 'c1', 1, '+571'], ['sales', 'c3', 2, '+573']]);
  });
  it('AHT is talk plus wrap-up per finished call; a call in progress is not averaged in', () => {
    const st = { agentId: 'ana', since: 1000, answered: 3, talkSec: 240, secondsIn: { wrapUp: 60 }, occupancyPct: 50 };
    const a = { id: 'ana', queues: ['sales'], state: 'onCall' as const, callId: 'c9', queueId: 'sales', device: 'in-use' };
    const row = agentRow(a, st, { caller: '+573001' }, 2);
    expect(row).toMatchObject({ callsToday: 3, ahtSec: 150, callId: 'c9', caller: '+573001', callSince: 1000 });
    expect(agentRow({ ...a, state: 'available', callId: undefined }, st, undefined, 0)).toMatchObject({ ahtSec: null });
    expect(agentRow({ ...a, state: 'paused', pauseReason: 'lunch' }, st, undefined)).toMatchObject({ reason: 'lunch' });
    expect(agentRow({ ...a, state: 'paused', pauseReason: 'lunch' }, st, undefined).callId).toBeUndefined();
  });
  it('campaign pace is attempts in the last minute, measured from the server\'s samples', () => {
    const p = paceTracker(60_000);
    expect(p.sample('c', 0, 0)).toBe(0);
    expect(p.sample('c', 30_000, 10)).toBe(20); // 10 in 30 s, the window not full yet
    expect(p.sample('c', 60_000, 30)).toBe(30);
    expect(p.sample('c', 120_000, 30)).toBe(0); // nothing in the last minute
    expect(p.sample('c', 125_000, 40)).toBe(9.2); // 10 attempts over the 65 s since the baseline sample
  });
});

describe('colour levels and console settings', () => {
  it('levels follow the thresholds in the direction a figure gets worse', () => {
    const b = { warn: 80, bad: 70 };
    expect([levelBelow(90, b), levelBelow(80, b), levelBelow(69, b), levelBelow(null, b)]).toEqual(['ok', 'warn', 'bad', 'ok']);
    expect([levelAbove(10, { warn: 30, bad: 60 }), levelAbove(30, { warn: 30, bad: 60 }), levelAbove(61, { warn: 30, bad: 60 })]).toEqual(['ok', 'warn', 'bad']);
    expect(worst('ok', 'warn', 'ok')).toBe('warn');
    expect(abandonedPct(0, 0)).toBeNull();
    expect(abandonedPct(8, 1)).toBe(12.5);
  });
  it('per-queue thresholds override the file\'s, which override the defaults', () => {
    const s = defineConsole({ pauseReasons: [{ id: 'break', label: { es: 'Descanso', en: 'Break' } }], thresholds: { waiting: { warn: 5, bad: 9 } }, queueThresholds: { sales: { waiting: { warn: 2, bad: 4 } } } });
    expect(thresholdsFor(s, 'sales').waiting).toEqual({ warn: 2, bad: 4 });
    expect(thresholdsFor(s, 'billing').waiting).toEqual({ warn: 5, bad: 9 });
    expect(thresholdsFor(s, 'billing').serviceLevelPct).toEqual({ warn: 80, bad: 70 });
    expect(DEFAULT_CONSOLE.pauseReasons.length).toBeGreaterThan(0);
  });
  it('a bad console file lists every problem', () => {
    let err: unknown;
    try {
      defineConsole({
        pauseReasons: [{ id: 'Break!', label: { es: 'x', en: 'x' } }, { id: 'lunch', label: { es: 'a', en: 'b' } }, { id: 'lunch', label: { es: 'a', en: 'b' } }],
        dispositions: [{ id: 'sale', label: { es: 'Venta', en: 'Sale' }, hubspotOutcome: 'not-a-guid' }],
        thresholds: { serviceLevelPct: { warn: 70, bad: 80 } },
      });
    } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConsoleConfigError);
    const problems = (err as ConsoleConfigError).problems.join('\n');
    expect(problems).toMatch(/pauseReasons\.0\.id/);
    expect(problems).toMatch(/hubspotOutcome/);
    let dup: unknown;
    try { defineConsole({ pauseReasons: [{ id: 'lunch', label: { es: 'a', en: 'b' } }, { id: 'lunch', label: { es: 'a', en: 'b' } }], thresholds: { serviceLevelPct: { warn: 70, bad: 80 } } }); } catch (e) { dup = e; }
    expect((dup as ConsoleConfigError).problems).toEqual(['pauseReasons: lunch listed twice', 'thresholds.serviceLevelPct: bad (80) is on the wrong side of warn (70)']);
  });
});
