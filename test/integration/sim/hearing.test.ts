// What the caller hears, span by span (issue 14, no dead air): derived from the channel's real
// state — its playback, MOH, bridge members, ringing indication — on a virtual clock.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, deadAir, PBX_QUEUE_DID, startSimulator, type ManualClock, type Simulator } from '../../../src/sim/index.ts';

let sim: Simulator;
let clock: ManualClock;
const auth = { authorization: 'Basic ' + Buffer.from('u:p').toString('base64'), 'content-type': 'application/json' };
async function ari(method: string, path: string, q: Record<string, string | number> = {}): Promise<number> {
  const url = new URL(`${sim.url}/ari${path}`);
  for (const [k, v] of Object.entries(q)) url.searchParams.set(k, String(v));
  const r = await fetch(url, { method, headers: auth });
  await r.text();
  return r.status;
}
async function advance(ms: number): Promise<void> { clock.advance(ms); await new Promise((r) => setImmediate(r)); }
const spans = (id: string) => sim.control.channel(id)!.heard.map((h) => `${h.what}${h.media ? `(${h.media})` : ''}:${h.to === undefined ? 'open' : h.to - h.from}`);

describe('hearing timeline', () => {
  let ws: WebSocket;
  beforeEach(async () => {
    clock = createManualClock();
    sim = await startSimulator({ user: 'u', password: 'p', clock, soundLengths: { hello: 1000, menu: 1500 } });
    ws = new WebSocket(`${sim.url.replace('http', 'ws')}/ari/events?app=centralita&api_key=u:p`);
    await new Promise((r) => ws.addEventListener('open', r, { once: true }));
  });
  afterEach(async () => { ws.close(); await sim.close(); });

  it('ringing, prompt, silence, MOH, bridged, and the silence breaking the invariant', async () => {
    const id = sim.control.placeCall({ from: '3001234567', to: '6015550100' });
    await advance(10);
    expect(await ari('POST', `/channels/${id}/ring`)).toBe(204);
    await advance(500);
    expect(await ari('POST', `/channels/${id}/answer`)).toBe(204);
    expect(await ari('POST', `/channels/${id}/play`, { media: 'sound:hello' })).toBe(201);
    await advance(1000); // the prompt ends
    await advance(3000); // 3 s of nothing: dead air
    expect(await ari('POST', `/channels/${id}/moh`)).toBe(204);
    await advance(2000);
    expect(await ari('DELETE', `/channels/${id}/moh`)).toBe(204);
    expect(await ari('POST', '/bridges', { bridgeId: 'b1', type: 'mixing' })).toBe(200);
    expect(await ari('POST', '/channels', { endpoint: 'PJSIP/1001', app: 'centralita', channelId: 'agent1' })).toBe(200);
    await advance(1500); // the phone answers after 1 s
    expect(await ari('POST', '/bridges/b1/addChannel', { channel: `${id},agent1` })).toBe(204);
    await advance(4000);
    expect(await ari('DELETE', '/channels/agent1')).toBe(204); // the agent leaves: the caller is alone
    await advance(2500);
    sim.control.hangup(id);
    await advance(10);
    expect(spans(id)).toEqual(['ringing:500', 'prompt(sound:hello):1000', 'silence:3000', 'moh:2000', 'silence:1500', 'bridged:4000', 'silence:2500']);
    const heard = sim.control.channel(id)!.heard;
    expect(deadAir(heard).map((d) => d.ms)).toEqual([3000, 2500]);
    // The silence after the prompt is allowed when the flow waits for digits after it...
    expect(deadAir(heard, { digitPrompts: new Set(['sound:hello']) }).map((d) => d.ms)).toEqual([2500]);
    // ...up to the digit wait.
    expect(deadAir(heard, { digitPrompts: new Set(['sound:hello']), maxDigitWaitMs: 2500 }).map((d) => d.ms)).toEqual([3000, 2500]);
    expect(sim.control.hearing().channels.find((c) => c.id === id)?.alive).toBe(false);
  });

  it('a bridge announcement and bridge MOH are heard by everyone in it', async () => {
    const a = sim.control.placeCall({ from: '3001', to: '6015550100' });
    await advance(10);
    await ari('POST', `/channels/${a}/answer`);
    await ari('POST', '/bridges', { bridgeId: 'hold', type: 'mixing' });
    await ari('POST', '/bridges/hold/addChannel', { channel: a });
    await ari('POST', '/bridges/hold/moh');
    await advance(1000);
    await ari('POST', '/bridges/hold/play', { media: 'sound:menu' });
    await advance(1500);
    await advance(100);
    expect(spans(a)).toEqual(['silence:0', 'moh:1000', 'prompt(sound:menu):1500', 'moh:open']);
  });
});

describe('hearing in the PBX\'s own queue (app_queue)', () => {
  it('a caller waiting in Queue() hears music on hold, then the member', async () => {
    clock = createManualClock();
    // Every member busy at first: 1006-1008 ring for 5 s, then one answers.
    sim = await startSimulator({ user: 'u', password: 'p', clock });
    try {
      for (const r of ['1006', '1007', '1008']) sim.control.setEndpointBehavior('PJSIP', r, { behavior: 'answer', afterMs: 5000 });
      const id = sim.control.placeCall({ from: '3001234567', to: PBX_QUEUE_DID });
      await advance(10);
      await advance(6000);
      await advance(2000);
      sim.control.hangup(id);
      await advance(10);
      // Answer() then Queue(): a few ms of nothing between them, then music until the member answers.
      const heard = spans(id).filter((h) => !/^silence:\d$/.test(h));
      expect(heard.slice(0, 2)).toEqual([expect.stringMatching(/^moh:(49|50)\d\d$/), expect.stringMatching(/^bridged:3\d{3}$/)]);
      expect(deadAir(sim.control.channel(id)!.heard)).toEqual([]);
    } finally { await sim.close(); }
  });
});
