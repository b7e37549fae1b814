// `centralita hubspot …`: ops commands for the HubSpot call log.
//   log <record.json>   logs one CallRecord now (ledger-checked; prints the HubSpot call id)
//   replay [--dlq]      re-posts failed jobs, or dead-lettered records, to call-records
//   unassociated        lists calls logged without a contact (for reconciliation)
//   reconcile           associates those calls to contacts added since
//   setup [--check]     checks the portal (scopes, record-id property, outcomes, statuses)
import type { Command } from 'commander';

export function registerHubspotCommands(program: Command): void {
  const hs = program.command('hubspot').description('HubSpot call logging: set up the portal, log one record, replay failures');

  hs.command('setup')
    .option('--check', 'only check; do not create the record-id property')
    .option('--settings <file>', 'HubSpot settings YAML (default: $DATA_DIR/hubspot.yaml when present)')
    .description('check the portal before logging: token scopes, the record-id property (created when missing), call outcomes and statuses; prints what is missing')
    .action(async (opts: { check?: boolean; settings?: string }) => {
      const { runSetup } = await import('../integrations/hubspot/cli-actions.ts');
      process.exitCode = await runSetup(process.env, { ...(opts.settings ? { settingsFile: opts.settings } : {}), ...(opts.check ? { check: true } : {}) });
    });

  hs.command('log')
    .argument('<record.json>', 'a CallRecord as JSON (one object, or an array of them)')
    .option('--settings <file>', 'HubSpot settings YAML (default: $DATA_DIR/hubspot.yaml when present)')
    .description('log call record(s) to HubSpot now (or to the outbox without HUBSPOT_TOKEN); safe to repeat')
    .action(async (file: string, opts: { settings?: string }) => {
      const { runLog } = await import('../integrations/hubspot/cli-actions.ts');
      process.exitCode = await runLog(process.env, file, opts.settings);
    });

  hs.command('unassociated')
    .description('list calls logged without a HubSpot contact, one JSON line each (REDIS_URL: the app\'s; else those `hubspot log` kept in DATA_DIR)')
    .action(async () => {
      const { runUnassociated } = await import('../integrations/hubspot/cli-actions.ts');
      process.exitCode = await runUnassociated(process.env);
    });

  hs.command('reconcile')
    .option('--settings <file>', 'HubSpot settings YAML (default: $DATA_DIR/hubspot.yaml when present)')
    .description('associate calls logged without a contact to contacts added since, and rewrite their bodies; safe to repeat')
    .action(async (opts: { settings?: string }) => {
      const { runReconcile } = await import('../integrations/hubspot/cli-actions.ts');
      process.exitCode = await runReconcile(process.env, opts.settings);
    });

  hs.command('replay')
    .option('--dlq', 're-post dead-lettered records instead of failed jobs')
    .description('re-post failed call records (needs REDIS_URL of the running instance)')
    .action(async (opts: { dlq?: boolean }) => {
      const { runReplay } = await import('../integrations/hubspot/cli-actions.ts');
      process.exitCode = await runReplay(process.env, !!opts.dlq);
    });
}
