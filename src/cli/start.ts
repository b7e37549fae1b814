import type { Command } from 'commander';

export function registerStartCommands(program: Command): void {
  program
    .command('start')
    .description('run the Stasis app, workers and HTTP API (embedded defaults when nothing is configured)')
    .action(async () => {
      const { runMain } = await import('../main.ts');
      await runMain(process.env);
    });
}
