// `centralita campaign …`: dry-run a file (no Redis, nothing dialled), and operate running
// campaigns (status, results, pause, resume, cancel, do-not-call) through the HTTP API (results also from DATABASE_URL).
import type { Command } from 'commander';
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

async function config() {
  const { loadConfig, ConfigError } = await import('../config.ts');
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(err.message + '\n');
      process.exit(1);
    }
    throw err;
  }
}

/** The flow ids a dry-run checks flowId against: a folder given, else what the running app
 *  published in Redis, else FLOWS_DIR. */
async function flowCatalog(dir: string | undefined, defaultDir: string, soundsDir: string, redis: import('ioredis').Redis | undefined) {
  if (!dir && redis) {
    const { publishedCatalog, CATALOG_KEY } = await import('../campaigns/catalog.ts');
    const c = await publishedCatalog(redis)().catch(() => undefined);
    if (c) return { catalog: c, from: `redis ${CATALOG_KEY}` };
  }
  const { loadFlows } = await import('../flow-dsl/registry.ts');
  const { createNodeFlowSource } = await import('./flows.ts');
  const r = await loadFlows({ dir: dir ?? defaultDir, soundsDir, source: createNodeFlowSource() });
  if (!r.ok) process.stderr.write(`centralita campaign: warning: ${dir ?? defaultDir} has flow errors (run \`centralita flows check\`); only flows without errors count\n`);
  return { catalog: { flowIds: [...r.flows.keys()] }, from: dir ?? defaultDir };
}

function fail(message: string, code = 2): never {
  process.stderr.write(`centralita campaign: ${message}\n`);
  process.exit(code);
}

/** Through the running app's API (found in DATA_DIR/running.json, or --api): authenticated and
 *  audited like any other caller, and the app's dialler sees the change at once. */
async function operate(id: string, action: 'status' | 'pause' | 'resume' | 'cancel', opts: { api?: string }) {
  const { apiRequest, resolveApi, runCli } = await import('./api-client.ts');
  await runCli(async () => {
    const target = await resolveApi(opts.api ? { url: opts.api } : {});
    const path = `/api/campaigns/${encodeURIComponent(id)}${action === 'status' ? '' : `/${action}`}`;
    process.stdout.write(JSON.stringify(await apiRequest(target, action === 'status' ? 'GET' : 'POST', path), null, 2) + '\n');
  });
}

