// `centralita sim` stand-alone: prints the ARI URL and credentials, serves ARI with them.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

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
