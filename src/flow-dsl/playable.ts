// Everything a caller of a flow can hear, and the check that each of it is recorded in every
// language the flow offers: the prompts the nodes name, the digit and number files Asterisk
// reads variables out with (say.ts), the voicemail beep, and what the ACD plays in the
// queues the flow uses (src/acd/prompts.ts). A missing file is dead air on a live call
// (Asterisk fails the playback), so `flows check` and start-up refuse it. Pure.
import type { QueuePrompts } from '../acd/prompts.ts';
import { promptIds } from './compile.ts';
import { DIGIT_PROMPTS, numberPrompts } from './say.ts';
import type { FlowNode, Media, Prompts } from './types.ts';

/** The prompt lists of a node (what `play`, menus, gathers, voicemail and hang-up say). */
export function nodePrompts(n: FlowNode): Prompts[] {
  switch (n.type) {
    case 'play': return [n.prompts];
    case 'menu': return [n.prompt, n.invalidPrompt, n.timeoutPrompt].filter((p): p is Prompts => p !== undefined);
    case 'gather': return [n.prompt, n.invalidPrompt, n.timeoutPrompt, n.readBack?.prompt].filter((p): p is Prompts => p !== undefined);
    case 'voicemail': return n.prompt === undefined ? [] : [n.prompt];
    case 'hangup': return n.prompt === undefined ? [] : [n.prompt];
    default: return [];
  }
}

/** Variables a node reads out, and how. */
function readOuts(n: FlowNode): { kind: 'digits' | 'number'; variable: string }[] {
  const out: { kind: 'digits' | 'number'; variable: string }[] = [];
  for (const p of nodePrompts(n)) for (const m of (Array.isArray(p) ? p : [p]) as Media[]) {
    if (typeof m === 'object' && 'sayDigits' in m) out.push({ kind: 'digits', variable: m.sayDigits });
    else if (typeof m === 'object' && 'sayNumber' in m) out.push({ kind: 'number', variable: m.sayNumber });
  }
  if (n.type === 'gather' && n.readBack) out.push({ kind: 'digits', variable: n.into });
  return out.filter((r, i) => out.findIndex((o) => o.kind === r.kind) === i);
}

/** Record of Asterisk's voicemail beep (ARI record with beep plays the `beep` sound). */
export const BEEP_PROMPT = 'beep';

export interface PromptCatalog {
  hasPrompt: (language: string, id: string) => boolean;
  soundsDir?: string;
  /** What the ACD plays in each queue (from flows/queues.ts); queues not listed are not checked. */
  queuePrompts?: ReadonlyMap<string, QueuePrompts>;
}

export interface PromptProblem { node: string; token?: string; message: string }

const FIX = 'add it to sounds/prompts.yaml and run npm run sounds';
const list = (ids: string[]) => (ids.length > 8 ? `${ids.slice(0, 8).join(', ')} and ${ids.length - 8} more` : ids.join(', '));

/** Every prompt a caller of these nodes could hear that has no recording in one of `languages`. */
export function missingPrompts(nodes: [string, FlowNode][], languages: string[], cat: PromptCatalog): PromptProblem[] {
  const out: PromptProblem[] = [];
  const dir = cat.soundsDir ?? 'sounds';
  const missing = (lang: string, ids: readonly string[]) => ids.filter((id) => !cat.hasPrompt(lang, id));
  const needs = (lang: string, ids: string[]) => ids.length === 1
    ? `prompt '${ids[0]}', which has no recording for language '${lang}' (${dir}/${lang}/${ids[0]}.wav; ${FIX})`
    : `prompts ${list(ids)}, which have no recording for language '${lang}' (${dir}/${lang}/${ids[0]}.wav, …; add them to sounds/prompts.yaml and run npm run sounds)`;
  for (const [id, n] of nodes) {
    for (const p of nodePrompts(n)) for (const pid of promptIds(p)) for (const lang of languages) {
      if (!cat.hasPrompt(lang, pid)) out.push({ node: id, token: pid, message: `node '${id}' plays prompt '${pid}', which has no recording for language '${lang}' (${dir}/${lang}/${pid}.wav; ${FIX})` });
    }
    for (const r of readOuts(n)) for (const lang of languages) {
      const m = missing(lang, r.kind === 'digits' ? DIGIT_PROMPTS : numberPrompts(lang));
      if (m.length) out.push({ node: id, token: r.variable, message: `node '${id}' reads '${r.variable}' ${r.kind === 'digits' ? 'digit by digit' : 'as a number'}, which needs ${needs(lang, m)}` });
    }
    if (n.type === 'voicemail' && n.beep !== false) for (const lang of languages) {
      if (!cat.hasPrompt(lang, BEEP_PROMPT)) out.push({ node: id, message: `node '${id}' records after a beep, which plays ${needs(lang, [BEEP_PROMPT])}` });
    }
    const q = n.type === 'queue' ? cat.queuePrompts?.get(n.queue) : undefined;
    if (n.type === 'queue' && q) for (const lang of q.language ? [q.language] : languages) {
      const m = missing(lang, [...q.prompts, ...(q.numbers ? numberPrompts(lang) : [])]);
      if (m.length) out.push({ node: id, token: n.queue, message: `node '${id}' puts callers in queue '${n.queue}', whose announcements (or agent prompts) need ${needs(lang, m)}` });
    }
  }
  return out;
}
