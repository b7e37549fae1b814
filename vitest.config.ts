import { defineConfig } from 'vitest/config';

// One project per test kind so `--project unit` runs in seconds while CI runs all.
// Each file gets its own servers on port 0, so files run in parallel safely.
export default defineConfig({
  test: {
    globalSetup: ['./test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/flows/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'] } },
      // deploy/aws has its own node_modules (aws-cdk-lib); its tests skip with a line without them.
      { extends: true, test: { name: 'deploy', include: ['deploy/**/test/**/*.test.ts', 'test/deploy/**/*.test.ts'], testTimeout: 120_000 } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts', 'test/browser/**/*.test.ts'], testTimeout: 120_000 } },
      // Every capability against a PBX: the simulator always, a real Asterisk when configured
      // (test/asterisk/README.md). One file at a time: a real PBX and its sipp phones are shared.
      { extends: true, test: { name: 'asterisk', include: ['test/asterisk/**/*.test.ts'], exclude: ['test/asterisk/pbx/**'], testTimeout: 180_000, hookTimeout: 120_000, fileParallelism: false, globalSetup: ['./test/helpers/global-setup.ts', './test/asterisk/global-setup.ts'] } },
    ],
  },
});
