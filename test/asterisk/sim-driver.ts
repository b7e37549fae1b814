// The scenarios' PBX as the simulator, driven only through its HTTP control API (/_sim) the
// way the lab driver drives sipp and the tester app. Its dialplan mirrors what the install
// puts on the real Asterisk (see lab/install.ts): DIDs enter Stasis(centralita) and fall back
// to a receptionist phone; hand-offs to extension 2001 dial PJSIP/ct-desk.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator, type TranscriptEntry } from '../../src/sim/index.ts';
import type { Caller, NumberKind, PbxDriver } from './driver.ts';
import { waitFor } from '../helpers/wait.ts';

const USER = 'centralita';
const PASSWORD = 'sim-asterisk-scenarios';
export const RECEPTIONIST = 'PJSIP/ct-reception';

interface ChannelView { id: string; name: string; alive: boolean; stasisApp?: string; transcript: TranscriptEntry[] }

export function simDialplan(dids: string[]): Record<string, Record<string, unknown[]>> {
  // centralita-did: Stasis(centralita) with no args (the app maps the DID); when the app is down
  // or hands the call back, the fallback: the receptionist's phone (ring group 600 in FreePBX).
  const fallback = [{ app: 'Dial', endpoint: RECEPTIONIST, timeoutSec: 20 }, { app: 'Hangup' }];
  return {
    'ct-in': Object.fromEntries(dids.map((d) => [d, [{ app: 'Stasis', appName: 'centralita' }, ...fallback]])),
    'centralita-handoff': { 2001: [{ app: 'Dial', endpoint: 'PJSIP/ct-desk', timeoutSec: 20 }, { app: 'Hangup' }] },
    'ct-direct': Object.fromEntries(['ct-agent1', 'ct-agent2'].map((a) => [a, [{ app: 'Dial', endpoint: `PJSIP/${a}`, timeoutSec: 20 }, { app: 'Hangup' }]])),
  };
}

const NUMBER_BEHAVIOUR: Record<NumberKind, Record<string, unknown>> = {
  answer: { behavior: 'answer', afterMs: 300 },
  'answer-press-9': { behavior: 'answer', afterMs: 300, digits: '9', digitsAfterMs: 1500 },
  busy: { behavior: 'busy', afterMs: 200 },
  congestion: { behavior: 'congestion' },
  noanswer: { behavior: 'noanswer' },
  decline: { behavior: 'reject', afterMs: 200 },
  // The simulator has no "404" behaviour: a number it cannot reach is what it models closest.
  unknown: { behavior: 'unreachable' },
};

