// Every origination and hand-off of the process passes here, whoever asks (campaign dialler,
// flow dial/transfer nodes, ACD agent legs): a dial string, caller ID or context outside the
// server-side allow-list is refused before anything reaches the PBX.
import { CentralitaError } from '../errors.ts';
import { checkHandoff, checkOriginate, type DialPolicy } from '../domain/dial-policy.ts';
import type { Telephony } from './port.ts';

export class DialRefusedError extends CentralitaError {}

export interface DialRefusal { code: string; reason: string; endpoint?: string; callerId?: string; context?: string; channelId?: string }

/** Wraps `telephony` (same object shape, every other method untouched). */
export function guardDialling<T extends Telephony>(telephony: T, policy: DialPolicy, onRefused?: (r: DialRefusal) => void): T {
  return new Proxy(telephony, {
    get(target, prop, receiver) {
      if (prop === 'originate') {
        return async (req: Parameters<Telephony['originate']>[0]) => {
          const c = checkOriginate(policy, req.endpoint, req.callerId);
          if (!c.ok) {
            onRefused?.({ code: c.code, reason: c.reason, endpoint: req.endpoint, ...(req.callerId ? { callerId: req.callerId } : {}), ...(req.channelId ? { channelId: req.channelId } : {}) });
            throw new DialRefusedError(c.code, c.reason);
          }
          return target.originate(req);
        };
      }
      if (prop === 'continueInDialplan') {
        return async (channelId: string, to?: Parameters<Telephony['continueInDialplan']>[1]) => {
          const c = checkHandoff(policy, to?.context);
          if (!c.ok) {
            onRefused?.({ code: c.code, reason: c.reason, ...(to?.context ? { context: to.context } : {}), channelId });
            throw new DialRefusedError(c.code, c.reason);
          }
          return target.continueInDialplan(channelId, to);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
