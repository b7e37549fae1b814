// Composition helpers for main.ts and the CLI: settings from YAML + config, the Crm adapter
// chosen by configuration (HubSpot API with a token, JSONL outbox without one), and the
// portal's details (time zone for the daily limit, id for links).
import { readFileSync, existsSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Redis } from 'ioredis';
import type { Config } from '../../config.ts';
import type { Logger } from '../../logger.ts';
import { parseHubspotSettings, budgetLimits, type HubspotSettings } from './settings.ts';
import { createHubspotCrm } from './sdk-crm.ts';
import { createOutboxCrm } from './outbox-crm.ts';
import { createRedisBudget, createMemoryBudget } from './budget.ts';
import type { Crm, PortalDetails } from './port.ts';

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

export interface CrmHandle {
  crm: Crm;
  mode: 'api' | 'outbox';
  describe: string;
  /** The portal's time zone once known (settings win); the daily budget and 429s follow it. */
  setTimeZone(tz: string | undefined): void;
  close(): void;
}

/** A contact's page in HubSpot (needs the portal id). */
export function contactRecordUrl(portal: { portalId?: number; uiDomain?: string } | undefined, contactId: string): string | undefined {
  return portal?.portalId ? `https://${portal.uiDomain ?? 'app.hubspot.com'}/contacts/${portal.portalId}/record/0-1/${encodeURIComponent(contactId)}` : undefined;
}

/** The Crm for this configuration; with Redis the request budget is shared by every process. */
export function createCrmFromConfig(config: Config, settings: HubspotSettings, redis?: Redis, keyPrefix = 'centralita:hubspot', opts: { extraContactProperties?: string[] } = {}): CrmHandle {
  if (config.hubspot.mode === 'outbox') {
    const crm = createOutboxCrm({ file: config.hubspot.outboxFile, recordIdProperty: settings.recordIdProperty, defaultCountry: settings.defaultCountry });
    return { crm, mode: 'outbox', describe: `no HUBSPOT_TOKEN: writing requests to ${config.hubspot.outboxFile}`, setTimeZone: () => undefined, close: () => undefined };
  }
  let tz = settings.timeZone ?? 'UTC';
  const timeZone = () => tz;
  const limits = budgetLimits(settings);
  const budget = redis ? createRedisBudget({ redis, keyPrefix, limits, timeZone }) : createMemoryBudget({ limits, timeZone });
  const crm = createHubspotCrm({
    baseUrl: config.hubspot.baseUrl, token: config.hubspot.token, budget, recordIdProperty: settings.recordIdProperty,
    defaultCountry: settings.defaultCountry, requestTimeoutMs: settings.requestTimeoutMs, timeZone,
    matchRule: settings.matchRule, contactOwner: settings.ownerRule.includes('contact'),
    ...(opts.extraContactProperties ? { extraContactProperties: opts.extraContactProperties } : {}),
  });
  return {
    crm, mode: 'api', describe: `HubSpot API at ${config.hubspot.baseUrl} (${settings.tier} limits)`,
    setTimeZone: (t) => { tz = settings.timeZone ?? t ?? tz; },
    close: () => crm.close(),
  };
}

/**
 * The portal's details: settings first (timeZone, portalId, uiDomain), then a copy another
 * process cached in Redis, then HubSpot's account details (one request). Never fatal: without
 * them the daily limit resets at UTC midnight and bodies carry names instead of links.
 */
export async function resolvePortal(o: { settings: HubspotSettings; crm: Crm; redis?: Redis; key?: string; logger?: Logger }): Promise<PortalDetails | undefined> {
  const s = o.settings;
  const fromSettings = (d: PortalDetails | undefined): PortalDetails | undefined => {
    const timeZone = s.timeZone ?? d?.timeZone;
    if (!timeZone && !s.portalId && !d) return undefined;
    const portalId = s.portalId ?? d?.portalId;
    const uiDomain = s.uiDomain ?? d?.uiDomain;
    return { timeZone: timeZone ?? 'UTC', ...(portalId ? { portalId } : {}), ...(uiDomain ? { uiDomain } : {}) };
  };
  if (s.timeZone && s.portalId) return fromSettings(undefined);
  try {
    const cached = o.redis && o.key ? await o.redis.get(o.key) : null;
    if (cached) return fromSettings(JSON.parse(cached) as PortalDetails);
    const d = await o.crm.portalDetails?.();
    if (d && o.redis && o.key) await o.redis.set(o.key, JSON.stringify(d), 'EX', 86_400);
    return fromSettings(d);
  } catch (err) {
    o.logger?.warn({ err: (err as Error).message }, 'hubspot account details not available; daily limit assumed to reset at UTC midnight, contact links left out (set timeZone/portalId in hubspot.yaml)');
    return fromSettings(undefined);
  }
}
