// The README's test command. Runs every vitest project, then prints the one line CI reads:
// "tests: N passed, M failed". Exit code is non-zero on any failure or on zero tests.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarize, type VitestJsonReport } from './helpers/summary.ts';

const gitStatus = (): string | undefined => {
  const g = spawnSync('git', ['status', '--porcelain'], { encoding: 'utf8' });
  return g.status === 0 ? g.stdout : undefined;
};
const statusBefore = gitStatus();
const out = join(mkdtempSync(join(tmpdir(), 'centralita-vitest-')), 'report.json');
const started = Date.now();
const r = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(out)) {
  const s = summarize(JSON.parse(readFileSync(out, 'utf8')) as VitestJsonReport);
  ({ passed, failed, skipped } = s);
  for (const f of s.failuresOutsideTests) console.log(`FAILED outside any test (import or hook): ${f}`);
} else {
  failed += 1;
}
if (r.status !== 0 && failed === 0) failed = 1;
// A test run must leave the checkout as it found it (CI runs in a clean clone).
const statusAfter = gitStatus();
if (statusBefore !== undefined && statusAfter !== statusBefore) {
  failed += 1;
  console.log(`FAILED: the test run changed the checkout (git status):\n${statusAfter}`);
}
console.log(`test run took ${Math.round((Date.now() - started) / 1000)}s`);
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
