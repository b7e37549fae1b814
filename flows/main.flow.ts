// Main inbound line (DID 601 555 0100). Language choice → business hours → main menu.
// Closed / holiday → message + voicemail. Queues overflow to voicemail.
import { branch, defineFlow, dial, gather, hangup, hours, lookup, menu, play, queue, setLanguage, voicemail } from '../src/flow-dsl/index.ts';

export default defineFlow({
  id: 'main',
  language: 'es',
  languages: ['es', 'en'],
  description: 'Main inbound IVR',
  start: 'welcome',
  nodes: {
    welcome: play('welcome', 'chooseLanguage', { bargeIn: true }),
    chooseLanguage: menu({
      prompt: 'choose-language', // bilingual recording
      options: { '1': 'spanish', '2': 'english' },
      timeoutSec: 4,
      maxAttempts: 2,
      onFailure: 'spanish', // most callers: default to Spanish instead of hanging up
    }),
    spanish: setLanguage('es', 'officeHours'),
    english: setLanguage('en', 'officeHours'),

    officeHours: hours({ schedule: 'office', open: 'mainMenu', closed: 'closedMessage', holiday: 'holidayMessage' }),
    closedMessage: play('closed', 'afterHoursVoicemail'),
    holidayMessage: play('holiday', 'afterHoursVoicemail'),
    afterHoursVoicemail: voicemail({ prompt: 'leave-message', maxSeconds: 120, mailbox: 'office', next: 'goodbye' }),

    mainMenu: menu({
      prompt: 'main-menu',
      options: { '1': 'salesOwner', '2': 'supportAccount', '3': 'billing', '0': 'operator' },
      timeoutSec: 5,
      maxAttempts: 3,
      invalidPrompt: 'invalid-option',
      timeoutPrompt: 'no-input',
      onFailure: 'operator',
    }),

    // Known customers go straight to their account owner; everyone else to the sales queue.
    salesOwner: lookup({ fn: 'crmOwner', timeoutSec: 2, found: 'hasOwner', notFound: 'sales' }),
    hasOwner: branch({
      cases: [{ label: 'owner has an extension', when: (v) => /^\d+$/.test(v.vars.ownerExtension ?? ''), to: 'ringOwner' }],
      otherwise: 'sales',
    }),
    ringOwner: dial({ endpoint: 'PJSIP/{{ownerExtension}}', timeoutSec: 20, noAnswer: 'sales', answered: 'goodbye' }),
    sales: queue({ queue: 'sales', timeout: 'overflow', noAgents: 'overflow', exitKey: 'overflowVoicemail' }),

    supportAccount: gather({
      prompt: 'enter-account',
      into: 'account',
      minDigits: 6,
      maxDigits: 8,
      finishOnKey: '#',
      validate: /^[1-9]\d{5,7}$/, // account numbers never start with 0
      invalidPrompt: 'invalid-account',
      timeoutPrompt: 'no-input',
      maxAttempts: 3,
      readBack: { prompt: 'you-entered' },
      next: 'support',
      onFailure: 'support', // still help the caller, just without the account
    }),
    support: queue({ queue: 'support', timeout: 'overflow', noAgents: 'overflow', exitKey: 'overflowVoicemail' }),
    billing: queue({ queue: 'billing', timeout: 'overflow', noAgents: 'overflow', exitKey: 'overflowVoicemail' }),

    operator: dial({ endpoint: 'PJSIP/1000', timeoutSec: 20, noAnswer: 'overflow', answered: 'goodbye' }),

    overflow: play('all-agents-busy', 'overflowVoicemail'),
    overflowVoicemail: voicemail({ prompt: 'leave-message', maxSeconds: 120, mailbox: 'overflow', next: 'goodbye' }),
    goodbye: hangup('goodbye'),
  },
});
