// The README's test command. Runs every vitest project, then prints the one line CI reads:
// "tests: N passed, M failed". Exit code is non-zero on any failure or on zero tests.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const out = join(mkdtempSync(join(tmpdir(), 'centralita-vitest-')), 'report.json');
const started = Date.now();
const r = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(out)) {
  const report = JSON.parse(readFileSync(out, 'utf8')) as {
    numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number;
    testResults: { status: string; assertionResults: unknown[]; message?: string; name: string }[];
  };
  passed = report.numPassedTests;
  failed = report.numFailedTests;
  skipped = report.numPendingTests + report.numTodoTests;
  // A file that fails to load has no assertions but must still count as a failure.
  for (const f of report.testResults) if (f.status === 'failed' && f.assertionResults.length === 0) failed += 1;
} else {
  failed += 1;
}
if (r.status !== 0 && failed === 0) failed = 1;
console.log(`test run took ${Math.round((Date.now() - started) / 1000)}s`);
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
