// The shipped PBX configuration on a real Asterisk (the lab): sipp plays the carrier and the
// phones. Extension to extension, extension to a mobile through the IP-authenticated trunk,
// an emergency call, the registration trunk, a configurable country, and an inbound DID to
// centralita (Stasis) — each answered and hung up cleanly. Needs the lab with
// test/asterisk/pbx/lab-setup.sh applied, TEST_ASTERISK_ARI_URL set (e.g.
// http://127.0.0.1:8088) and sipp; skipped with one line otherwise.
//   TEST_ASTERISK_ARI_URL=http://127.0.0.1:8088 npx vitest run --config test/asterisk/pbx/vitest.config.ts
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ARI = process.env.TEST_ASTERISK_ARI_URL?.replace(/\/+$/, '').replace(/\/ari$/, '');
const ADMIN = { user: process.env.TEST_ASTERISK_ARI_USER ?? 'lab', password: process.env.TEST_ASTERISK_ARI_PASSWORD ?? 'lab' };
// Same settings names and defaults as test/asterisk/settings.ts (the shared test:asterisk project).
const APP_ARI = { user: 'centralita', password: process.env.TEST_ASTERISK_APP_PASSWORD ?? 'centralita-test-secret' };
const SIP = process.env.TEST_ASTERISK_SIP ?? '127.0.0.1:5060';
const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const LAB_SH = join(REPO, '..', 'shared', 'asterisk-lab', 'lab.sh');
const CLI = process.env.TEST_ASTERISK_CLI ?? (existsSync(LAB_SH) ? `sh ${LAB_SH} cli` : undefined);

async function ari(path: string, init: RequestInit = {}, who = ADMIN): Promise<Response> {
  return fetch(`${ARI}/ari${path}`, { ...init, headers: { authorization: `Basic ${Buffer.from(`${who.user}:${who.password}`).toString('base64')}` } });
}

async function readiness(): Promise<string | undefined> {
  if (!ARI) return 'TEST_ASTERISK_ARI_URL is not set';
  if (spawnSync('sipp', ['-v']).error) return 'sipp is not installed';
  try {
    for (const ep of ['carrier', '2001', '2002']) if ((await ari(`/endpoints/PJSIP/${ep}`)).status !== 200) return `PJSIP/${ep} is missing: apply test/asterisk/pbx/lab-setup.sh to the lab`;
  } catch (err) { return `no Asterisk at ${ARI} (${(err as Error).message})`; }
  return undefined;
}
const skip = await readiness();
if (skip) console.log(`SKIPPED test/asterisk/pbx (PBX routes on a real Asterisk): ${skip}`);

interface SippRun { code: number | null; log: string; stderr: string }
/** Runs one sipp scenario to completion (-m 1) and returns its exit code and message log. */
function sipp(o: { scenario: string; local: string; port: number; service?: string; remote?: string; keys?: Record<string, string>; auth?: [string, string]; pauseMs?: number; timeoutS?: number }): { done: Promise<SippRun>; ready: Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-'));
  const args = ['-sf', join(HERE, 'sipp', o.scenario), '-i', o.local, '-p', String(o.port), '-m', '1', '-timeout', `${o.timeoutS ?? 40}s`, '-timeout_error', '-trace_logs', '-log_file', join(dir, 'log.txt'), '-trace_err', '-error_file', join(dir, 'err.txt')];
  if (o.service) args.push('-s', o.service);
  if (o.pauseMs !== undefined) args.push('-d', String(o.pauseMs));
  if (o.auth) args.push('-au', o.auth[0], '-ap', o.auth[1]);
  for (const [k, v] of Object.entries(o.keys ?? {})) args.push('-key', k, v);
  if (o.remote) args.push(o.remote);
  const p = spawn('sipp', args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir });
  let stderr = '';
  p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const read = (f: string) => { try { return readFileSync(join(dir, f), 'utf8'); } catch { return ''; } };
  const done = new Promise<SippRun>((resolve) => p.on('exit', (code) => resolve({ code, log: read('log.txt'), stderr: stderr + read('err.txt') + readdirSync(dir).join(',') })));
  // A UAS is listening as soon as sipp has bound its port (it prints nothing before): give the socket a moment.
  const ready = new Promise<void>((r) => setTimeout(r, 400));
  return { done, ready };
}
const caller = (service: string, user: string, password: string, port: number, hold = 2000) => sipp({ scenario: 'uac_call.xml', local: '127.0.0.1', port, service, remote: SIP, keys: { user }, auth: [user, password], pauseMs: hold });

