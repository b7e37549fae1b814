// `centralita sim` stand-alone: prints the ARI URL and credentials, serves ARI with them.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';

describe('centralita sim', () => {
  it('prints ARI_URL/ARI_USER/ARI_PASSWORD and answers ARI with those credentials', async () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const child = spawn(process.execPath, ['src/cli.ts', 'sim', '--port', '0', '--user', 'tester', '--password', 'pw-123', '--speed', '10'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const lines: Record<string, string> = {};
      await new Promise<void>((resolve, reject) => {
        const rl = createInterface({ input: child.stdout });
        rl.on('line', (l) => {
          const m = /^(ARI_\w+)=(.*)$/.exec(l);
          if (m) lines[m[1]!] = m[2]!;
          if (lines.ARI_URL && lines.ARI_USER && lines.ARI_PASSWORD && lines.ARI_APP) resolve();
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      expect(lines).toMatchObject({ ARI_USER: 'tester', ARI_PASSWORD: 'pw-123', ARI_APP: 'centralita' });
      const ok = await fetch(`${lines.ARI_URL}/ari/asterisk/ping`, { headers: { authorization: 'Basic ' + Buffer.from('tester:pw-123').toString('base64') } });
      expect(ok.status).toBe(200);
      const denied = await fetch(`${lines.ARI_URL}/ari/asterisk/ping`, { headers: { authorization: 'Basic ' + Buffer.from('tester:nope').toString('base64') } });
      expect(denied.status).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('defaults to a free port (never the lab ARI 8088) and reports PBX-boundary timings with --timings', async () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const child = spawn(process.execPath, ['src/cli.ts', 'sim', '--user', 'u', '--password', 'p', '--timings'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const rl = createInterface({ input: child.stdout });
        rl.on('line', (l) => {
          const m = /^ARI_URL=(.*)$/.exec(l);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const port = Number(new URL(url).port);
      expect(port).toBeGreaterThan(0);
      expect(port).not.toBe(8088);
      const auth = { authorization: 'Basic ' + Buffer.from('u:p').toString('base64') };
      const ws = new WebSocket(`${url.replace('http', 'ws')}/ari/events?app=centralita&api_key=u:p`);
      const started = new Promise<string>((resolve) => ws.on('message', (d) => {
        const e = JSON.parse(String(d)) as { type: string; channel?: { id: string } };
        if (e.type === 'StasisStart') resolve(e.channel!.id);
      }));
      await new Promise((r) => ws.once('open', r));
      await fetch(`${url}/_sim/calls`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ from: '3001', to: '6015550100' }) });
      const id = await started;
      expect((await fetch(`${url}/ari/channels/${id}/answer`, { method: 'POST', headers: auth })).status).toBe(204);
      const t = (await (await fetch(`${url}/_sim/timings?samples=true`, { headers: auth })).json()) as { enabled: boolean; reactions: { count: number; p99: number }; byCommand: Record<string, { count: number }>; samples: [string, string, number][] };
      expect(t.enabled).toBe(true);
      expect(t.reactions.count).toBe(1);
      expect(t.byCommand['POST /channels/{channelId}/answer']?.count).toBe(1);
      expect(t.samples[0]![0]).toBe(id);
      expect(t.samples[0]![2]).toBeGreaterThanOrEqual(0);
      ws.close();
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('refuses a bad --speed with a clear message', async () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const child = spawn(process.execPath, ['src/cli.ts', 'sim', '--port', '0', '--speed', 'fast'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(err).toContain('--speed must be > 0');
  });
});
