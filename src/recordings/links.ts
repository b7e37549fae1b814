// Stable recording links for HubSpot and e-mail: `<PUBLIC_BASE_URL>/recordings/<name>?token=…`
// where the token is an HMAC of the recording name and its link version. The app checks it
// on every fetch (nothing expires by itself, unlike a presigned S3 URL), and revoking the
// links of a recording bumps its version so every earlier link stops working at once.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface RecordingLinks {
  token(name: string, linkVersion: number): string;
  verify(name: string, linkVersion: number, token: string): boolean;
  /** Absolute URL, or undefined when no PUBLIC_BASE_URL is configured. */
  url(name: string, linkVersion: number): string | undefined;
}

export function recordingLinks(secret: string, publicBaseUrl: string | undefined): RecordingLinks {
  const token = (name: string, v: number) => createHmac('sha256', secret).update(`recording\u0000${name}\u0000${v}`).digest('base64url').slice(0, 32);
  return {
    token,
    verify(name, v, t) {
      const want = Buffer.from(token(name, v));
      const got = Buffer.from(t);
      return got.length === want.length && timingSafeEqual(got, want);
    },
    url: (name, v) => (publicBaseUrl ? `${publicBaseUrl}/recordings/${encodeURIComponent(name)}?token=${token(name, v)}` : undefined),
  };
}
