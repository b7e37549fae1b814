import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../src/store/index.ts';
import { registerHistoryRoutes, resolveRange } from '../../../src/history/http.ts';
import { toCsv } from '../../../src/history/export.ts';
import { createTestDatabase } from '../../helpers/db.ts';
import { sampleRecord } from '../../helpers/records.ts';
import { secureTestServer, type SecureTestServer } from '../../helpers/secure-http.ts';
import type { Role } from '../../../src/auth/roles.ts';

const NOW = Date.parse('2026-03-02T20:00:00Z'); // 15:00 in Bogotá

describe('reports and search API', () => {
  let store: Store;
  let server: SecureTestServer;
  const SCOPE: Partial<Record<Role, { agentId?: string; queues?: string[] }>> = { supervisor: { queues: ['*'] }, agent: { agentId: 'ana' } };
  let url: string;
  // Every request carries a role's token; a supervisor (all queues) unless the test says otherwise.
  const fetch = async (u: string, init: { headers?: Record<string, string>; as?: Role } = {}) =>
    globalThis.fetch(u, { headers: { ...(await server.as(init.as ?? 'supervisor', SCOPE[init.as ?? 'supervisor'] ?? {})), ...init.headers } });
  beforeAll(async () => {
    store = await openStore({ url: await createTestDatabase('http'), defaultCountry: 'CO', thresholds: () => ({ sales: { serviceLevelSec: 20, shortAbandonSec: 5 } }) });
    await store.history.saveRecords([
      sampleRecord(1), sampleRecord(2, { disposition: 'abandoned', agent: undefined, hangupSide: 'caller', path: [{ node: 'welcome', at: '2026-03-02T14:02:00Z' }, { node: 'menu', at: '2026-03-02T14:02:02Z', digits: '2' }] }),
      sampleRecord(3, { campaign: { campaignId: 'Cobros;=HYPERLINK("x")', rowId: 'r1', attempt: 1 }, direction: 'outbound' }),
      // A caller typed a document number at a gather (not marked sensitive: it was recorded).
      sampleRecord(4, { path: [{ node: 'welcome', at: '2026-03-02T14:04:00Z' }, { node: 'menu', at: '2026-03-02T14:04:02Z', digits: '1' }, { node: 'cedula', at: '2026-03-02T14:04:09Z', digits: '79123456' }], variables: { cedula: '79123456' } }),
    ]);
    const at = (m: number) => Date.parse('2026-03-02T14:00:00Z') + m * 60_000;
    await store.history.saveQueueEvents([
      { id: 'e1', type: 'join', queueId: 'sales', callId: 'c1', at: at(0) },
      { id: 'e2', type: 'connect', queueId: 'sales', callId: 'c1', at: at(0) + 12_500, agentId: 'ana', waitSec: 12.5 },
      { id: 'e3', type: 'complete', queueId: 'sales', callId: 'c1', at: at(3), agentId: 'ana', talkSec: 160 },
      { id: 'e3w', type: 'wrapup', queueId: 'sales', callId: 'c1', at: at(3) + 10_000, agentId: 'ana', wrapUpSec: 10 },
      { id: 'e4', type: 'join', queueId: 'sales', callId: 'c2', at: at(20) },
      { id: 'e5', type: 'leave', queueId: 'sales', callId: 'c2', at: at(21), outcome: 'abandoned', waitSec: 60 },
    ]);
    server = await secureTestServer();
    registerHistoryRoutes(server.app, { history: store.history, reports: store.reports(() => ({ sales: { serviceLevelSec: 20, shortAbandonSec: 5 } })), timeZone: 'America/Bogota', now: () => NOW });
    url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => { await server?.app.close(); await store?.close(); });

  it('today is the local day of the report time zone', () => {
    expect(resolveRange({ period: 'today' }, 'America/Bogota', NOW)).toEqual({ from: '2026-03-02T05:00:00.000Z', to: '2026-03-03T05:00:00.000Z', timeZone: 'America/Bogota' });
    expect(resolveRange({ from: '2026-03-01', to: '2026-03-02' }, 'UTC', NOW)).toMatchObject({ from: '2026-03-01T00:00:00.000Z', to: '2026-03-03T00:00:00.000Z' });
    expect(() => resolveRange({ from: '2026-03-02', to: '2026-03-01' }, 'UTC', NOW)).toThrow(/after/);
  });

  it('queue KPIs per interval as JSON, CSV (BOM, `;` and decimal comma in es) and XLSX', async () => {
    const j = (await (await fetch(`${url}/api/reports/queues?interval=30`)).json()) as { totals: Record<string, unknown>[]; intervals: Record<string, unknown>[] };
    expect(j.totals).toEqual([expect.objectContaining({ queueId: 'sales', offered: 2, answered: 1, abandoned: 1, answeredWithinSl: 1, serviceLevelPct: 50, asaSec: 12.5, ahtSec: 170, longestWaitSec: 60 })]);
    expect(j.intervals.map((i) => [i.local, i.offered, i.answered, i.abandoned])).toEqual([['2026-03-02 09:00', 2, 1, 1]]);
    const csv = await fetch(`${url}/api/reports/queues?interval=15&locale=es-CO&format=csv`);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const text = Buffer.from(await csv.arrayBuffer());
    expect([...text.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = text.toString('utf8').slice(1).trim().split('\r\n');
    expect(lines[0]!.split(';')[0]).toBe('interval');
    expect(lines[1]).toBe('2026-03-02 09:00;sales;1;1;0;0;0;1;20;100;12,5;170;12,5;0;0');
    expect(lines[2]).toMatch(/^2026-03-02 09:15;sales;1;0;1;0;0;0;20;0;;;60;0;0$/);
    const en = await (await fetch(`${url}/api/reports/queues?format=csv`, { headers: { 'accept-language': 'en-US' } })).text();
    expect(en.split('\r\n')[1]).toBe('sales,2,1,1,0,0,1,20,50,12.5,170,60,0,0');
    const x = await fetch(`${url}/api/reports/queues?interval=60&format=xlsx`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await x.arrayBuffer()) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['intervals', 'queues']);
    const row = wb.getWorksheet('queues')!.getRow(2);
    expect([row.getCell(1).value, row.getCell(2).value, row.getCell(9).value]).toEqual(['sales', 2, 50]);
  });

  it('campaign results, IVR paths and agents', async () => {
    const c = (await (await fetch(`${url}/api/reports/campaigns`)).json()) as { campaigns: Record<string, unknown>[] };
    expect(c.campaigns).toEqual([{ campaignId: 'Cobros;=HYPERLINK("x")', attempts: 1, rows: 1, rowsContacted: 1, contactRatePct: 100, byOutcome: { answered: 1 }, byHour: [{ hour: '09', attempts: 1, answered: 1 }] }]);
    // A campaign name a spreadsheet would run as a formula stays text.
    const csv = await (await fetch(`${url}/api/reports/campaigns?format=csv&locale=es`)).text();
    expect(csv.split('\r\n')[1]!.startsWith('"Cobros;=HYPERLINK(""x"")";1;1;1;100;1')).toBe(true);
    expect(toCsv({ name: 's', columns: [{ key: 'a', header: 'a', value: (r: { a: string }) => r.a }], rows: [{ a: ' =cmd' }, { a: '@SUM(A1)' }, { a: '-2+3' }] }).split('\r\n').slice(1, 4)).toEqual(["' =cmd", "'@SUM(A1)", "'-2+3"]);
    const ivr = (await (await fetch(`${url}/api/reports/ivr`)).json()) as { nodes: Record<string, unknown>[] };
    const menu = ivr.nodes.find((n) => n.node === 'menu')!;
    expect(menu).toMatchObject({ flowId: 'main', calls: 4, options: [{ digits: '1', count: 3 }, { digits: '2', count: 1 }], endedHere: 1, droppedHere: 1 });
    expect(ivr.nodes.find((n) => n.node === 'cedula')).toMatchObject({ options: [{ digits: '79123456', count: 1 }] });
    expect(ivr.nodes.find((n) => n.node === 'sales')).toMatchObject({ calls: 2, endedHere: 2, droppedHere: 0 });
    const ag = (await (await fetch(`${url}/api/reports/agents`)).json()) as { agents: Record<string, unknown>[] };
    expect(ag.agents).toEqual([expect.objectContaining({ agentId: 'ana', calls: 1, talkSec: 160, wrapUpSec: 10 })]);
  });

  it('searches calls and refuses bad parameters with a clear error', async () => {
    const s = (await (await fetch(`${url}/api/history/calls?number=3001234567&disposition=abandoned`)).json()) as { calls: { id: string; from: string }[] };
    expect(s.calls.map((c) => [c.id, c.from])).toEqual([['cr-2', '+573001234567']]);
    expect((await fetch(`${url}/api/history/calls/cr-3`)).status).toBe(200);
    expect((await fetch(`${url}/api/history/calls/nope`)).status).toBe(404);
    for (const bad of ['disposition=maybe', 'limit=0', 'from=yesterdayish', 'cursor=zzz', 'color=red']) {
      const r = await fetch(`${url}/api/history/calls?${bad}`);
      expect(r.status, bad).toBe(400);
      expect(((await r.json()) as { error: string }).error).toMatch(/BAD_REQUEST|SEARCH_BAD_CURSOR/);
    }
    expect((await fetch(`${url}/api/reports/queues?interval=7`)).status).toBe(400);
    expect((await fetch(`${url}/api/reports/queues?tz=Mars/Base`)).status).toBe(400);
    expect((await fetch(`${url}/api/reports/queues?from=2020-01-01&to=2026-01-01`)).status).toBe(400);
  });

  it('declares roles: history for supervisors and services, numbers and typed digits masked unless the role sees them', async () => {
    expect((await globalThis.fetch(`${url}/api/history/calls`)).status).toBe(401);
    expect((await globalThis.fetch(`${url}/api/reports/today`)).status).toBe(401);
    for (const role of ['agent', 'campaign-operator'] as const) {
      const r = await fetch(`${url}/api/history/calls`, { as: role });
      expect([r.status, ((await r.json()) as { error: string }).error], role).toEqual([403, 'ROLE_REQUIRED']);
    }
    expect((await fetch(`${url}/api/reports/today`, { as: 'agent' })).status).toBe(403);
    // A service token may search (integrations) but gets numbers masked; a supervisor sees them.
    const svc = (await (await fetch(`${url}/api/history/calls?number=%2B573001234567`, { as: 'service' })).json()) as { calls: { from: string; to: string }[] };
    expect(svc.calls.length).toBe(4);
    expect(svc.calls.every((c) => c.from === '+••••••••4567' && c.to === '+••••••••0100')).toBe(true);
    const one = (await (await fetch(`${url}/api/history/calls/cr-4`, { as: 'service' })).json()) as { from: string; path: { digits?: string }[]; variables?: unknown };
    expect([one.from, one.path[2]!.digits, one.variables]).toEqual(['+••••••••4567', '••••••••', undefined]);
    const full = (await (await fetch(`${url}/api/history/calls/cr-4`)).json()) as { from: string; path: { digits?: string }[]; variables?: unknown };
    expect([full.from, full.path[2]!.digits, full.variables]).toEqual(['+573001234567', '79123456', { cedula: '79123456' }]);
    // Reports: a campaign operator sees menu choices but not what callers typed.
    const ivr = (await (await fetch(`${url}/api/reports/ivr`, { as: 'campaign-operator' })).json()) as { nodes: { node: string; options: unknown[] }[] };
    expect(ivr.nodes.find((n) => n.node === 'menu')!.options).toEqual([{ digits: '1', count: 3 }, { digits: '2', count: 1 }]);
    expect(ivr.nodes.find((n) => n.node === 'cedula')!.options).toEqual([{ digits: '••••••••', count: 1 }]);
  });
});
