import { defineConfig } from 'vitest/config';

// Real-Asterisk scenario for recordings (the lab); skipped with one line when the lab is not configured.
//   TEST_ASTERISK_ARI_URL=http://127.0.0.1:8088 npx vitest run --config test/asterisk/recordings/vitest.config.ts
export default defineConfig({ test: { include: ['test/asterisk/recordings/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 30_000 } });
