import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { summarize, type VitestJsonReport } from '../../helpers/summary.ts';

const file = (name: string, status: string, tests: string[], message?: string) => ({
  name, status, ...(message ? { message } : {}), assertionResults: tests.map((t) => ({ status: t })),
});
const report = (files: VitestJsonReport['testResults']): VitestJsonReport => {
  const all = files.flatMap((f) => f.assertionResults);
  return {
    numPassedTests: all.filter((a) => a.status === 'passed').length,
    numFailedTests: all.filter((a) => a.status === 'failed').length,
    numPendingTests: all.filter((a) => a.status === 'skipped' || a.status === 'pending').length,
    numTodoTests: 0,
    testResults: files,
  };
};

describe('the CI line counts every failure', () => {
  it('counts a file whose beforeAll failed (its tests show as skipped) as a failure', () => {
    const s = summarize(report([file('a.test.ts', 'failed', ['skipped', 'skipped'], 'Hook timed out in 30000ms'), file('b.test.ts', 'passed', ['passed'])]));
    expect(s).toMatchObject({ passed: 1, failed: 1, skipped: 2 });
    expect(s.failuresOutsideTests[0]).toContain('Hook timed out');
  });

  it('counts a file whose afterAll failed after its tests passed', () => {
    expect(summarize(report([file('a.test.ts', 'failed', ['passed', 'passed'], 'HookTimeoutError')]))).toMatchObject({ passed: 2, failed: 1 });
  });

  it('counts a file that failed at import (no tests at all)', () => {
    expect(summarize(report([file('a.test.ts', 'failed', [], 'SyntaxError')]))).toMatchObject({ passed: 0, failed: 1 });
  });

  it('does not count a failed file twice when a test in it failed', () => {
    expect(summarize(report([file('a.test.ts', 'failed', ['failed', 'passed'])]))).toMatchObject({ passed: 1, failed: 1 });
  });
});

describe('reproducible installs', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string }; packageManager: string; bin: Record<string, string> };

  it('pins one exact Node version, and engines says the same', () => {
    const pinned = readFileSync('.node-version', 'utf8').trim();
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pkg.engines.node).toBe(pinned);
    expect(readFileSync('.ci/node.sh', 'utf8')).toContain('.node-version');
  });

  it('pins an exact npm, and CI installs with npm ci', () => {
    expect(pkg.packageManager).toMatch(/^npm@\d+\.\d+\.\d+$/);
    for (const script of ['.ci/run', '.ci/dev']) expect(readFileSync(script, 'utf8')).toMatch(/\bnpm ci\b/);
    expect(readFileSync('.ci/run', 'utf8')).not.toMatch(/\bnpm install\b/);
  });

  it('commits the bin executable, so an install does not change its mode', () => {
    for (const bin of Object.values(pkg.bin)) {
      const mode = execFileSync('git', ['ls-files', '-s', bin.replace(/^\.\//, '')], { encoding: 'utf8' }).split(' ')[0];
      expect(mode).toBe('100755');
    }
  });
});
