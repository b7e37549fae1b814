// `flows check`: one fixture folder per class of mistake, with the exact message asserted.
import { describe, expect, it } from 'vitest';
import { formatIssue, loadFlows } from '../../../src/flow-dsl/registry.ts';
import { createNodeFlowSource } from '../../../src/cli/flows.ts';

const FIX = 'test/fixtures/flows';
const check = async (name: string) => {
  // A fixture with its own queues.ts is checked against it; the others against a queue 'sales'.
  const ownQueues = name === 'unknown-skill' || name === 'acd-prompts';
  const r = await loadFlows({ dir: `${FIX}/${name}`, soundsDir: `${FIX}/sounds`, source: createNodeFlowSource(), ...(ownQueues ? {} : { queueIds: ['sales'] }) });
  return { ...r, errors: r.issues.filter((i) => i.severity === 'error').map(formatIssue) };
};

describe('flows check', () => {
  it('accepts a correct flows folder and compiles it', async () => {
    const r = await check('good');
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
    expect([...r.flows.keys()]).toEqual(['demo']);
    expect(r.flows.get('demo')?.version).toMatch(/^[0-9a-f]{16}$/);
    expect(r.dids).toEqual({ '6015550100': 'demo' });
  });

  it.each([
    ['target-typo', [
      `${FIX}/target-typo/demo.flow.ts:11:52: error FLOW_TARGET_UNKNOWN: node 'menu' (press 1) goes to 'salez', which is not a node of flow 'demo'`,
      `${FIX}/target-typo/demo.flow.ts:12:5: error FLOW_NODE_UNREACHABLE: node 'sales' cannot be reached from start 'hello'`,
    ]],
    ['unreachable', [`${FIX}/unreachable/demo.flow.ts:11:5: error FLOW_NODE_UNREACHABLE: node 'orphan' cannot be reached from start 'hello'`]],
    ['unknown-queue', [`${FIX}/unknown-queue/demo.flow.ts:11:28: error FLOW_QUEUE_UNKNOWN: node 'sales' uses queue 'salse', which is not in flows/queues.ts (known: sales)`]],
    ['unknown-skill', [`${FIX}/unknown-skill/demo.flow.ts:10:62: error FLOW_QUEUE_SKILL_UNKNOWN: node 'sales' requires skill 'englsh', which no member of queue 'sales' has (skills there: english, spanish)`]],
    ['unknown-schedule', [`${FIX}/unknown-schedule/demo.flow.ts:10:31: error FLOW_SCHEDULE_UNKNOWN: node 'hello' uses schedule 'ofice', which is not in flows/schedules.ts (known: office)`]],
    ['unknown-lookup', [`${FIX}/unknown-lookup/demo.flow.ts:10:26: error FLOW_LOOKUP_UNKNOWN: node 'hello' calls lookup 'crmOwnr', which flows/lookups does not export (known: crmOwner)`]],
    ['missing-prompt', [`${FIX}/missing-prompt/demo.flow.ts:10:18: error FLOW_PROMPT_MISSING: node 'hello' plays prompt 'only-es', which has no recording for language 'en' (${FIX}/sounds/en/only-es.wav; add it to sounds/prompts.yaml and run npm run sounds)`]],
    // What the ACD plays in a queue the flow uses, in every language the flow offers.
    ['acd-prompts', [
      `${FIX}/acd-prompts/demo.flow.ts:11:28: error FLOW_PROMPT_MISSING: node 'sales' puts callers in queue 'sales', whose announcements (or agent prompts) need prompts queue-youarenext, queue-thankyou, queue-holdtime, queue-less-than, queue-minutes, queue-thereare, queue-callswaiting, digits/0 and 52 more, which have no recording for language 'es' (${FIX}/sounds/es/queue-youarenext.wav, …; add them to sounds/prompts.yaml and run npm run sounds)`,
      `${FIX}/acd-prompts/demo.flow.ts:11:28: error FLOW_PROMPT_MISSING: node 'sales' puts callers in queue 'sales', whose announcements (or agent prompts) need prompts queue-youarenext, queue-thankyou, queue-holdtime, queue-less-than, queue-minutes, queue-thereare, queue-callswaiting, digits/0 and 32 more, which have no recording for language 'en' (${FIX}/sounds/en/queue-youarenext.wav, …; add them to sounds/prompts.yaml and run npm run sounds)`,
    ]],
    // Read-outs need Asterisk's digit and number files; recording needs its beep.
    ['read-outs', [
      `${FIX}/read-outs/demo.flow.ts:9:39: error FLOW_PROMPT_MISSING: node 'amount' reads 'amount' as a number, which needs prompts digits/0, digits/1, digits/10, digits/100, digits/100-and, digits/11, digits/12, digits/13 and 45 more, which have no recording for language 'es' (${FIX}/sounds/es/digits/0.wav, …; add them to sounds/prompts.yaml and run npm run sounds)`,
      `${FIX}/read-outs/demo.flow.ts:10:47: error FLOW_PROMPT_MISSING: node 'account' reads 'account' digit by digit, which needs prompts digits/0, digits/1, digits/2, digits/3, digits/4, digits/5, digits/6, digits/7 and 4 more, which have no recording for language 'es' (${FIX}/sounds/es/digits/0.wav, …; add them to sounds/prompts.yaml and run npm run sounds)`,
      `${FIX}/read-outs/demo.flow.ts:11:5: error FLOW_PROMPT_MISSING: node 'message' records after a beep, which plays prompt 'beep', which has no recording for language 'es' (${FIX}/sounds/es/beep.wav; add it to sounds/prompts.yaml and run npm run sounds)`,
    ]],
    ['bad-start', [
      `${FIX}/bad-start/demo.flow.ts:8:11: error FLOW_START_UNKNOWN: start 'helo' is not a node of flow 'demo'`,
    ]],
    ['id-mismatch', [`${FIX}/id-mismatch/demo.flow.ts:5:8: error FLOW_ID_MISMATCH: flow id 'demo2' does not match its key 'demo' in flows/index.ts`]],
    ['bad-node', [`${FIX}/bad-node/demo.flow.ts:10:5: error FLOW_NODE_INVALID: node 'hello': minDigits (8) is more than maxDigits (6)`]],
    ['bad-did', [`${FIX}/bad-did/index.ts:6:26: error FLOW_DID_UNKNOWN_FLOW: DID 6015550199 goes to flow 'sales', which is not in the registry`]],
    // The line that threw, not 1:1.
    ['load-error', [`${FIX}/load-error/demo.flow.ts:4:7: error FLOW_LOAD_FAILED: cannot load: boom: half-saved edit`]],
    // Options the node type does not have are refused at load (no TypeScript needed), with a guess.
    ['misspelled-option', [`${FIX}/misspelled-option/demo.flow.ts:10:60: error FLOW_OPTION_UNKNOWN: node 'menu': unknown option 'maxAtempts' (did you mean 'maxAttempts'?)`]],
    ['bad-dial', [
      `${FIX}/bad-dial/demo.flow.ts:10:59: error FLOW_NODE_INVALID: node 'operator': callerId: expected a string`,
      `${FIX}/bad-dial/demo.flow.ts:10:46: error FLOW_OPTION_UNKNOWN: node 'operator': unknown option 'timeout' (did you mean 'timeoutSec'?)`,
    ]],
    ['bad-schedule', [
      `${FIX}/bad-schedule/schedules.ts:3:3: error SCHEDULE_INVALID: schedule 'office': unknown time zone 'America/Bogata'`,
      `${FIX}/bad-schedule/schedules.ts:3:3: error SCHEDULE_INVALID: schedule 'office' weekly[0]: "25:00" is not a HH:mm time`,
    ]],
  ])('%s', async (name, expected) => {
    const r = await check(name);
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual(expected);
  });
});
