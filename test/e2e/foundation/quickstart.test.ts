// The README's quick start, followed as a new user would: `start` prints how to place a
// simulated call, and the README says how that caller presses keys and hangs up. Both are
// done here against the real app, with the exact paths and body the README gives.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/wait.ts';

const cli = new URL('../../../src/cli.ts', import.meta.url).pathname;

describe('README quick start', () => {
  it('tells how to press digits on and hang up the simulated call start prints, and it works', async () => {
    const readme = readFileSync('README.md', 'utf8');
    const quick = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1));
    const dtmf = /POST (\/_sim\/channels\/<channelId>\/dtmf) -d '([^']+)'/.exec(quick);
    const hangup = /POST (\/_sim\/channels\/<channelId>\/hangup)/.exec(quick);
    expect(dtmf, 'the quick start says how to press digits').not.toBeNull();
    expect(hangup, 'the quick start says how to hang up').not.toBeNull();
    expect(quick).toContain('(docs/simulator.md)');

    const dataDir = mkdtempSync(join(tmpdir(), 'centralita-quickstart-'));
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, HTTP_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn', CAMPAIGN_INBOX_DIR: join(dataDir, 'inbox'), CAMPAIGN_RESULTS_DIR: join(dataDir, 'results') };
    const child = spawn(process.execPath, [cli, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    try {
      const line = await waitFor(() => /curl -u (\S+):(\S+) -XPOST (\S+)\/_sim\/calls -H '[^']+' -d '([^']+)'/.exec(out), 30_000, `the place-a-call line in:\n${out}`);
      const [, user, password, base, body] = line;
      const headers = { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`, 'content-type': 'application/json' };
      const placed = await fetch(`${base}/_sim/calls`, { method: 'POST', headers, body });
      expect(placed.status).toBe(201);
      const { channelId } = (await placed.json()) as { channelId: string };
      const channel = async () => (await (await fetch(`${base}/_sim/channels/${channelId}`, { headers })).json()) as { alive: boolean; transcript: { kind: string; media?: string; digits?: string }[] };
      await waitFor(async () => (await channel()).transcript.some((e) => e.kind === 'prompt'), 15_000, 'the first prompt');

      const pressed = await fetch(`${base}${dtmf![1]!.replace('<channelId>', channelId)}`, { method: 'POST', headers, body: dtmf![2] });
      expect(pressed.status).toBe(204);
      await waitFor(async () => (await channel()).transcript.some((e) => e.kind === 'dtmf-sent'), 10_000, 'the key press');
      const hung = await fetch(`${base}${hangup![1]!.replace('<channelId>', channelId)}`, { method: 'POST', headers });
      expect(hung.status).toBe(204);
      await waitFor(async () => !(await channel()).alive, 10_000, 'the call ended');
    } finally {
      await new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGINT'); });
    }
  }, 90_000);
});
