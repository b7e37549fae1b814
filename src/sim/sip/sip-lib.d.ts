// Types for the parts of the `sip` package (kirm/sip.js) the simulator uses: its message
// parser/serialiser and its digest helpers. The package ships none.
declare module 'sip' {
  export interface SipUri { schema: string; user?: string; host: string; port?: number; params: Record<string, string | null> }
  export interface NameAddr { name?: string; uri: string; params: Record<string, string | null | undefined> }
  export interface Via { version: string; protocol: string; host: string; port?: number; params: Record<string, string | null | undefined> }
  export interface SipMessage {
    method?: string;
    uri?: string;
    status?: number;
    reason?: string;
    version: string;
    headers: Record<string, unknown> & {
      via?: Via[]; from?: NameAddr; to?: NameAddr; contact?: NameAddr[] | '*'; 'call-id'?: string;
      cseq?: { seq: number; method: string }; 'content-type'?: string; expires?: string | number;
    };
    content?: string;
  }
  export function parse(s: string): SipMessage | undefined;
  export function stringify(m: SipMessage): string;
  export function makeResponse(rq: SipMessage, status: number, reason?: string, extension?: { headers?: Record<string, unknown>; content?: string }): SipMessage;
  export function parseUri(s: string): SipUri | undefined;
  export function stringifyUri(u: SipUri | string): string;
}
declare module 'sip/digest.js' {
  import type { SipMessage } from 'sip';
  export interface ServerContext { realm: string; nonce?: string; qop?: string; nc?: number; ha1?: string; proxy?: boolean }
  export function challenge(ctx: ServerContext, rs: SipMessage): SipMessage;
  export function authenticateRequest(ctx: ServerContext, rq: SipMessage, creds: { user: string; password?: string; hash?: string }): boolean;
  export function signRequest(ctx: Record<string, unknown> | undefined, rq: SipMessage, rs: SipMessage | undefined, creds: { user: string; password: string; realm: string }): Record<string, unknown> | null;
  export function calculateHA1(ctx: { user: string; realm: string; password: string }): string;
  export function calculateUserRealmPasswordHash(user: string, realm: string, password: string): string;
}
