#!/usr/bin/env node
// `centralita` command line. Each feature registers its own sub-commands from src/cli/*.ts
// (explicit list below), so this file stays a table of contents.
import { Command } from 'commander';
import { registerStartCommands } from './cli/start.ts';
import { registerSimCommands } from './cli/sim.ts';
import { registerFlowsCommands } from './cli/flows.ts';
import { registerHoursCommands } from './cli/hours.ts';
import { registerCampaignCommands } from './cli/campaign.ts';
import { registerHubspotCommands } from './cli/hubspot.ts';
import { registerAgentCommands } from './cli/agents.ts';
import { registerAdminCommands } from './cli/admin.ts';

const program = new Command();
program.name('centralita').description('Call control for Asterisk/FreePBX contact centres').showHelpAfterError();
registerStartCommands(program);
registerSimCommands(program);
registerFlowsCommands(program);
registerHoursCommands(program);
registerCampaignCommands(program);
registerHubspotCommands(program);
registerAgentCommands(program);
registerAdminCommands(program);
// Commands that reach the running app's Redis (hubspot replay, …) find it on this machine the
// way the API commands do: through DATA_DIR/running.json, when REDIS_URL is not set.
program.hook('preAction', async (_p, action) => {
  let top = action;
  while (top.parent && top.parent !== program) top = top.parent;
  if (['start', 'worker', 'sim'].includes(top.name())) return;
  const { adoptLocalRedis } = await import('./cli/api-client.ts');
  await adoptLocalRedis(process.env);
});
await program.parseAsync(process.argv);
