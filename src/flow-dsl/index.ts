// The flow language as ops import it: `import { defineFlow, menu, … } from '../src/flow-dsl/index.ts'`.
export {
  defineFlow, play, menu, gather, hours, queue, dial, transfer, voicemail, setLanguage, setVar, branch, lookup, hangup,
  sayDigits, sayNumber, defineLookups,
} from './define.ts';
export type { Digit, FlowDefinition, FlowNode, FlowView, LookupFn, LookupServices, Media, Prompts } from './types.ts';
export { defineSchedule } from '../domain/hours.ts';
export type { Schedule, WeeklyRange, DateEntry, Weekday } from '../domain/hours.ts';
export { defineRegistry, type RegistryDefinition } from './registry-def.ts';
