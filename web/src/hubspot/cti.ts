// The page's side of HubSpot's calling extension protocol, through HubSpot's own SDK
// (@hubspot/calling-extensions-sdk: postMessage with the HubSpot window, SYNC handshake, origin
// checks). HubSpot → us: ready (portal, user), dialNumber (click-to-call on a record), endCall,
// visibility. Us → HubSpot: initialized, logged in/out, outgoing call (createEngagement: false:
// centralita logs the call), answered, ended, completed.
import CallingExtensions, { type OnCallEnded, type OnInitialized } from '@hubspot/calling-extensions-sdk';
import { signal } from '@preact/signals';
import type { EndStatus } from './calls.ts';

export interface DialRequest {
  phoneNumber: string;
  objectId?: number;
  objectType?: string;
  portalId?: number;
  /** When HubSpot asked (to tell two clicks on the same number apart). */
  at: number;
}

/** HubSpot finished the handshake (the page runs inside HubSpot). */
export const hostReady = signal(false);
export const hostInfo = signal<{ portalId?: number; userId?: number; ownerId?: number }>({});
/** The number HubSpot asked to call (click-to-call on a contact), until the agent places it. */
export const dialRequest = signal<DialRequest | null>(null);
/** HubSpot's "end call" button. */
export const endRequested = signal(0);
/** What HubSpot answered that we did not expect (e.g. an engagement failure), for the page. */
export const hostNotice = signal<string | null>(null);

type Data = Record<string, unknown> | undefined;

export class Cti {
  private readonly sdk: CallingExtensions;
  private signedIn = false;
  /** What HubSpot was last told (initialized / logged in / out): each change is sent once. */
  private told: boolean | undefined;

  constructor(size: { width: number; height: number }) {
    const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
    this.sdk = new CallingExtensions({
      debugMode: false,
      eventHandlers: {
        onReady: (data: Data) => {
          hostInfo.value = { ...(num(data?.portalId) ? { portalId: num(data?.portalId)! } : {}), ...(num(data?.userId) ? { userId: num(data?.userId)! } : {}), ...(num(data?.ownerId) ? { ownerId: num(data?.ownerId)! } : {}) };
          hostReady.value = true;
          // sizeInfo is read by HubSpot though the SDK's type does not list it.
          this.told = this.signedIn;
          this.sdk.initialized({ isLoggedIn: this.signedIn, sizeInfo: size } as OnInitialized);
        },
        onDialNumber: (data: Data) => {
          const phoneNumber = typeof data?.phoneNumber === 'string' ? data.phoneNumber : '';
          if (!phoneNumber) return;
          dialRequest.value = {
            phoneNumber, at: Date.now(),
            ...(num(data?.objectId) ? { objectId: num(data?.objectId)! } : {}), ...(typeof data?.objectType === 'string' ? { objectType: data.objectType } : {}),
            ...(num(data?.portalId) ? { portalId: num(data?.portalId)! } : {}),
          };
        },
        onEndCall: () => { endRequested.value++; },
        // createEngagement is always false: HubSpot must not create (or update) an engagement.
        onCreateEngagementSucceeded: () => { hostNotice.value = 'unexpected-engagement'; },
        onEngagementCreated: () => { hostNotice.value = 'unexpected-engagement'; },
        onCreateEngagementFailed: () => undefined,
        onUpdateEngagementSucceeded: () => undefined,
        onUpdateEngagementFailed: () => undefined,
        onVisibilityChanged: () => undefined,
        onCallerIdMatchSucceeded: () => undefined,
        onCallerIdMatchFailed: () => undefined,
        onNavigateToRecordFailed: () => undefined,
        onPublishToChannelSucceeded: () => undefined,
        onPublishToChannelFailed: () => undefined,
        onFinalizeEngagementSucceeded: () => undefined,
        onFinalizeEngagementFailed: () => undefined,
        onSetWidgetUrlFailed: () => undefined,
        onInitiateCallIdSucceeded: () => undefined,
        onInitiateCallIdFailed: () => undefined,
        onSetCallState: () => undefined,
        onFailed: () => undefined,
        // Types HubSpot may add later: ignored, never an error.
        defaultEventHandler: () => undefined,
      },
    });
  }

  loggedIn(): void { this.signedIn = true; this.tell(); }
  loggedOut(): void { this.signedIn = false; this.tell(); }
  private tell(): void {
    if (!hostReady.value || this.told === this.signedIn) return;
    this.told = this.signedIn;
    if (this.signedIn) this.sdk.userLoggedIn(); else this.sdk.userLoggedOut();
  }
  available(on: boolean): void { if (hostReady.value) { if (on) this.sdk.userAvailable(); else this.sdk.userUnavailable(); } }

  outgoing(c: { externalCallId: string; toNumber: string; fromNumber?: string }): void {
    this.sdk.outgoingCall({ ...c, callStartTime: Date.now(), createEngagement: false });
  }
  answered(externalCallId: string): void { this.sdk.callAnswered({ externalCallId }); }
  ended(externalCallId: string, callEndStatus: EndStatus): void {
    // No engagementId: HubSpot created none for this call (the SDK's type wants one).
    this.sdk.callEnded({ externalCallId, callEndStatus } as OnCallEnded);
  }
  /** The agent finished the wrap-up: HubSpot may close the call UI. No engagement properties. */
  completed(externalCallId: string): void { this.sdk.callCompleted({ externalCallId, hideWidget: false }); }
  error(message: string): void { if (hostReady.value) this.sdk.sendError({ message }); }
}
