// The scenarios' PBX as a real Asterisk (the lab): callers are Local channels originated by a
// tester ARI application (`ct-tester`), whose `;2` half runs the installed dialplan into
// Stasis(centralita) — the tester, having originated the pair, receives that half's events too
// (playbacks, bridges, Dial, hang-up). Phones and the carrier are sipp processes; music on hold
// is read on AMI; restarts and `core stop now` go through the CLI.
import { exec } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import WebSocket from 'ws';
import type { Caller, NumberKind, PbxDriver, PhoneBehaviour } from '../driver.ts';
import type { LabSettings } from '../settings.ts';
import { waitFor } from '../../helpers/wait.ts';
import { listenAmi, type AmiListener } from './ami.ts';
import { install, PHONE_PORTS, TRUNK_PORT } from './install.ts';
import { carrierScenario, NUMBER_DIGIT, phoneScenario, startUas, type SippProcess } from './sipp.ts';

const TESTER = 'ct-tester';

interface AriEvent { type: string; channel?: { id: string; name?: string; dialplan?: { context?: string } }; playback?: { id: string; media_uri: string; target_uri: string }; bridge?: { id: string; channels?: string[] }; peer?: { id: string; name: string }; caller?: { id: string }; dialstatus?: string; cause?: number }

export async function createLabDriver(s: LabSettings): Promise<PbxDriver> {
  const auth = `Basic ${Buffer.from(`${s.ariUser}:${s.ariPassword}`).toString('base64')}`;
  const events: AriEvent[] = [];
  let ws: WebSocket | undefined;
  let ami: AmiListener | undefined;
  let uninstall: (() => Promise<void>) | undefined;
  const phones = new Map<string, SippProcess>();
  let carrier: SippProcess | undefined;
  let seq = 0;
  const run = Date.now().toString(36);
  const cli = (command: string) => new Promise<string>((res, rej) => {
    exec(`${s.cli} '${command.replace(/'/g, "'\\''")}'`, { timeout: 30_000 }, (err, stdout, stderr) => (err ? rej(new Error(`${command}: ${stderr || err.message}`)) : res(stdout)));
  });
  const shell = (command: string) => new Promise<string>((res, rej) => {
    exec(command, { timeout: 60_000 }, (err, stdout, stderr) => (err ? rej(new Error(`${command}: ${stderr || stdout || err.message}`)) : res(stdout)));
  });
  const rest = async (method: string, path: string, q: Record<string, string | number> = {}) => {
    const u = new URL(`${s.ariUrl}/ari${path}`);
    for (const [k, v] of Object.entries(q)) u.searchParams.set(k, String(v));
    const r = await fetch(u, { method, headers: { authorization: auth } });
    const text = await r.text();
    if (r.status >= 300 && r.status !== 404) throw new Error(`${method} ${path}: HTTP ${r.status} ${text}`);
    return { status: r.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };
  const ariUp = async () => { try { return (await rest('GET', '/asterisk/ping')).status === 200; } catch { return false; } };

  function openTester(): Promise<void> {
    return new Promise((res, rej) => {
      const sock = new WebSocket(`${s.ariUrl.replace(/^http/, 'ws')}/ari/events?app=${TESTER}&subscribeAll=false&api_key=${encodeURIComponent(`${s.ariUser}:${s.ariPassword}`)}`);
      sock.on('open', () => { ws = sock; res(); });
      sock.on('error', rej);
      sock.on('message', (d: WebSocket.RawData) => { try { events.push(JSON.parse(d.toString()) as AriEvent); } catch { /* not JSON: ignore */ } });
      sock.on('close', () => { if (ws === sock) ws = undefined; });
    });
  }

  async function connectAll(): Promise<void> {
    await waitFor(ariUp, 30_000, 'real Asterisk ARI');
    await openTester();
    ami?.close();
    ami = await listenAmi(s.ami);
  }

  // Asterisk finds a channel id by prefix when it checks for duplicates: neither half's id may
  // start with the other's (`x` and `x-caller` collide with 409), hence `-in` / `-caller`.
  function caller(base: string): Caller {
    const id = `${base}-in`;
    const mine = () => events.filter((e) => e.channel?.id === id || e.playback?.target_uri === `channel:${id}` || e.caller?.id === id);
    // A media list reports its first item as PlaybackStarted and each next one as PlaybackContinuing.
    const prompts = () => mine().filter((e) => e.type === 'PlaybackStarted' || e.type === 'PlaybackContinuing').map((e) => e.playback!.media_uri);
    return {
      id,
      async press(digits, p) { await rest('POST', `/channels/${base}-caller/dtmf`, { dtmf: digits, between: p?.gapMs ?? 250, duration: 120 }); },
      async hangup() { await rest('DELETE', `/channels/${base}-caller`).catch(() => {}); },
      heard: async () => prompts(),
      async waitPrompt(media, p = {}) {
        // A media list starts each item as its own PlaybackStarted (first one carries the list's first URI).
        await waitFor(() => (prompts().filter((m) => m === media).length >= (p.nth ?? 1) ? true : undefined), (p.timeoutMs ?? 15_000) * 2, `prompt ${media} #${p.nth ?? 1}`);
      },
      async waitBridged(ms = 15_000) {
        // Bridge events go to the bridge's subscribers (the app), not to the tester: ask ARI.
        await waitFor(async () => {
          const list = (await rest('GET', '/bridges')).body as { channels?: string[] }[] | undefined;
          return list?.some((b) => b.channels?.includes(id) && b.channels.length >= 2) ? true : undefined;
        }, ms * 2, 'caller bridged');
      },
      moh: async () => ami?.mohOn(id) ?? false,
      async waitGone(ms = 15_000) { await waitFor(() => (mine().some((e) => e.type === 'ChannelDestroyed') ? true : undefined), ms * 2, 'caller gone'); },
      async waitFallback(ms = 15_000) { await this.waitHandedOffTo('PJSIP/ct-reception', ms); },
      async waitHandedOffTo(endpoint, ms = 15_000) {
        await waitFor(() => (events.some((e) => e.type === 'Dial' && e.caller?.id === id && e.peer?.name.startsWith(`${endpoint}-`) && e.dialstatus === 'ANSWER') ? true : undefined), ms * 2, `handed off to ${endpoint}`);
      },
    };
  }

  const ports = PHONE_PORTS(s.sippBasePort);
  const driver: PbxDriver = {
    name: 'lab',
    ari: { url: s.ariUrl, user: 'centralita', password: s.appPassword },
    mohClass: 'lab',
    slow: 3,
    async start() {
      if (!(await ariUp())) {
        if (s.pidFile) rmSync(s.pidFile, { force: true });
        await shell(s.start);
      }
      if (!uninstall) uninstall = await install({ etcDir: s.etcDir, soundsDir: s.soundsDir, appPassword: s.appPassword, sippBasePort: s.sippBasePort, repoDir: resolve('.'), cli });
      if (!carrier) carrier = startUas(TRUNK_PORT(s.sippBasePort), carrierScenario(), 'carrier');
      // The receptionist the dialplan's fallback rings (FreePBX: ring group 600).
      if (!phones.has('ct-reception')) await driver.phone('ct-reception', { kind: 'answer', afterMs: 300, hangupAfterMs: 3000 });
      if (!ws) await connectAll();
    },
    async close() {
      ws?.close();
      ami?.close();
      for (const p of phones.values()) await p.stop();
      phones.clear();
      await carrier?.stop();
      carrier = undefined;
      if (await ariUp()) await uninstall?.();
      uninstall = undefined;
    },
    async call({ from, to }) {
      const base = `ct-${run}-${++seq}`;
      await rest('POST', '/channels', { endpoint: `Local/${to}@ct-in`, app: TESTER, channelId: `${base}-caller`, otherChannelId: `${base}-in`, callerId: `"Scenario" <${from}>`, timeout: 30 });
      return caller(base);
    },
    async callPhone(resource) {
      const base = `ct-${run}-${++seq}`;
      await rest('POST', '/channels', { endpoint: `Local/${resource}@ct-direct`, app: TESTER, channelId: `${base}-caller`, otherChannelId: `${base}-in`, callerId: '"Direct" <1099>', timeout: 30 });
      return caller(base);
    },
    async phone(resource, b: PhoneBehaviour) {
      const port = ports[resource];
      if (!port) throw new Error(`no sipp port for PJSIP/${resource} (known: ${Object.keys(ports).join(', ')})`);
      await phones.get(resource)?.stop();
      phones.set(resource, startUas(port, phoneScenario(b), `phone-${resource}`));
      await new Promise((r) => setTimeout(r, 300)); // sipp binds its port
    },
    async campaignNumber(kind: NumberKind, index) {
      return `+573007${String(index).padStart(5, '0')}${NUMBER_DIGIT[kind]}`;
    },
    async recordingExists(name) {
      // The list, not GET /recordings/stored/{name}: a name with a folder has a slash in it.
      return ((await rest('GET', '/recordings/stored')).body as { name: string }[]).some((x) => x.name === name);
    },
    async restart() {
      ws?.close();
      ws = undefined;
      await cli('core restart now').catch(() => '');
      await waitFor(async () => ((await ariUp()) ? undefined : true), 20_000, 'Asterisk going down').catch(() => {});
      await connectAll();
    },
    async crash() {
      ws?.close();
      ws = undefined;
      await shell(s.kill);
      await waitFor(async () => ((await ariUp()) ? undefined : true), 20_000, 'Asterisk dead');
      if (s.pidFile) rmSync(s.pidFile, { force: true });
      await shell(s.start);
      await connectAll();
    },
    async stopNow() {
      ws?.close();
      ws = undefined;
      await cli('core stop now').catch(() => '');
      await waitFor(async () => ((await ariUp()) ? undefined : true), 20_000, 'Asterisk stopped');
    },
    cli,
  };
  return driver;
}
