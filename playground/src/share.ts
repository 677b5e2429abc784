/**
 * Share links: the program, deflated and base64url-encoded, in the page's hash, with the front
 * end beside it (`#fe=babel&code=...`). Nothing leaves the browser: the link is the program.
 * `CompressionStream("deflate-raw")` and base64url need no dependency.
 */
import type { FrontEnd } from "./protocol";

/** What a share link carries. */
export interface SharedState {
  readonly code: string;
  readonly frontEnd: FrontEnd;
}

/** The hash (with its `#`) that encodes `state`. */
export async function encodeShare(state: SharedState): Promise<string> {
  const packed = await pipe(new TextEncoder().encode(state.code), new CompressionStream("deflate-raw"));
  return `#fe=${state.frontEnd}&code=${toBase64Url(packed)}`;
}

/**
 * The state a hash encodes, or undefined when it carries none.
 * @throws Error when the hash has a `code` that does not decode (a truncated link).
 */
export async function decodeShare(hash: string): Promise<SharedState | undefined> {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const packed = params.get("code");
  if (packed === null || packed === "") return undefined;
  let bytes: Uint8Array;
  try {
    bytes = await pipe(fromBase64Url(packed), new DecompressionStream("deflate-raw"));
  } catch {
    throw new Error("This share link is damaged (was it cut short?): its program could not be decoded");
  }
  return { code: new TextDecoder().decode(bytes), frontEnd: params.get("fe") === "babel" ? "babel" : "typescript" };
}

async function pipe(input: Uint8Array, transform: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const stream = new Blob([input as BlobPart]).stream().pipeThrough(transform);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Base64 with the URL-safe alphabet and no padding (RFC 4648 section 5). */
export function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The bytes of a base64url string. @throws DOMException for characters outside the alphabet. */
export function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
