// The offline dependency check CI runs: a lock with the unfixed `request` (or an unknown
// licence) fails it; the project's own lock passes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const tool = new URL('../../../src/tools/deps-check.ts', import.meta.url).pathname;
const run = (cwd: string) => spawnSync(process.execPath, [tool], { cwd, encoding: 'utf8', timeout: 60_000 });

describe('deps:check', () => {
  it('fails on an advisory without a fix and on an unknown licence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deps-check-'));
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ packages: {
      '': { name: 'x' },
      'node_modules/ari-client/node_modules/request': { version: '2.88.2', license: 'Apache-2.0' },
      'node_modules/ws': { version: '8.17.0', license: 'MIT' },
      'node_modules/weird': { version: '1.0.0', license: 'SSPL-1.0' },
    } }));
    const r = run(dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('FINDING: request@2.88.2');
    expect(r.stdout).toContain('CVE-2024-37890');
    expect(r.stdout).toContain('licence SSPL-1.0 is not on the allow-list');
  }, 60_000);

  it('passes on the project lock (request is the maintained fork)', () => {
    const r = run(new URL('../../../', import.meta.url).pathname);
    expect(r.stdout).toMatch(/0 finding\(s\)/);
    expect(r.status).toBe(0);
  }, 60_000);
});
