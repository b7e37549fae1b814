// Async functions flows call with a `lookup` node. They may do I/O, but only through the
// services main.ts passes in (CRM, do-not-call list), so tests give them fakes.
import { defineLookups } from '../../src/flow-dsl/index.ts';

export const lookups = defineLookups({
  /** Finds the caller in the CRM; found only when the contact has an owner to ring. */
  async crmOwner({ view, signal }, services) {
    if (!services.crm) return null;
    const contact = await services.crm.findContactByPhone(view.from, signal);
    if (!contact) return null;
    const found: Record<string, string> = { hubspotContactId: contact.id };
    if (contact.name) found.name = contact.name;
    if (!contact.ownerExtension) return null;
    found.ownerExtension = contact.ownerExtension;
    return found;
  },
  /** Adds the called number to the do-not-call list (campaign opt-out). */
  async addToDoNotCall({ view }, services) {
    if (!services.dnc) throw new Error('no do-not-call list is configured');
    const number = view.direction === 'outbound' ? view.to : view.from;
    await services.dnc.add(number, 'caller pressed 9 in campaign message', view.campaign?.campaignId ?? 'ivr');
    return { dnc: 'added' };
  },
});
