// typescript-eslint with type information: no-floating-promises is an error, and
// flows/ + pure domain code may not import I/O (Node built-ins, ARI, BullMQ, pino, HubSpot, AWS).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const IO_IMPORTS = {
  patterns: [
    { group: ['node:*'], message: 'Pure code may not use Node built-ins; take what you need as an argument.' },
    { group: ['fs', 'fs/*', 'path', 'os', 'net', 'http', 'https', 'child_process', 'crypto', 'stream', 'events', 'timers', 'timers/*'], message: 'Pure code may not use Node built-ins.' },
    { group: ['ari-client', 'bullmq', 'ioredis', 'pino', 'pino-*', '@hubspot/*', '@aws-sdk/*', 'fastify', 'ws', 'sqs-consumer', 'pg', 'pg-*', 'kysely', 'kysely/*', 'exceljs'], message: 'Pure code may not import I/O libraries; depend on a port instead.' },
    { group: ['**/telephony/ari/**', '**/telephony/ami/**', '**/integrations/**', '**/workers/**', '**/infra/**', '**/sim/**', '**/logger.ts', '**/config.ts', '**/main.ts'], message: 'Pure code may not import adapters.' },
  ],
};

const ARI_ONLY = { name: 'ari-client', message: 'Only src/telephony/ari/* may import ari-client.' };
const HUBSPOT_ONLY = { group: ['@hubspot/api-client', '@hubspot/api-client/*'], message: 'Only src/integrations/hubspot/* may import @hubspot/api-client.' };
const SQL_ONLY = { group: ['pg', 'pg-*', 'kysely', 'kysely/*', 'postgres', '@electric-sql/*'], message: 'Only src/store/* may import the SQL driver; depend on a repository interface (CallHistory, Reports, AuditLog…) instead.' };
// AMI is spoken by src/telephony/ami/* alone; everything else depends on the PbxManager port
// (src/telephony/pbx-port.ts). main.ts wires it; the simulator's manager port reuses the framing.
const AMI_ONLY = { group: ['**/telephony/ami/*', '**/telephony/ami/**'], message: 'Only src/telephony/ami/* speaks AMI; depend on the PbxManager port (src/telephony/pbx-port.ts).' };

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', '.data/**', 'campaigns/**', 'coverage/**', 'test/fixtures/**', 'web/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js'] }, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'warn',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  // no-restricted-imports: in flat config the LAST matching block wins for a rule, so each
  // block below carries the full set of restrictions for its files.
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'flows/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [ARI_ONLY], patterns: [HUBSPOT_ONLY, SQL_ONLY, AMI_ONLY] }] },
  },
  {
    // The AMI adapter itself, the composition root, the simulator's manager port, AMI tests and tools.
    files: ['src/telephony/ami/**/*.ts', 'src/main.ts', 'src/sim/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [ARI_ONLY], patterns: [HUBSPOT_ONLY, SQL_ONLY] }] },
  },
  {
    files: ['src/telephony/ari/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [HUBSPOT_ONLY, SQL_ONLY, AMI_ONLY] }] },
  },
  {
    files: ['src/integrations/hubspot/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [ARI_ONLY], patterns: [SQL_ONLY, AMI_ONLY] }] },
  },
  {
    files: ['src/store/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [ARI_ONLY], patterns: [HUBSPOT_ONLY, AMI_ONLY] }] },
  },
  {
    // The web app runs in the browser (its own tsconfig: DOM, Preact JSX).
    files: ['web/**/*.ts', 'web/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Flows and the pure domain: behaviour only, time and I/O come in as arguments.
    files: ['flows/**/*.ts', 'src/domain/**/*.ts', 'src/flow-dsl/**/*.ts'],
    ignores: ['flows/lookups/**'],
    rules: { 'no-restricted-imports': ['error', IO_IMPORTS] },
  },
);
