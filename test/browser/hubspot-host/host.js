// A fake of HubSpot's host side of the calling extensions protocol, for the browser test of
// centralita's calling extension page. Written from @hubspot/calling-extensions-sdk 0.9.7's
// source (src/IFrameManager.ts as iFrameHost, src/Constants.ts, src/types.ts) and HubSpot's
// calling SDK docs, never from centralita's page:
//  - the iframe: src, width, height, allow="microphone; autoplay", id hubspot-calling-extension-iframe;
//  - on load, SYNC every 100 ms (for 30 s, then SYNC_ACK_FAILED) carrying hostUrl and the portal,
//    user and owner ids, until the iframe answers SYNC_ACK with the same messageId (a callback:
//    message ids are `${instanceId}_${Date.now()}`, a reply is recognised by our instance prefix);
//    its iFrameUrl becomes the only origin we post to and accept messages from;
//  - after that, messages with a type and a messageId: ours are replies, others are events;
//  - HubSpot's behaviour on the events: INITIALIZED (sizeInfo resizes), LOGGED_IN/OUT,
//    USER_AVAILABLE/UNAVAILABLE, OUTGOING_CALL_STARTED (createEngagement true → HubSpot
//    creates the call engagement and answers CREATE_ENGAGEMENT_SUCCEEDED / _FAILED),
//    CALL_ANSWERED, CALL_ENDED, CALL_COMPLETED (engagementProperties → HubSpot updates the
//    engagement: UPDATE_ENGAGEMENT_SUCCEEDED / _FAILED), FINALIZE_ENGAGEMENT, RESIZE_WIDGET,
//    ERROR, NAVIGATE_TO_RECORD; DIAL_NUMBER when the user clicks Call on the record; END_CALL
//    from HubSpot's own end-call button.
// Engagements HubSpot would create or update go to the fake HubSpot API through this page's
// backend (/_hubspot/engagements, served by the test), so they land where centralita's do.
(() => {
  const cfg = JSON.parse(document.getElementById('host-config').textContent);
  const instanceId = Date.now();
  const instanceRegexp = new RegExp(`^${instanceId}`);
  let seq = 0;
  // The SDK's format; a counter keeps two ids of the same millisecond apart.
  const newId = () => `${instanceId}_${Date.now()}${String(seq++).padStart(4, '0')}`;
  const callbacks = {};
  const state = {
    ready: false, syncs: 0, syncAck: null, initialized: null, loggedIn: false, available: null,
    calls: {}, engagements: [], updates: [], errors: [], unknown: [], received: [], sent: [],
  };
  window.hubspotHost = { state, dial, endCall };

  const host = document.getElementById('calling-widget');
  const iframe = document.createElement('iframe');
  const src = cfg.src;
  let destinationHost = new URL(src).origin;
  let firstSyncSent = 0;
  iframe.onload = () => { firstSyncSent = Date.now(); state.ready = false; sendSync(); };
  iframe.src = src;
  iframe.width = String(cfg.width);
  iframe.height = String(cfg.height);
  iframe.allow = 'microphone; autoplay';
  iframe.id = 'hubspot-calling-extension-iframe';
  host.innerHTML = '';
  host.appendChild(iframe);

  function post(message, callback) {
    if (message.type !== 'SYNC' && !state.ready) { state.errors.push({ notReady: message.type }); return; }
    const messageId = message.messageId ?? newId();
    if (callback && !message.messageId) callbacks[messageId] = callback;
    const m = { ...message, messageId };
    state.sent.push({ type: m.type, data: m.data });
    iframe.contentWindow.postMessage(m, destinationHost);
  }

  function sendSync() {
    if (Date.now() - firstSyncSent > 30000) { state.errors.push({ type: 'SYNC_ACK_FAILED' }); return; }
    state.syncs++;
    post({
      type: 'SYNC', hostUrl: location.origin,
      portalId: cfg.portalId, userId: cfg.userId, ownerId: cfg.ownerId, iframeLocation: 'widget', usesCallingWindow: false,
    }, (data) => {
      destinationHost = data.iFrameUrl || destinationHost;
      state.ready = true;
      state.syncAck = { version: data.version, iFrameUrl: data.iFrameUrl, debugMode: data.debugMode };
    });
    setTimeout(() => { if (!state.ready) sendSync(); }, 100);
  }

  window.addEventListener('message', (event) => {
    if (event.origin !== destinationHost) return;
    const data = event.data || {};
    const { type, messageId } = data;
    if (!type || !messageId) return;
    if (instanceRegexp.test(messageId)) {
      const cb = callbacks[messageId];
      if (cb) { delete callbacks[messageId]; cb(data); }
      return;
    }
    state.received.push({ type, data: data.data, at: Date.now() });
    void handle(type, data.data || {});
  });

  async function backend(method, path, body) {
    const r = await fetch(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await r.text();
    return { ok: r.ok, body: text ? JSON.parse(text) : undefined };
  }

  async function handle(type, d) {
    switch (type) {
      case 'INITIALIZED':
        state.initialized = d;
        if (d.sizeInfo) resize(d.sizeInfo);
        return;
      case 'LOGGED_IN': state.loggedIn = true; return;
      case 'LOGGED_OUT': state.loggedIn = false; return;
      case 'USER_AVAILABLE': state.available = true; return;
      case 'USER_UNAVAILABLE': state.available = false; return;
      case 'RESIZE_WIDGET': resize(d); return;
      case 'OUTGOING_CALL_STARTED': {
        const call = { externalCallId: d.externalCallId, toNumber: d.toNumber, fromNumber: d.fromNumber, createEngagement: d.createEngagement, status: 'RINGING', history: ['RINGING'] };
        state.calls[d.externalCallId] = call;
        if (d.createEngagement) {
          // HubSpot creates the call on the record the user called from.
          const r = await backend('POST', '/_hubspot/engagements', { externalCallId: d.externalCallId, toNumber: d.toNumber, fromNumber: d.fromNumber, contactId: cfg.contact.id, ownerId: cfg.ownerId, callStartTime: d.callStartTime });
          if (r.ok) { call.engagementId = r.body.engagementId; state.engagements.push(r.body.engagementId); post({ type: 'CREATE_ENGAGEMENT_SUCCEEDED', data: { engagementId: r.body.engagementId } }); }
          else post({ type: 'CREATE_ENGAGEMENT_FAILED', data: { message: 'could not create the engagement' } });
        }
        return;
      }
      case 'INCOMING_CALL': state.calls[d.externalCallId] = { ...d, status: 'RINGING', history: ['RINGING'], inbound: true }; return;
      case 'CALL_ANSWERED': setStatus(d.externalCallId, 'IN_PROGRESS'); return;
      case 'CALL_ENDED': setStatus(d.externalCallId, d.callEndStatus || 'COMPLETED'); return;
      case 'CALL_TRANSFERRED': setStatus(d.externalCallId, 'TRANSFERRED'); return;
      case 'CALL_COMPLETED': {
        const call = state.calls[d.externalCallId];
        if (call) { call.completed = { engagementId: d.engagementId, hideWidget: d.hideWidget, engagementProperties: d.engagementProperties }; }
        if (d.engagementProperties) {
          const id = d.engagementId || call?.engagementId;
          const r = id ? await backend('PATCH', `/_hubspot/engagements/${id}`, { properties: d.engagementProperties }) : { ok: false };
          if (r.ok) { state.updates.push(id); post({ type: 'UPDATE_ENGAGEMENT_SUCCEEDED', data: { engagementId: id } }); }
          else post({ type: 'UPDATE_ENGAGEMENT_FAILED', data: { message: 'no engagement to update' } });
        }
        return;
      }
      case 'FINALIZE_ENGAGEMENT': case 'PUBLISH_TO_CHANNEL':
        post({ type: d.engagementId ? `${type}_SUCCEEDED` : `${type}_FAILED`, data: { engagementId: d.engagementId } });
        return;
      case 'ERROR': state.errors.push(d); return;
      case 'NAVIGATE_TO_RECORD': case 'CALL_DATA': case 'SET_WIDGET_URL': return;
      default: state.unknown.push(type);
    }
  }

  function setStatus(id, status) {
    const call = state.calls[id];
    if (!call) { state.errors.push({ unknownCall: id, status }); return; }
    call.status = status;
    call.history.push(status);
  }

  function resize({ width, height }) {
    const px = (v) => (typeof v === 'number' ? `${v}px` : v);
    if (width) iframe.setAttribute('width', px(width));
    if (height) iframe.setAttribute('height', px(height));
  }

  /** The user clicks Call on the contact record (HubSpot's DIAL_NUMBER payload). */
  function dial() {
    const c = cfg.contact;
    post({ type: 'DIAL_NUMBER', data: {
      phoneNumber: c.phone, ownerId: cfg.ownerId, subjectId: c.id, objectId: c.id, objectType: 'CONTACT', portalId: cfg.portalId,
      countryCode: c.countryCode, calleeInfo: { calleeId: c.id, calleeObjectTypeId: '0-1' }, startTimestamp: Date.now(), toPhoneNumberSrc: 'phone',
    } });
  }
  /** HubSpot's own end-call button. */
  function endCall() { post({ type: 'END_CALL', data: {} }); }

  document.getElementById('call-contact').addEventListener('click', dial);
  document.getElementById('end-call').addEventListener('click', endCall);
})();
