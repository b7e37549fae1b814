// Outbound campaign message. Campaign row variables personalise it: `amount` (a payment
// reminder) and `language` (es/en). 1 → an agent, 9 → do-not-call; silence → once more, then bye.
import { branch, defineFlow, hangup, lookup, menu, queue, sayNumber } from '../src/flow-dsl/index.ts';

const options = { '1': 'agent', '9': 'optOut' } as const;

export default defineFlow({
  id: 'campaign',
  language: 'es',
  languages: ['es', 'en'],
  answer: false, // the originated leg is already answered when it reaches Stasis
  description: 'Outbound campaign message with agent hand-off and opt-out',
  start: 'pickMessage',
  nodes: {
    pickMessage: branch({
      cases: [{ label: 'payment', when: (v) => /^\d+$/.test(v.vars.amount ?? ''), to: 'paymentMessage' }],
      otherwise: 'genericMessage',
    }),
    paymentMessage: menu({
      prompt: ['campaign-payment', sayNumber('amount'), 'campaign-options'],
      options,
      timeoutSec: 5,
      maxAttempts: 2, // the message plays at most twice
      onFailure: 'goodbye',
    }),
    genericMessage: menu({
      prompt: ['campaign-generic', 'campaign-options'],
      options,
      timeoutSec: 5,
      maxAttempts: 2,
      onFailure: 'goodbye',
    }),
    agent: queue({ queue: 'sales', timeout: 'sorry', noAgents: 'sorry' }),
    optOut: lookup({ fn: 'addToDoNotCall', timeoutSec: 3, found: 'optOutDone', notFound: 'optOutDone', fallback: 'optOutFailed' }),
    optOutDone: hangup('campaign-optout-done'),
    optOutFailed: hangup('campaign-optout-failed'),
    sorry: hangup('campaign-sorry'),
    goodbye: hangup('goodbye'),
  },
});
