import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// Proves the architecture rules in eslint.config.js bite: flows and pure domain code may
// not import I/O; only the ARI adapter may import ari-client. Type-aware rules are turned
// off for these in-memory probes (the files do not exist on disk).
const root = new URL('../../../', import.meta.url).pathname;

async function lint(filePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: root,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parserOptions: { projectService: false, project: null } }, rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off' } }],
  });
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('lint architecture rules', () => {
  it('rejects Node built-ins and I/O libraries in flows/', async () => {
    const msgs = await lint('flows/probe.flow.ts', "import { readFileSync } from 'node:fs';\nimport { Queue } from 'bullmq';\nimport pino from 'pino';\nexport const x = [readFileSync, Queue, pino];\n");
    expect(msgs).toHaveLength(3);
    expect(msgs[0]).toMatch(/Node built-ins/);
    expect(msgs[1]).toMatch(/I\/O libraries/);
  });

  it('rejects ari-client and HubSpot imports in pure domain code', async () => {
    const msgs = await lint('src/domain/probe.ts', "import Ari from 'ari-client';\nimport { Client } from '@hubspot/api-client';\nexport const x = [Ari, Client];\n");
    expect(msgs.length).toBeGreaterThanOrEqual(2);
  });

  it('rejects ari-client outside src/telephony/ari but allows it inside', async () => {
    expect(await lint('src/calls/probe.ts', "import Ari from 'ari-client';\nexport const x = Ari;\n")).toEqual(["'ari-client' import is restricted from being used. Only src/telephony/ari/* may import ari-client."]);
    expect(await lint('src/telephony/ari/probe.ts', "import Ari from 'ari-client';\nexport const x = Ari;\n")).toEqual([]);
  });

  it('rejects the SQL driver outside src/store but allows it inside', async () => {
    for (const file of ['src/calls/probe.ts', 'src/history/probe.ts', 'test/integration/probe.test.ts']) {
      const msgs = await lint(file, "import pg from 'pg';\nimport { Kysely } from 'kysely';\nexport const x = [pg, Kysely];\n");
      expect(msgs, file).toHaveLength(2);
      expect(msgs[0]).toMatch(/Only src\/store/);
    }
    expect(await lint('src/store/probe.ts', "import pg from 'pg';\nimport { Kysely } from 'kysely';\nexport const x = [pg, Kysely];\n")).toEqual([]);
  });

  it('rejects the AMI adapter outside src/telephony/ami (and main.ts) but allows it inside', async () => {
    const code = "import { createAmiPbx } from '../telephony/ami/adapter.ts';\nexport const x = createAmiPbx;\n";
    const msgs = await lint('src/pbx/probe.ts', code);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatch(/Only src\/telephony\/ami\/\* speaks AMI/);
    expect(await lint('src/calls/probe.ts', code)).toHaveLength(1);
    expect(await lint('src/telephony/ami/probe.ts', "import { createAmiClient } from './client.ts';\nexport const x = createAmiClient;\n")).toEqual([]);
    expect(await lint('src/main.ts', "import { createAmiPbx } from './telephony/ami/adapter.ts';\nexport const x = createAmiPbx;\n")).toEqual([]);
  });

  it('allows the flow language in flows/', async () => {
    expect(await lint('flows/probe.flow.ts', "import { z } from 'zod';\nexport const x = z;\n")).toEqual([]);
  });
});
