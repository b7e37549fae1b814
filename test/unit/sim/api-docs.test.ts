// The Swagger declarations are what ari-client builds its API from: every declared operation
// must be served, and every event the model can send must be declared (ari-client's message
// handler throws on an undeclared event type).
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiDeclaration, resourceListing, RESOURCE_NAMES } from '../../../src/sim/api-docs.ts';
import { startSimulator, type Simulator } from '../../../src/sim/index.ts';

describe('Swagger declarations', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ user: 'u', password: 'p' });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('lists every resource and declares operations with parameters', () => {
    const listing = resourceListing('http://x/ari') as { apis: { path: string }[] };
    expect(listing.apis.map((a) => a.path)).toEqual(RESOURCE_NAMES.map((r) => `/api-docs/${r}.{format}`));
    const channels = apiDeclaration('channels', 'http://x/ari') as { apis: { path: string; operations: { nickname: string; parameters: { name: string; paramType: string }[] }[] }[] };
    const originate = channels.apis.find((a) => a.path === '/channels')!.operations.find((o) => o.nickname === 'originate')!;
    expect(originate.parameters.find((p) => p.name === 'variables')?.paramType).toBe('body');
    expect(apiDeclaration('nosuch', 'http://x/ari')).toBeUndefined();
  });

  it('serves every declared operation (no 404 "Resource not found", no 405)', async () => {
    const auth = 'Basic ' + Buffer.from('u:p').toString('base64');
    for (const r of RESOURCE_NAMES) {
      if (r === 'events') continue; // the WebSocket; user events are covered below
      const decl = apiDeclaration(r, sim.ariUrl) as { apis: { path: string; operations: { httpMethod: string }[] }[] };
      for (const api of decl.apis) {
        for (const op of api.operations) {
          const path = api.path.replace(/\{[^}]+\}/g, 'x');
          const res = await fetch(`${sim.ariUrl}${path}`, { method: op.httpMethod, headers: { authorization: auth } });
          const body = res.headers.get('content-type')?.includes('json') ? ((await res.json()) as { message?: string }) : {};
          expect(res.status, `${op.httpMethod} ${api.path}`).not.toBe(405);
          expect(body.message, `${op.httpMethod} ${api.path}`).not.toBe('Resource not found');
        }
      }
    }
    const ue = await fetch(`${sim.ariUrl}/events/user/ping?application=nobody`, { method: 'POST', headers: { authorization: auth } });
    expect(await ue.json()).toEqual({ message: 'Application not found' });
  });

  it('declares every event type the model sends', () => {
    const dir = new URL('../../../src/sim/', import.meta.url);
    const src = readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(new URL(f, dir), 'utf8')).join('\n');
    const sent = new Set<string>();
    for (const m of src.matchAll(/(?:type: |chanEvent\(x, [a-z0-9]+, |emitPlayback\(x, p, )'([A-Z][A-Za-z]+)'(?!, (?:status|configuration))/g)) sent.add(m[1]!);
    const events = apiDeclaration('events', 'http://x/ari') as { models: Record<string, unknown> };
    expect(sent.size).toBeGreaterThan(15);
    for (const t of sent) expect(events.models[t], t).toBeDefined();
  });
});
