import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { VARIABLES } from '../../../src/config.ts';

describe('docker-compose.yml', () => {
  const doc = parse(readFileSync(new URL('../../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string>; command?: string[] }>;
  };

  it('has redis with AOF and noeviction, the app and the worker', () => {
    expect(Object.keys(doc.services).sort()).toEqual(['app', 'redis', 'worker']);
    const cmd = doc.services.redis!.command!.join(' ');
    expect(cmd).toContain('--appendonly yes');
    expect(cmd).toContain('--maxmemory-policy noeviction');
  });

  it('sets only variables centralita reads', () => {
    for (const [name, svc] of Object.entries(doc.services)) {
      if (name === 'redis') continue;
      const vars = Object.keys(svc.environment ?? {});
      expect(vars.length).toBeGreaterThan(0);
      for (const v of vars) expect(Object.keys(VARIABLES), `${name}.${v}`).toContain(v);
    }
  });
});
