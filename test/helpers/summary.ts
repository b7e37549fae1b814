// Turns vitest's JSON report into the counts of the CI line. Pure, so it is unit-tested.
export interface VitestJsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: { status: string; name: string; message?: string; assertionResults: { status: string }[] }[];
}

export interface Summary { passed: number; failed: number; skipped: number; failuresOutsideTests: string[] }

export function summarize(report: VitestJsonReport): Summary {
  let failed = report.numFailedTests;
  const failuresOutsideTests: string[] = [];
  // A file that fails at import or in a hook (beforeAll/afterAll) is `failed` while its tests
  // show as skipped or even passed: the file itself counts as one failure.
  for (const f of report.testResults) {
    const failedTests = f.assertionResults.filter((a) => a.status === 'failed').length;
    if (f.status === 'failed' && failedTests === 0) {
      failed += 1;
      failuresOutsideTests.push(`${f.name}${f.message ? `: ${f.message.split('\n')[0]}` : ''}`);
    }
  }
  return { passed: report.numPassedTests, failed, skipped: report.numPendingTests + report.numTodoTests, failuresOutsideTests };
}