export function registerCampaignCommands(program: Command): void {
  const campaign = program.command('campaign').description('outbound campaigns: dry-run a file, pause / resume / cancel, do-not-call');

  campaign
    .command('dry-run <file>')
    .description('parse, validate, dedupe, apply do-not-call and calling windows; print a JSON summary; dials nothing')
    .option('--settings <campaign.json>', 'campaign settings (default: campaign.json next to the file, else defaults)')
    .option('--country <CC>', 'default country for numbers written locally (default: DEFAULT_COUNTRY)')
    .option('--now <iso>', 'pretend it is this instant (what-if on the calling windows)')
    .option('--dnc <file>', 'a do-not-call list, one number per line (also read from Redis when REDIS_URL is set)')
    .option('--flows <dir>', 'check flowId against this flows folder (default: the ids the running app published in REDIS_URL, else FLOWS_DIR)')
    .action(async (file: string, opts: { settings?: string; country?: string; now?: string; dnc?: string; flows?: string }) => {
      const cfg = await config();
      const { parseCampaignSettings } = await import('../domain/campaign.ts');
      const { normalizeE164 } = await import('../domain/phone.ts');
      const { dryRunCampaign } = await import('../campaigns/dry-run.ts');
      if (!existsSync(file)) fail(`${file}: no such file`);
      const settingsPath = opts.settings ?? join(dirname(file), 'campaign.json');
      let settings;
      try {
        settings = parseCampaignSettings(existsSync(settingsPath) ? JSON.parse(await readFile(settingsPath, 'utf8')) : {});
      } catch (err) {
        fail(`${settingsPath}: ${(err as Error).message}`);
      }
      const country = opts.country ?? settings.defaultCountry ?? cfg.defaultCountry;
      const nowMs = opts.now ? Date.parse(opts.now) : Date.now();
      if (Number.isNaN(nowMs)) fail(`--now ${opts.now}: not an ISO date-time`);
      const dnc = new Set<string>();
      if (opts.dnc) {
        for (const line of (await readFile(opts.dnc, 'utf8')).split(/\r?\n/)) {
          const n = normalizeE164(line, country);
          if (n.ok) dnc.add(n.e164);
        }
      }
      let redis: import('ioredis').Redis | undefined;
      let isDnc: (p: string) => boolean | Promise<boolean> = (p) => dnc.has(p);
      if (cfg.redis.mode === 'external') {
        const { Redis } = await import('ioredis');
        const { createDncStore } = await import('../campaigns/dnc.ts');
        redis = new Redis(cfg.redis.url, { maxRetriesPerRequest: 2 });
        const store = createDncStore(redis);
        isDnc = async (p) => dnc.has(p) || (await store.has(p));
      }
      try {
        const flows = await flowCatalog(opts.flows, cfg.flows.dir, cfg.soundsDir, redis);
        const r = await dryRunCampaign({ file, source: createReadStream(file), settings, catalog: flows.catalog, defaultCountry: country, nowMs, isDnc });
        const { summary: _s, ...out } = r;
        process.stdout.write(JSON.stringify({ ...out, settings: settingsPath && existsSync(settingsPath) ? settingsPath : '(defaults)', flows: { from: flows.from, ids: flows.catalog.flowIds }, country, now: new Date(nowMs).toISOString() }, null, 2) + '\n');
      } catch (err) {
        const problems = (err as { problems?: string[] }).problems;
        if (problems) fail(`${settingsPath}: ${problems.join('; ')}`, 1);
        fail(`${file}: ${(err as Error).message}`, 1);
      } finally {
        redis?.disconnect();
      }
    });

  campaign
    .command('results <campaignId>')
    .description('per-row results as CSV (row, phone, attempts, final outcome, times), in file order, for every file of the campaign')
    .option('--api <url>', 'use the HTTP API of a running centralita (default without DATABASE_URL: the one running on this machine)')
    .action(async (id: string, opts: { api?: string }) => {
      const cfg = await config();
      if (opts.api || cfg.database.mode !== 'external') {
        const { resolveApi, runCli } = await import('./api-client.ts');
        await runCli(async () => {
          const target = await resolveApi(opts.api ? { url: opts.api } : {});
          const res = await fetch(`${target.url}/api/campaigns/${encodeURIComponent(id)}/results`, { headers: target.token ? { authorization: `Bearer ${target.token}` } : {} })
            .catch((err: unknown) => fail(`${target.url} is not reachable: ${(err as Error).message}`, 1));
          if (!res.ok) fail(`${res.status}: ${await res.text()}`, 1);
          process.stdout.write(await res.text());
        });
        return;
      }
      const { openStore } = await import('../store/index.ts');
      const { campaignResultsCsv } = await import('../campaigns/results.ts');
      const { reportDelimiter } = await import('../campaigns/reports.ts');
      const db = await openStore({ url: cfg.database.url, defaultCountry: cfg.defaultCountry, poolMax: 2 });
      try {
        const store = db.campaigns.store();
        if (!(await store.list()).includes(id)) fail(`no campaign ${JSON.stringify(id)}`, 1);
        const results = db.campaigns.results;
        const settings = await store.getSettings(id);
        const first = (await results.files(id))[0];
        const delimiter = first?.reportDelimiter ?? (settings ? reportDelimiter(settings, cfg.defaultCountry) : ';');
        for await (const chunk of campaignResultsCsv(results, id, { delimiter, timezone: settings?.fallbackTimezone ?? 'America/Bogota' })) {
          if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
        }
      } finally {
        await db.close();
      }
    });

  for (const action of ['status', 'pause', 'resume', 'cancel'] as const) {
    campaign
      .command(`${action} <campaignId>`)
      .description(action === 'status' ? 'progress of a campaign (queued, dialling, answered, busy, no-answer, failed, retried, done)' : `${action} a campaign${action === 'cancel' ? ' (final: remaining rows end as cancelled)' : ''}`)
      .option('--api <url>', 'API of the centralita to operate (default: the one running on this machine)')
      .action(async (id: string, opts: { api?: string }) => operate(id, action, opts));
  }

  campaign
    .command('dnc-add [numbers...]')
    .description('add numbers to the do-not-call list (normalised to E.164 with DEFAULT_COUNTRY), through the running app')
    .option('--file <file>', 'also read numbers from a file, one per line (sent in batches)')
    .option('--api <url>', 'API of the centralita to operate (default: the one running on this machine)')
    .action(async (numbers: string[], opts: { file?: string; api?: string }) => {
      const { apiRequest, resolveApi, runCli, cliConfig } = await import('./api-client.ts');
      const { DNC_MAX_BATCH } = await import('../campaigns/http.ts');
      await runCli(async () => {
        const cfg = cliConfig();
        const { normalizeE164 } = await import('../domain/phone.ts');
        const all = [...numbers, ...(opts.file ? (await readFile(opts.file, 'utf8')).split(/\r?\n/).map((l) => l.trim()).filter(Boolean) : [])];
        if (all.length === 0) fail('give numbers, or --file with one number per line');
        const bad = all.map((n) => [n, normalizeE164(n, cfg.defaultCountry)] as const).filter(([, r]) => !r.ok);
        if (bad.length) fail(`not valid numbers: ${bad.slice(0, 20).map(([n]) => n).join(', ')}${bad.length > 20 ? ` … (${bad.length} in all)` : ''}`);
        const target = await resolveApi(opts.api ? { url: opts.api } : {});
        let added = 0;
        // Batches keep each request small: one request never stalls the app's call control.
        for (let i = 0; i < all.length; i += DNC_MAX_BATCH) {
          added += (await apiRequest<{ added: number }>(target, 'POST', '/api/campaigns/dnc', { numbers: all.slice(i, i + DNC_MAX_BATCH) })).added;
        }
        process.stdout.write(JSON.stringify({ added, sent: all.length }) + '\n');
      });
    });
}
