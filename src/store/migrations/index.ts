// Every migration, by name. Names start with a date so branches that add migrations in
// parallel merge without renumbering; the migrator accepts them out of order.
import type { Migration } from 'kysely/migration';
import * as history from './2026-01-05-001-history.ts';
import * as rollups from './2026-01-05-002-rollups.ts';
import * as campaignRows from './2026-01-05-003-campaign-rows.ts';
import * as campaigns from './2026-01-05-004-campaigns.ts';
import * as auth from './2026-12-01-001-auth.ts';

export const MIGRATIONS: Record<string, Migration> = {
  '2026-01-05-001-history': history,
  '2026-01-05-002-rollups': rollups,
  '2026-01-05-003-campaign-rows': campaignRows,
  '2026-01-05-004-campaigns': campaigns,
  '2026-12-01-001-auth': auth,
};
