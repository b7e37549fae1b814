// Runs test/asterisk/pbx alone against the lab until the shared test/asterisk project
// (`npm run test:asterisk`) includes it.
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { include: ['test/asterisk/pbx/**/*.test.ts'], root: new URL('../../..', import.meta.url).pathname, testTimeout: 90_000, hookTimeout: 60_000, pool: 'forks', fileParallelism: false } });
