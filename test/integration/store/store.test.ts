import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../src/store/index.ts';
import { openDatabase } from '../../../src/store/db.ts';
import { openSpool } from '../../../src/spool/spool.ts';
import { startHistoryCapture, type HistoryEntry } from '../../../src/history/capture.ts';
import { createEventBus } from '../../../src/domain/event-bus.ts';
import type { CallHistory } from '../../../src/history/ports.ts';
import { createTestDatabase } from '../../helpers/db.ts';
import { sampleRecord } from '../../helpers/records.ts';

describe('PostgreSQL system of record', () => {
  let url: string;
  let store: Store;
  beforeAll(async () => { url = await createTestDatabase('store'); store = await openStore({ url, defaultCountry: 'CO' }); });
  afterAll(async () => { await store?.close(); });

  it('applies the migrations once; a second start finds the schema current', async () => {
    expect(store.migrated).toContain('2026-01-05-001-history');
    const again = await openStore({ url, defaultCountry: 'CO' });
    expect(again.migrated).toEqual([]);
    await again.close();
  });

  it('keeps a record once however often it is written, with every field', async () => {
    const r = sampleRecord(1, { recording: { name: 'rec-1' }, campaign: { campaignId: 'cobros', rowId: 'r1', attempt: 2 }, variables: { account: '42' } });
    await store.history.saveRecords([r, r]);
    await store.history.saveRecords([{ ...r, disposition: 'failed' }]);
    const got = await store.history.get('cr-1');
    expect(got).toEqual(r);
    await store.history.saveHubspotEngagements([{ recordId: 'cr-1', hubspotCallId: '9001' }]);
    expect((await store.history.get('cr-1'))?.hubspotCallId).toBe('9001');
    const page = await store.history.search({ number: '300 123 4567' });
    expect(page.calls.map((c) => c.id)).toEqual(['cr-1']);
    expect(page.calls[0]).toMatchObject({ queueId: 'sales', agentId: 'ana', campaignId: 'cobros', recording: 'rec-1', hubspotCallId: '9001' });
  });

  it('searches by number in any format, range, queue, agent, disposition, flow and node, campaign; pages with a cursor', async () => {
    const h = store.history;
    await h.saveRecords(Array.from({ length: 30 }, (_, i) => sampleRecord(100 + i, {
      from: i % 2 ? '+573001112233' : '+573004445566', disposition: i % 3 ? 'answered' : 'abandoned',
      agent: { id: i % 5 ? 'ana' : 'luis' }, ...(i % 4 === 0 ? { campaign: { campaignId: 'renov' } } : {}),
      path: [{ node: 'welcome', at: '2026-03-02T14:00:00Z' }, ...(i % 2 ? [{ node: 'billing', at: '2026-03-02T14:00:01Z' }] : [])],
    })));
    expect((await h.search({ number: '(300) 111-2233' })).calls).toHaveLength(15);
    expect((await h.search({ number: '0057 300 111 2233' })).calls).toHaveLength(15);
    expect((await h.search({ number: '+57 300 111 2233', disposition: 'abandoned' })).calls.map((c) => c.id).sort()).toEqual(['cr-103', 'cr-109', 'cr-115', 'cr-121', 'cr-127']);
    expect((await h.search({ agentId: 'luis', from: '2026-03-02T15:40:00Z' })).calls.map((c) => c.id)).toEqual(['cr-125', 'cr-120', 'cr-115', 'cr-110', 'cr-105', 'cr-100']);
    expect((await h.search({ flowId: 'main', node: 'billing', from: '2026-03-02T15:40:00Z', to: '2026-03-02T15:50:00Z' })).calls.map((c) => c.id)).toEqual(['cr-109', 'cr-107', 'cr-105', 'cr-103', 'cr-101']);
    expect((await h.search({ campaignId: 'renov' })).calls).toHaveLength(8);
    expect((await h.search({ queueId: 'nope' })).calls).toHaveLength(0);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const p = await h.search({ number: '3004445566', limit: 4, ...(cursor ? { cursor } : {}) });
      seen.push(...p.calls.map((c) => c.id));
      cursor = p.next;
    } while (cursor);
    expect(seen).toHaveLength(15);
    expect(new Set(seen).size).toBe(15);
    await expect(h.search({ cursor: 'garbage' })).rejects.toMatchObject({ code: 'SEARCH_BAD_CURSOR' });
  });

  it('queue events written twice count once in the 15-minute rollups', async () => {
    const at = Date.parse('2026-04-01T10:00:00Z');
    const ev = [
      { id: 'r1', type: 'join' as const, queueId: 'qx', callId: 'x1', at },
      { id: 'r2', type: 'connect' as const, queueId: 'qx', callId: 'x1', at: at + 30_000, agentId: 'ana', waitSec: 30 },
      { id: 'r3', type: 'complete' as const, queueId: 'qx', callId: 'x1', at: at + 90_000, agentId: 'ana', talkSec: 60 },
      // The wrap-up as measured (the agent's own), stored as its own event.
      { id: 'r3w', type: 'wrapup' as const, queueId: 'qx', callId: 'x1', at: at + 95_000, agentId: 'ana', wrapUpSec: 5 },
    ];
    await store.history.saveQueueEvents(ev);
    await store.history.saveQueueEvents(ev);
    await store.history.saveQueueEvents([ev[0]!, { ...ev[0]!, id: 'r4', callId: 'x2', at: at + 60_000 }]);
    const r = await store.database.pool.query('select offered, answered, completed, wait_sum, handle_sum from queue_intervals where queue_id = $1', ['qx']);
    expect(r.rows).toEqual([{ offered: 2, answered: 1, completed: 1, wait_sum: 30, handle_sum: 65 }]);
    const a = await store.database.pool.query('select calls, talk_sum, wrap_sum from agent_intervals where agent_id = $1', ['ana']);
    expect(a.rows).toEqual([{ calls: 1, talk_sum: 60, wrap_sum: 5 }]);
  });

  it('keeps flow deployments once per version', async () => {
    const d = { flowId: 'main', version: 'v1hash', hash: 'v1hash', by: 'startup', at: '2026-03-02T08:00:00.000Z' };
    await store.history.saveFlowDeployments([d, { ...d, by: 'again' }]);
    await store.history.saveFlowDeployments([{ ...d, version: 'v2hash', hash: 'v2hash', by: 'hot-reload', at: '2026-03-02T09:00:00.000Z' }]);
    expect((await store.history.flowDeployments('main')).map((x) => `${x.version}/${x.by}`)).toEqual(['v2hash/hot-reload', 'v1hash/startup']);
  });

  it('the audit log is append-only: updates and deletes are refused by the database', async () => {
    await store.audit.append({ at: '2026-03-02T10:00:00Z', actor: 'admin', action: 'agent.pause', target: 'ana', before: { state: 'available' }, after: { state: 'paused' } });
    await store.audit.append({ at: '2026-03-02T10:01:00Z', actor: 'sup', action: 'campaign.cancel', target: 'cobros' });
    const all = await store.audit.query({});
    expect(all.entries.map((e) => e.action)).toEqual(['campaign.cancel', 'agent.pause']);
    expect(all.entries[1]).toMatchObject({ actor: 'admin', before: { state: 'available' }, after: { state: 'paused' } });
    expect((await store.audit.query({ actor: 'admin' })).entries).toHaveLength(1);
    await expect(store.database.pool.query('update audit_log set actor = $1', ['forged'])).rejects.toThrow(/append-only/);
    await expect(store.database.pool.query('delete from audit_log')).rejects.toThrow(/append-only/);
  });
});

