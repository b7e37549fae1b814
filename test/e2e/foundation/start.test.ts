import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../../src/infra/net.ts';

const cli = new URL('../../../src/cli.ts', import.meta.url).pathname;

const exec = promisify(execFile);
/** One CLI invocation as a user types it; no stack trace may ever reach them. */
async function run(args: string[], env: Record<string, string | undefined>): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await exec(process.execPath, [cli, ...args], { env: env as NodeJS.ProcessEnv });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

describe('npm start (the CLI `start` command)', () => {
  it('starts on embedded defaults, prints where it listens, and stops cleanly on SIGINT', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'centralita-start-'));
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, HTTP_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info', CAMPAIGN_INBOX_DIR: join(dataDir, 'inbox'), CAMPAIGN_RESULTS_DIR: join(dataDir, 'results') };
    const child = spawn(process.execPath, [cli, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no listening line within 20 s:\n${out}`)), 20_000);
      const poll = setInterval(() => {
        const m = /API and dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
        if (m) { clearInterval(poll); clearTimeout(t); resolve(m[1]!); }
      }, 50);
    });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);

    // Usable at once: the first admin's password is printed once, and signs in.
    const pw = /created user 'admin' with password (\S+)/.exec(out)?.[1];
    expect(pw, out).toBeDefined();
    const signIn = await fetch(`${url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: pw }) });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    expect((await fetch(`${url}/api/session`, { headers: { cookie } })).status).toBe(200);
    expect(out.split(pw!).length - 1, 'the password is printed once and never logged').toBe(1);

    // The CLI on this machine finds the app and its token in DATA_DIR, with no flags at all.
    const runtime = join(dataDir, 'running.json');
    expect(statSync(runtime).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(runtime, 'utf8'))).toMatchObject({ api: { url } });
    const agents = await run(['agents', 'queues'], env);
    expect(agents, agents.err).toMatchObject({ code: 0 });
    expect(agents.out).toMatch(/^QUEUE\s+STRATEGY/);
    const who = await run(['users', 'list'], env);
    expect(who.out).toMatch(/^admin\tadmin/m);
    // Commands that need the app's Redis find it the same way (no REDIS_URL in env).
    const unassociated = await run(['hubspot', 'unassociated'], env);
    expect(unassociated, unassociated.err).toMatchObject({ code: 0 });
    const nope = await run(['campaign', 'status', 'no-such-campaign'], env);
    expect([nope.code, nope.err.trim()]).toEqual([1, 'error: CAMPAIGN_NOT_FOUND: no campaign no-such-campaign']);

    // A second start on the same port: one line saying what to do, no stack trace.
    const port = new URL(url).port;
    const second = await run(['start'], { ...env, HTTP_PORT: port, DATA_DIR: mkdtempSync(join(tmpdir(), 'centralita-start2-')) });
    expect(second.code).toBe(1);
    expect(second.err).toContain(`port ${port} on 127.0.0.1 is already in use`);
    expect(second.err).not.toMatch(/\n\s+at /);
    const redisPid = Number(/"redisPid":(\d+)/.exec(out)?.[1] ?? NaN);
    expect(Number.isFinite(redisPid)).toBe(true);
    expect(isAlive(redisPid)).toBe(true);

    const code = await new Promise<number | null>((resolve) => { child.once('exit', (c) => resolve(c)); child.kill('SIGINT'); });
    expect(code, out).toBe(0);
    expect(isAlive(redisPid)).toBe(false); // no orphan redis-server

    // The app is down: the CLI says so in one line (no stack trace), with the fix.
    const down = await run(['campaign', 'status', 'x'], env);
    expect([down.code, down.err.trim()]).toEqual([1, expect.stringMatching(/^error: centralita is not running on this machine \(no .*running\.json\)\. Start it with `npm start`/)]);
    const closed = await freePort();
    const unreachable = await run(['campaign', 'pause', 'x', '--api', `http://127.0.0.1:${closed}`], env);
    expect([unreachable.code, unreachable.err.trim()]).toEqual([1, `error: cannot reach centralita at http://127.0.0.1:${closed} (ECONNREFUSED); is it running? Use --url to point at it`]);
    for (const r of [down, unreachable]) expect(r.err).not.toMatch(/\n\s+at /);

    // Started again on the same DATA_DIR: users live in PostgreSQL, so no new admin password;
    // the simulator keeps its credentials; the CLI gets a fresh token.
    const simPassword = /simulated PBX \(ARI\): \S+ {2}user \S+ {2}password (\S+)/.exec(out)?.[1];
    const again = spawn(process.execPath, [cli, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out2 = '';
    again.stdout.on('data', (d: Buffer) => { out2 += d.toString(); });
    again.stderr.on('data', (d: Buffer) => { out2 += d.toString(); });
    const url2 = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no listening line within 20 s:\n${out2}`)), 20_000);
      const poll = setInterval(() => {
        const m = /API and dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out2);
        if (m) { clearInterval(poll); clearTimeout(t); resolve(m[1]!); }
      }, 50);
    });
    try {
      expect(out2).not.toContain('first start: created user');
      expect(/simulated PBX \(ARI\): \S+ {2}user \S+ {2}password (\S+)/.exec(out2)?.[1]).toBe(simPassword);
      const again1 = await fetch(`${url2}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: pw }) });
      expect(again1.status).toBe(200);
      expect((await run(['audit', '--action', 'session.sign-in'], env)).out).toMatch(/user:admin {2}session\.sign-in user:admin {2}ok/);
    } finally {
      await new Promise<number | null>((resolve) => { again.once('exit', (c) => resolve(c)); again.kill('SIGINT'); });
    }
  }, 90_000);

  it('refuses to start when a prompt a caller could hear is not recorded, naming file:line:col', async () => {
    // The fixture's queue announces positions and waits; its sounds folder has none of those prompts.
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, HTTP_PORT: '0', DATA_DIR: mkdtempSync(join(tmpdir(), 'centralita-start-')), FLOWS_DIR: 'test/fixtures/flows/acd-prompts', SOUNDS_DIR: 'test/fixtures/flows/sounds' };
    const child = spawn(process.execPath, [cli, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const code = await new Promise<number | null>((resolve) => {
      const t = setTimeout(() => { child.kill('SIGINT'); }, 20_000); // started after all: the test fails below
      child.once('exit', (c) => { clearTimeout(t); resolve(c); });
    });
    expect(code, out).toBe(1);
    expect(out).toContain("test/fixtures/flows/acd-prompts/demo.flow.ts:11:28: error FLOW_PROMPT_MISSING: node 'sales' puts callers in queue 'sales', whose announcements (or agent prompts) need prompts queue-youarenext");
    expect(out).not.toContain('API and dashboard');
  });

  it('rejects bad configuration with one message listing the variables, exit 1', async () => {
    const child = spawn(process.execPath, [cli, 'start'], { env: { PATH: process.env.PATH, ARI_URL: 'notaurl', HUBSPOT_TOKEN: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(err).toMatch(/invalid configuration \(2 problems\)/);
    expect(err).toContain('ARI_URL');
    expect(err).toContain('HUBSPOT_TOKEN');
  });
});
