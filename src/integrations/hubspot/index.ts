// Composition helpers for main.ts and the CLI: settings from YAML + config, and the Crm
// adapter chosen by configuration (HubSpot API with a token, JSONL outbox without one).
import { readFileSync, existsSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Redis } from 'ioredis';
import type { Config } from '../../config.ts';
import { parseHubspotSettings, budgetLimits, type HubspotSettings } from './settings.ts';
import { createHubspotCrm } from './sdk-crm.ts';
import { createOutboxCrm } from './outbox-crm.ts';
import { createRedisBudget, createMemoryBudget } from './budget.ts';
import type { Crm } from './port.ts';

export * from './port.ts';
export { parseHubspotSettings, type HubspotSettings } from './settings.ts';

/**
 * Settings: HUBSPOT_TIER, HUBSPOT_CREATE_CONTACTS and DEFAULT_COUNTRY from the environment,
 * then the optional YAML file (owners table, outcome ids, match rule, batching…), whose keys win.
 */
export function loadHubspotSettings(config: Config, file?: string): HubspotSettings {
  const path = file ?? `${config.dataDir}/hubspot.yaml`;
  const fromFile = existsSync(path) ? ((parseYaml(readFileSync(path, 'utf8')) as Record<string, unknown> | null) ?? {}) : {};
  if (file && !existsSync(file)) throw new Error(`HubSpot settings file ${file} does not exist`);
  return parseHubspotSettings({ tier: config.hubspot.tier, createContacts: config.hubspot.createContacts, defaultCountry: config.defaultCountry, ...fromFile });
}

export interface CrmHandle { crm: Crm; mode: 'api' | 'outbox'; describe: string; close(): void }

/** The Crm for this configuration; with Redis the request budget is shared by every process. */
export function createCrmFromConfig(config: Config, settings: HubspotSettings, redis?: Redis, keyPrefix = 'centralita:hubspot'): CrmHandle {
  if (config.hubspot.mode === 'outbox') {
    const crm = createOutboxCrm({ file: config.hubspot.outboxFile, recordIdProperty: settings.recordIdProperty, defaultCountry: settings.defaultCountry });
    return { crm, mode: 'outbox', describe: `no HUBSPOT_TOKEN: writing requests to ${config.hubspot.outboxFile}`, close: () => undefined };
  }
  const limits = budgetLimits(settings);
  const budget = redis ? createRedisBudget({ redis, keyPrefix, limits }) : createMemoryBudget({ limits });
  const crm = createHubspotCrm({
    baseUrl: config.hubspot.baseUrl, token: config.hubspot.token, budget, recordIdProperty: settings.recordIdProperty,
    defaultCountry: settings.defaultCountry, requestTimeoutMs: settings.requestTimeoutMs,
  });
  return { crm, mode: 'api', describe: `HubSpot API at ${config.hubspot.baseUrl} (${settings.tier} limits)`, close: () => crm.close() };
}