describe('history capture through the spool', () => {
  it('records written while the database is down reach it once it is back, exactly once', async () => {
    const url = await createTestDatabase('capture');
    const store = await openStore({ url, defaultCountry: 'CO' });
    let down = true;
    const flaky: CallHistory = new Proxy(store.history, {
      get(target, prop: keyof CallHistory) {
        const v = target[prop];
        if (typeof v !== 'function' || !String(prop).startsWith('save')) return v;
        return (...args: unknown[]) => (down ? Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) : (v as (...a: unknown[]) => Promise<void>).apply(target, args));
      },
    });
    const dir = mkdtempSync(join(tmpdir(), 'centralita-capture-'));
    const bus = createEventBus();
    const spool = await openSpool<HistoryEntry>({ dir });
    const cap = startHistoryCapture({ spool, history: flaky, bus, bootId: 'b1', logger: { warn() {}, error() {} } });
    await cap.record(sampleRecord(1));
    bus.emit('queue.event', { type: 'join', queueId: 'sales', callId: 'c1', at: '2026-03-02T14:00:00.000Z', position: 1 });
    bus.emit('queue.event', { type: 'connect', queueId: 'sales', callId: 'c1', agentId: 'ana', waitSec: 4, at: '2026-03-02T14:00:04.000Z' });
    bus.emit('agent.state', { agentId: 'ana', state: 'onCall', at: '2026-03-02T14:00:04.000Z' });
    bus.emit('queue.event', { type: 'bogus', at: 'no' } as never);
    cap.hubspotLogged('cr-1', '777');
    await new Promise((r) => setTimeout(r, 300));
    expect(await store.history.get('cr-1')).toBeUndefined();
    // The process dies with the database still down; the next one finds the spool on disk.
    cap.stop();
    await spool.close();
    down = false;
    const spool2 = await openSpool<HistoryEntry>({ dir });
    const cap2 = startHistoryCapture({ spool: spool2, history: store.history, bus, bootId: 'b2', logger: { warn() {}, error() {} } });
    await cap2.flushed();
    expect((await store.history.get('cr-1'))?.hubspotCallId).toBe('777');
    const ev = await store.history.eventsBetween(Date.parse('2026-03-02T00:00:00Z'), Date.parse('2026-03-03T00:00:00Z'));
    expect(ev.events.map((e) => [e.type, e.waitSec ?? null, e.data ?? null])).toEqual([['join', null, { position: 1 }], ['connect', 4, null]]);
    expect(ev.states).toEqual([{ id: 'b1-0000000003', agentId: 'ana', state: 'onCall', at: Date.parse('2026-03-02T14:00:04Z') }]);
    cap2.stop();
    await spool2.close();
    await store.close();
  });

  it('an entry the database refuses for its content is set aside; the rest of the batch is stored', async () => {
    const url = await createTestDatabase('poison');
    const store = await openStore({ url, defaultCountry: 'CO' });
    const bus = createEventBus();
    const spool = await openSpool<HistoryEntry>({ dir: mkdtempSync(join(tmpdir(), 'centralita-poison-')) });
    const rejected: HistoryEntry[] = [];
    const cap = startHistoryCapture({ spool, history: store.history, bus, bootId: 'p', logger: { warn() {}, error() {} }, onRejected: (e) => rejected.push(e) });
    await Promise.all([cap.record(sampleRecord(1)), cap.record(sampleRecord(2, { startedAt: 'not a time' })), cap.record(sampleRecord(3))]);
    await cap.flushed();
    expect(rejected.map((e) => (e.k === 'record' ? e.r.id : e.k))).toEqual(['cr-2']);
    expect((await store.history.search({})).calls.map((c) => c.id)).toEqual(['cr-3', 'cr-1']);
    cap.stop();
    await spool.close();
    await store.close();
  });

  it('a NUL byte in caller input is stripped rather than refused by PostgreSQL', async () => {
    const url = await createTestDatabase('nul');
    const db = openDatabase({ url });
    await db.migrate();
    const store = await openStore({ url, defaultCountry: 'CO' });
    await store.history.saveRecords([sampleRecord(5, { from: `300${String.fromCharCode(0)}1`, variables: { x: `a${String.fromCharCode(0)}b` } })]);
    expect((await store.history.get('cr-5'))?.variables).toEqual({ x: 'ab' });
    await store.close();
    await db.close();
  });
});
