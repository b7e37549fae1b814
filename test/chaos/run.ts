// `npm run chaos [-- --seed N] [--inbound N] [--rows N] [--window-ms N] [--settle-ms N] [--no-worker]`:
// one seeded chaos run (test/chaos/chaos.ts), progress on stderr, the counts as one JSON line
// on stdout. Loopback only; stops by itself (every wait has a deadline).
import { parseArgs } from 'node:util';
import { runChaos } from './chaos.ts';

const { values } = parseArgs({ options: { seed: { type: 'string', default: '1' }, inbound: { type: 'string', default: '40' }, rows: { type: 'string', default: '120' }, 'window-ms': { type: 'string', default: '90000' }, 'settle-ms': { type: 'string', default: '120000' }, quiet: { type: 'boolean', default: false }, 'no-worker': { type: 'boolean', default: false } } });
const r = await runChaos({
  seed: Number(values.seed), inboundCalls: Number(values.inbound), campaignRows: Number(values.rows), faultWindowMs: Number(values['window-ms']), settleMs: Number(values['settle-ms']), worker: !values['no-worker'],
  log: values.quiet ? undefined : (l) => process.stderr.write(`[chaos] ${l}\n`),
});
console.log(JSON.stringify(r));
process.exit(0);