describe.skipIf(!!skip)('PBX routes on the lab Asterisk (sipp as carrier and phones)', () => {
  const summary: string[] = [];
  afterAll(() => { console.log(`\n== PBX lab summary ==\n${summary.join('\n')}`); });

  it('phone 2002 registers with digest authentication', async () => {
    const r = await sipp({ scenario: 'uac_register.xml', local: '127.0.0.1', port: 5092, remote: SIP, keys: { user: '2002' }, auth: ['2002', 'lab-2002-secret'] }).done;
    expect(r.code, r.stderr).toBe(0);
    summary.push('register 2002 (digest)            → 200 OK');
  });

  it('extension 2001 calls extension 2002: answered, caller hangs up, 200 to BYE', async () => {
    const callee = sipp({ scenario: 'uas_answer.xml', local: '127.0.0.1', port: 5092 });
    await callee.ready;
    const call = await caller('2002', '2001', 'lab-2001-secret', 5091).done;
    const far = await callee.done;
    expect(call.code, call.stderr).toBe(0);
    expect(far.code, far.stderr).toBe(0);
    expect(far.log).toMatch(/RURI=2002 FROM=.*2001/);
    summary.push(`2001 → 2002 internal              → answered, BYE 200 (callee saw From ${/FROM=\s*(.*?) PAI=/.exec(far.log)?.[1]})`);
  });

  it('extension 2001 calls a Colombian mobile through the trunk: E.164, the extension\'s DID as caller ID', async () => {
    const carrier = sipp({ scenario: 'uas_answer.xml', local: '127.0.0.2', port: 5070 });
    await carrier.ready;
    const call = await caller('3001234567', '2001', 'lab-2001-secret', 5091).done;
    const far = await carrier.done;
    expect(call.code, call.stderr).toBe(0);
    expect(far.code, far.stderr).toBe(0);
    expect(far.log).toContain('RURI=+573001234567');
    expect(far.log).toMatch(/FROM=.*\+576015550101/);
    expect(far.log).toMatch(/PAI=.*\+576015550101/);
    summary.push(`2001 → 3001234567 (mobile, CO)    → trunk got ${/RURI=(\S+)/.exec(far.log)?.[1]}, caller ID +576015550101, answered, BYE 200`);
  });

  it('an emergency call (123) goes out as dialled, caller ID presented even when *67 asked to hide it', async () => {
    const carrier = sipp({ scenario: 'uas_answer.xml', local: '127.0.0.2', port: 5070 });
    await carrier.ready;
    const call = await caller('*67123', '2001', 'lab-2001-secret', 5091).done;
    const far = await carrier.done;
    expect(call.code, call.stderr).toBe(0);
    expect(far.code, far.stderr).toBe(0);
    expect(far.log).toContain('RURI=123 ');
    expect(far.log).toMatch(/FROM=.*\+576015550101/);
    expect(far.log).not.toMatch(/FROM=.*[Aa]nonymous/);
    summary.push('2001 → *67 123 (emergency)        → trunk got 123, caller ID presented, answered, BYE 200');
  });

  it('*67 hides the caller ID on an ordinary national call', async () => {
    const carrier = sipp({ scenario: 'uas_answer.xml', local: '127.0.0.2', port: 5070 });
    await carrier.ready;
    const call = await caller('*676015551234', '2001', 'lab-2001-secret', 5091).done;
    const far = await carrier.done;
    expect(call.code, call.stderr).toBe(0);
    expect(far.log).toContain('RURI=+576015551234');
    expect(far.log).toMatch(/FROM=.*[Aa]nonymous/);
    summary.push('2001 → *67 6015551234 (landline)  → trunk got +576015551234 from Anonymous, answered, BYE 200');
  });

  it('another country through the generic routes (ES): national and 112', async () => {
    const set = (k: string, v: string) => ari(`/asterisk/variable?variable=${k}&value=${encodeURIComponent(v)}`, { method: 'POST' });
    const globals = { CENTRALITA_COUNTRY: 'GEN', CENTRALITA_CC: '34', CENTRALITA_EMERGENCY_NUMBERS: '112,091,092,061,062,080,085', CENTRALITA_NSN_LENGTHS: '9' };
    for (const [k, v] of Object.entries(globals)) expect((await set(k, v)).status).toBe(204);
    try {
      for (const [dial, expected] of [['612345678', '+34612345678'], ['112', '112'], ['0033612345678', '+33612345678']] as const) {
        const carrier = sipp({ scenario: 'uas_answer.xml', local: '127.0.0.2', port: 5070 });
        await carrier.ready;
        const call = await caller(dial, '2001', 'lab-2001-secret', 5091, 1000).done;
        const far = await carrier.done;
        expect(call.code, call.stderr).toBe(0);
        expect(far.log).toContain(`RURI=${expected} `);
        summary.push(`GEN/ES 2001 → ${dial.padEnd(13)}         → trunk got ${expected}, answered, BYE 200`);
      }
    } finally {
      for (const [k, v] of Object.entries({ CENTRALITA_COUNTRY: 'CO', CENTRALITA_CC: '57', CENTRALITA_EMERGENCY_NUMBERS: '112', CENTRALITA_NSN_LENGTHS: '9' })) await set(k, v);
    }
  });

  it.skipIf(!CLI)('the registration trunk registers with the carrier\'s registrar (digest challenge)', async () => {
    const cli = (cmd: string) => spawnSync('sh', ['-c', `${CLI} '${cmd}'`], { encoding: 'utf8' }).stdout;
    const registered = () => /carrier-reg\s+Registered/.test(cli('pjsip show registrations'));
    // `pjsip send register` first un-registers a registration that is up (REGISTER with
    // Expires: 0, its own challenge round), then registers; a second registrar run takes
    // that REGISTER (a retransmission if it binds late).
    const poll = async (ms: number) => { for (let t = 0; t < ms; t += 100) { if (registered()) return true; await new Promise((res) => setTimeout(res, 100)); } return registered(); };
    const wasUp = registered();
    const a = sipp({ scenario: 'uas_registrar.xml', local: '127.0.0.3', port: 5080 });
    await a.ready;
    cli('pjsip send register carrier-reg');
    const first = await a.done;
    expect(first.code, first.stderr).toBe(0);
    let last = first;
    if (!(await poll(wasUp ? 0 : 2000))) {
      const b = sipp({ scenario: 'uas_registrar.xml', local: '127.0.0.3', port: 5080 });
      last = await b.done;
      expect(last.code, last.stderr).toBe(0);
    }
    expect(await poll(3000), `${last.log}\n${cli('pjsip show registrations')}`).toBe(true);
    summary.push('carrier-reg registration           → 401 challenge, REGISTER with digest, Registered');
  });

  describe('inbound DID → centralita', () => {
    let app: Awaited<ReturnType<typeof import('../../../src/main.ts').startCentralita>>;
    const records: { to: string; from: string; disposition: string; flow?: { id: string }; path?: { node: string }[] }[] = [];
    beforeAll(async () => {
      const { loadConfig } = await import('../../../src/config.ts');
      const { createLogger } = await import('../../../src/logger.ts');
      const { startCentralita } = await import('../../../src/main.ts');
      const data = mkdtempSync(join(tmpdir(), 'centralita-lab-'));
      const config = loadConfig({ ARI_URL: ARI, ARI_USER: APP_ARI.user, ARI_PASSWORD: APP_ARI.password, HTTP_PORT: '0', DATA_DIR: data, CAMPAIGN_INBOX_DIR: join(data, 'inbox'), CAMPAIGN_RESULTS_DIR: join(data, 'results'), LOG_LEVEL: 'warn', ALERTS_ENABLED: 'false' });
      app = await startCentralita(config, createLogger({ level: 'warn', secrets: config.secrets }));
      app.bus.on('call.record', (r) => records.push(r as never));
    }, 60_000);
    afterAll(async () => { await app?.stop(); });

    it('the carrier sends a call to DID 6015550100: normalised to +57, Stasis(centralita) answers, caller hangs up, one call record', async () => {
      const call = await sipp({ scenario: 'uac_call.xml', local: '127.0.0.2', port: 5071, service: '6015550100', remote: SIP, keys: { user: '3001112233' }, pauseMs: 5000 }).done;
      expect(call.code, call.stderr).toBe(0);
      const deadline = Date.now() + 10_000;
      while (records.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ to: '+576015550100', from: '+573001112233', flow: { id: 'main' }, disposition: 'answered' });
      summary.push(`carrier → DID 6015550100 (inbound) → centralita flow ${records[0]!.flow?.id} answered (path ${(records[0]!.path ?? []).map((p) => p.node).join(' > ')}), caller BYE 200, record ${records[0]!.disposition} to ${records[0]!.to} from ${records[0]!.from}`);
    }, 60_000);
  });
});
