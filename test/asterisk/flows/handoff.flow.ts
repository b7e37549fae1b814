// Hands the caller to the dialplan (centralita-handoff → from-internal 2001), as a FreePBX
// extension or ring group would take it.
import { defineFlow, play, transfer } from '../../../src/flow-dsl/index.ts';

export default defineFlow({
  id: 'handoff',
  language: 'es',
  start: 'hello',
  nodes: {
    hello: play('welcome', 'desk'),
    desk: transfer('centralita-handoff', '2001'),
  },
});