export async function createSimDriver(o: { dids: string[]; soundsDir: string; speed?: number }): Promise<PbxDriver> {
  let sim: Simulator | undefined;
  let port = 0;
  const auth = { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' };
  const url = () => `http://127.0.0.1:${port}`;
  const ctl = async (method: string, path: string, body?: unknown, retry = true): Promise<unknown> => {
    let r: Response;
    try {
      r = await fetch(`${url()}/_sim${path}`, { method, headers: auth, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch (err) {
      // A keep-alive connection the server closed meanwhile: one fresh attempt.
      if (retry) return ctl(method, path, body, false);
      throw err;
    }
    if (r.status >= 300) throw new Error(`/_sim${path}: HTTP ${r.status} ${await r.text()}`);
    return r.status === 204 ? undefined : ((await r.json()) as unknown);
  };
  const view = (id: string) => ctl('GET', `/channels/${encodeURIComponent(id)}`) as Promise<ChannelView>;
  const phones = new Map<string, Record<string, unknown>>();
  const recordingsDir = mkdtempSync(join(tmpdir(), 'centralita-sim-recordings-'));

  async function boot() {
    sim = await startSimulator({ host: '127.0.0.1', port, user: USER, password: PASSWORD, app: 'centralita', soundsDir: o.soundsDir, clockSpeed: o.speed ?? 1, recordingsDir });
    port = Number(new URL(sim.url).port);
    await ctl('PUT', '/dialplan', simDialplan(o.dids));
    await ctl('PUT', `/endpoints/${RECEPTIONIST}`, { behavior: 'answer', afterMs: 200 });
    for (const [resource, b] of phones) await ctl('PUT', `/endpoints/PJSIP/${resource}`, b);
  }

  function caller(id: string): Caller {
    const transcript = async () => (await view(id)).transcript;
    const prompts = async () => (await transcript()).filter((e): e is Extract<TranscriptEntry, { kind: 'prompt' }> => e.kind === 'prompt');
    return {
      id,
      press: async (digits, p) => { await ctl('POST', `/channels/${encodeURIComponent(id)}/dtmf`, { digits, gapMs: p?.gapMs ?? 250 }); },
      hangup: async () => { await ctl('POST', `/channels/${encodeURIComponent(id)}/hangup`).catch(() => {}); },
      heard: async () => (await prompts()).map((p) => p.media),
      async waitPrompt(media, p = {}) {
        await waitFor(async () => ((await prompts()).filter((x) => x.media === media).length >= (p.nth ?? 1) ? true : undefined), p.timeoutMs ?? 15_000, `prompt ${media} #${p.nth ?? 1}`);
      },
      async waitBridged(ms = 15_000) {
        await waitFor(async () => ((await transcript()).some((e) => e.kind === 'bridged' && e.with.length > 0 && !e.bridgeId.startsWith('dial:')) ? true : undefined), ms, 'caller bridged');
      },
      async moh() {
        const t = (await transcript()).filter((e) => e.kind === 'moh') as { on: boolean }[];
        return t.at(-1)?.on ?? false;
      },
      async waitGone(ms = 15_000) { await waitFor(async () => ((await view(id)).alive ? undefined : true), ms, 'caller gone'); },
      async waitFallback(ms = 15_000) { await this.waitHandedOffTo(RECEPTIONIST, ms); },
      async waitHandedOffTo(endpoint, ms = 15_000) {
        await waitFor(async () => {
          for (const e of await transcript()) {
            if (e.kind !== 'bridged' || !e.bridgeId.startsWith('dial:')) continue;
            const peer = await view(e.with[0]!).catch(() => undefined);
            if (peer?.name.startsWith(`${endpoint}-`)) return true;
          }
          return undefined;
        }, ms, `handed off to ${endpoint}`);
      },
    };
  }

  const driver: PbxDriver = {
    name: 'sim',
    get ari() { return { url: url(), user: USER, password: PASSWORD }; },
    mohClass: 'default',
    slow: 1,
    async start() { if (!sim) { await new Promise((r) => setTimeout(r, 1100)); await boot(); } },
    async close() { await sim?.close(); sim = undefined; rmSync(recordingsDir, { recursive: true, force: true }); },
    async call({ from, to }) {
      const r = (await ctl('POST', '/calls', { from, to, context: 'ct-in' })) as { channelId: string };
      return caller(r.channelId);
    },
    async callPhone(resource) {
      const r = (await ctl('POST', '/calls', { from: '1099', to: resource, context: 'ct-direct' })) as { channelId: string };
      return caller(r.channelId);
    },
    async phone(resource, b) {
      const sb = b.kind === 'answer' ? { behavior: 'answer', afterMs: b.afterMs, ...(b.hangupAfterMs !== undefined ? { hangupAfterMs: b.hangupAfterMs } : {}) } : { behavior: b.kind };
      phones.set(resource, sb);
      await ctl('PUT', `/endpoints/PJSIP/${resource}`, sb);
    },
    async campaignNumber(kind, index) {
      const number = `+5730077${String(index).padStart(5, '0')}`;
      await ctl('PUT', '/numbers', { pattern: number, ...NUMBER_BEHAVIOUR[kind] });
      return number;
    },
    async recordingExists(name) {
      // The simulator's stored-recordings list does not descend into folders (voicemail/…):
      // look for the file where it writes recordings.
      return existsSync(join(recordingsDir, `${name}.wav`));
    },
    async restart() {
      await sim?.close();
      sim = undefined;
      // A restart takes a while; channel ids are `<epoch s>.<n>` from n=200 at each start, as
      // Asterisk's, so one within the same second would hand out the previous run's ids again.
      await new Promise((r) => setTimeout(r, 1100));
      await boot();
    },
    async crash() { await this.restart(); },
    async stopNow() {
      await sim?.close();
      sim = undefined;
    },
  };
  return driver;
}
