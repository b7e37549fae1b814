// A database of its own for each test file (or test), on the run's PostgreSQL.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { ensureDatabase } from '../../src/store/db.ts';

export async function createTestDatabase(label = 't'): Promise<string> {
  const admin = inject('pgAdminUrl');
  const name = `${label.toLowerCase().replace(/[^a-z0-9]/g, '_').slice(0, 20)}_${randomBytes(5).toString('hex')}`;
  await ensureDatabase(admin, name);
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return u.toString();
}
