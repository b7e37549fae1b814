// promtool (Debian package `prometheus`, installed by .ci/run) checks the shipped rule file
// and runs its unit tests. Where promtool is missing locally the test says so and skips.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('../../deploy/prometheus/', import.meta.url));
const has = spawnSync('promtool', ['--version']).status === 0;
if (!has) {
  if (process.env.CI) throw new Error('promtool is missing: .ci/run installs the Debian package prometheus');
  console.log('SKIPPED promtool tests: apt-get install prometheus (for promtool)');
}

describe.skipIf(!has)('promtool', () => {
  it('check rules: the rule file is valid', () => {
    const r = spawnSync('promtool', ['check', 'rules', 'centralita.rules.yml'], { cwd: dir, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.status).toBe(0);
  });
  it('test rules: every alert raises and resolves as the test file says', () => {
    const r = spawnSync('promtool', ['test', 'rules', 'centralita.rules.test.yml'], { cwd: dir, encoding: 'utf8' });
    console.log(`promtool test rules: ${(r.stdout + r.stderr).trim().split('\n').pop()}`);
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });
});
