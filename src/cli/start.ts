import type { Command } from 'commander';

export function registerStartCommands(program: Command): void {
  program
    .command('start')
    .description('run the Stasis app, workers and HTTP API (embedded defaults when nothing is configured)')
    .action(async () => {
      // Before the full start-up is even loaded: calls a killed process left in Stasis go back
      // to the dialplan at once (src/calls/early-hand-back.ts), not seconds later.
      const { earlyHandBack } = await import('../calls/early-hand-back.ts');
      const early = await earlyHandBack(process.env).catch(() => undefined);
      const { runMain } = await import('../main.ts');
      await runMain(process.env, early ? { earlyHandBack: early } : {});
    });
  program
    .command('worker')
    .description('run only the background workers (HubSpot logging, campaign ingest, dialler); needs REDIS_URL and ARI_URL')
    .action(async () => {
      const { runMain } = await import('../main.ts');
      await runMain(process.env, { workersOnly: true });
    });
}
