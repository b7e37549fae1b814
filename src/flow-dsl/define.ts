// Builders ops use. `defineFlow` infers the node ids from the keys of `nodes` only, so a
// target that is not a key is a compile error ("Type '"salez"' is not assignable…").
import type {
  BranchNode, DialNode, FlowDefinition, FlowNode, GatherNode, HangupNode, HoursNode, LookupNode, LookupFn, MenuNode,
  PlayNode, Prompts, QueueNode, SetLanguageNode, SetVarNode, TransferNode, VoicemailNode,
} from './types.ts';

export function defineFlow<const K extends string>(def: {
  id: string;
  language: string;
  languages?: string[];
  answer?: boolean;
  description?: string;
  start: NoInfer<K>;
  nodes: { [P in K]: FlowNode<NoInfer<K>> };
}): FlowDefinition<K> {
  return def;
}

type Without<N> = Omit<N, 'type'>;

export const play = <const T extends string>(prompts: Prompts, next: T, opts: { bargeIn?: boolean } = {}): PlayNode<T> => ({ type: 'play', prompts, next, ...opts });
export const menu = <const T extends string>(n: Without<MenuNode<T>>): MenuNode<T> => ({ type: 'menu', ...n });
export const gather = <const T extends string>(n: Without<GatherNode<T>>): GatherNode<T> => ({ type: 'gather', ...n });
export const hours = <const T extends string>(n: Without<HoursNode<T>>): HoursNode<T> => ({ type: 'hours', ...n });
export const queue = <const T extends string>(n: Without<QueueNode<T>>): QueueNode<T> => ({ type: 'queue', ...n });
export const dial = <const T extends string>(n: Without<DialNode<T>>): DialNode<T> => ({ type: 'dial', ...n });
export const transfer = (context: string, extension: string, priority?: number): TransferNode => ({ type: 'transfer', context, extension, ...(priority !== undefined ? { priority } : {}) });
export const voicemail = <const T extends string>(n: Without<VoicemailNode<T>> = {}): VoicemailNode<T> => ({ type: 'voicemail', ...n });
export const setLanguage = <const T extends string>(language: string, next: T): SetLanguageNode<T> => ({ type: 'setLanguage', language, next });
export const setVar = <const T extends string>(name: string, value: SetVarNode<T>['value'], next: T): SetVarNode<T> => ({ type: 'setVar', name, value, next });
export const branch = <const T extends string>(n: Without<BranchNode<T>>): BranchNode<T> => ({ type: 'branch', ...n });
export const lookup = <const T extends string>(n: Without<LookupNode<T>>): LookupNode<T> => ({ type: 'lookup', ...n });
export const hangup = (prompt?: Prompts): HangupNode => ({ type: 'hangup', ...(prompt !== undefined ? { prompt } : {}) });

/** Reads a variable's value digit by digit / as a number, inside a prompt list. */
export const sayDigits = (variable: string) => ({ sayDigits: variable });
export const sayNumber = (variable: string) => ({ sayNumber: variable });

export function defineLookups<L extends Record<string, LookupFn>>(l: L): L {
  return l;
}
