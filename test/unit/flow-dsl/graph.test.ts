// `flows graph`: the Mermaid picture is drawn from the compiled machine, so every arrow a
// caller can take must be there — including a key that repeats the menu it is pressed in.
import { describe, expect, it } from 'vitest';
import { compileFlow } from '../../../src/flow-dsl/compile.ts';
import { flowToMermaid } from '../../../src/flow-dsl/graph.ts';
import { defineFlow, gather, hangup, menu, play } from '../../../src/flow-dsl/index.ts';

describe('flows graph', () => {
  it('draws a "repeat menu" key as a loop on the menu, and no loop for its internal retries', () => {
    const flow = defineFlow({
      id: 'loops', language: 'es', start: 'mainMenu',
      nodes: {
        mainMenu: menu({ prompt: 'main-menu', options: { '1': 'account', '*': 'mainMenu' }, invalidPrompt: 'invalid-option', onFailure: 'bye' }),
        account: gather({ prompt: 'enter-account', into: 'account', maxDigits: 6, next: 'thanks', onFailure: 'account' }),
        thanks: play('goodbye', 'bye'),
        bye: hangup(),
      },
    });
    const lines = flowToMermaid(compileFlow(flow)).split('\n').map((l) => l.trim());
    expect(lines).toContain('mainMenu -->|"press *"| mainMenu');
    expect(lines).toContain('account -->|"no valid input"| account');
    expect(lines).toContain('mainMenu -->|"press 1"| account');
    // The invalid-key retry inside a menu stays inside the node: no unlabelled self-arrow.
    expect(lines.filter((l) => /^(\w+) --> \1$/.test(l))).toEqual([]);
    expect(lines.filter((l) => l.startsWith('thanks -->'))).toEqual(['thanks -->|"done"| bye']);
  });
});
