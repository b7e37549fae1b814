import type { Command } from 'commander';

export function registerStartCommands(program: Command): void {
  program
    .command('start')
    .description('run the Stasis app, workers and HTTP API (embedded defaults when nothing is configured)')
    .action(async () => {
      const { runMain } = await import('../main.ts');
      await runMain(process.env);
    });
  program
    .command('worker')
    .description('run only the background workers (HubSpot logging, campaign ingest, dialler); needs REDIS_URL and ARI_URL')
    .action(async () => {
      const { runMain } = await import('../main.ts');
      await runMain(process.env, { workersOnly: true });
    });
}
