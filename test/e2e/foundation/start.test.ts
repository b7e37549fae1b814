import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = new URL('../../../src/cli.ts', import.meta.url).pathname;

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
    const redisPid = Number(/"redisPid":(\d+)/.exec(out)?.[1] ?? NaN);
    expect(Number.isFinite(redisPid)).toBe(true);
    expect(isAlive(redisPid)).toBe(true);

    const code = await new Promise<number | null>((resolve) => { child.once('exit', (c) => resolve(c)); child.kill('SIGINT'); });
    expect(code, out).toBe(0);
    expect(isAlive(redisPid)).toBe(false); // no orphan redis-server
  });

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
