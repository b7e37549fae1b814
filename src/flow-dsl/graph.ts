// `centralita flows graph <id>`: a Mermaid flowchart drawn from the COMPILED machine (so
// the picture is what runs), with edges labelled from the flow's own vocabulary
// ("press 1", "timeout", "holiday"). Pure.
import type { AnyStateMachine } from 'xstate';
import type { CompiledFlowEx } from './compile.ts';
import type { FlowNode } from './types.ts';
import { nodeEdges } from './validate.ts';

interface StateNodeLike {
  key: string;
  parent?: StateNodeLike;
  states: Record<string, StateNodeLike>;
  transitions: Map<string, { target?: StateNodeLike[] }[]>;
  always?: { target?: StateNodeLike[] }[];
  type: string;
}

const SHAPES: Record<FlowNode['type'], (label: string) => string> = {
  play: (l) => `[/"${l}"/]`,
  menu: (l) => `{"${l}"}`,
  gather: (l) => `[["${l}"]]`,
  hours: (l) => `{{"${l}"}}`,
  queue: (l) => `[("${l}")]`,
  dial: (l) => `(["${l}"])`,
  transfer: (l) => `>"${l}"]`,
  voicemail: (l) => `[("${l}")]`,
  setLanguage: (l) => `["${l}"]`,
  setVar: (l) => `["${l}"]`,
  branch: (l) => `{"${l}"}`,
  lookup: (l) => `[["${l}"]]`,
  hangup: (l) => `(("${l}"))`,
};

function describe(n: FlowNode): string {
  switch (n.type) {
    case 'play': return 'play';
    case 'menu': return 'menu';
    case 'gather': return `gather ${n.into}`;
    case 'hours': return `hours: ${n.schedule}`;
    case 'queue': return `queue: ${n.queue}`;
    case 'dial': return `dial ${n.endpoint}`;
    case 'transfer': return `dialplan ${n.context},${n.extension}`;
    case 'voicemail': return 'voicemail';
    case 'setLanguage': return `language = ${n.language}`;
    case 'setVar': return `set ${n.name}`;
    case 'branch': return 'branch';
    case 'lookup': return `lookup ${n.fn}`;
    case 'hangup': return 'hang up';
  }
}

// Mermaid entity codes keep `{{var}}` and quotes readable inside labels.
const esc = (s: string) => s.replace(/"/g, '#quot;').replace(/\{/g, '#123;').replace(/\}/g, '#125;').replace(/\|/g, '#124;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
const mid = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');

function topLevel(s: StateNodeLike, root: StateNodeLike): StateNodeLike {
  let cur = s;
  while (cur.parent && cur.parent !== root) cur = cur.parent;
  return cur;
}

/** Edges between top-level states of the machine, found by walking every transition. */
export function machineEdges(machine: AnyStateMachine): { from: string; to: string }[] {
  const root = machine.root as unknown as StateNodeLike;
  const out = new Map<string, { from: string; to: string }>();
  const visit = (top: StateNodeLike, s: StateNodeLike) => {
    const all = [...[...s.transitions.values()].flat(), ...(s.always ?? [])];
    for (const t of all) for (const target of t.target ?? []) {
      const to = topLevel(target, root);
      // A transition into one of the node's own sub-states (a menu's retry) is not an edge;
      // one that targets the node itself (a "repeat menu" key) is a loop and is drawn.
      if (to.key !== top.key || target === top) out.set(`${top.key}->${to.key}`, { from: top.key, to: to.key });
    }
    for (const child of Object.values(s.states)) visit(top, child);
  };
  for (const top of Object.values(root.states)) visit(top, top);
  return [...out.values()];
}

export function flowToMermaid(flow: CompiledFlowEx): string {
  const def = flow.definition;
  const nodes = def.nodes as Record<string, FlowNode>;
  const lines = [`%% flow ${def.id} version ${flow.version}`, 'flowchart TD'];
  lines.push(`  __start(("start")) --> ${def.answer === false ? mid(def.start) : '__answer'}`);
  if (def.answer !== false) lines.push(`  __answer["answer"]`);
  for (const [id, n] of Object.entries(nodes)) lines.push(`  ${mid(id)}${SHAPES[n.type](esc(`${id}: ${describe(n)}`))}`);
  const labels = new Map<string, string[]>();
  for (const [id, n] of Object.entries(nodes)) for (const e of nodeEdges(id, n)) {
    const k = `${e.from}->${e.to}`;
    labels.set(k, [...(labels.get(k) ?? []), e.label]);
  }
  const hidden = new Set(['__done', '__gone']);
  for (const e of machineEdges(flow.machine)) {
    if (hidden.has(e.to) || (def.answer === false && e.from === '__answer')) continue;
    const n = nodes[e.from];
    const implicit = e.to === '__end' && n ? ({ queue: 'answered', dial: 'answered', voicemail: 'recorded' } as Partial<Record<FlowNode['type'], string>>)[n.type] : undefined;
    const label = labels.get(`${e.from}->${e.to}`)?.join(' / ') ?? implicit ?? '';
    lines.push(`  ${mid(e.from)} -->${label ? `|"${esc(label)}"|` : ''} ${mid(e.to)}`);
  }
  lines.push('  __end(("hang up"))');
  return lines.join('\n') + '\n';
}
