/**
 * Who may talk to the server: loopback binds are open by default (the same machine), any other
 * bind needs a bearer token, checked in constant time. No `vscode` import here.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";

/** Shortest token accepted for a non-loopback bind. */
export const MIN_REMOTE_TOKEN_LENGTH = 16;

/** True for 127.0.0.0/8, ::1, ::ffff:127.x and "localhost". */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1");
  if (h === "localhost") return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return h === "::1" || /^::ffff:127\./.test(h) || h === "0:0:0:0:0:0:0:1";
  return false;
}

/** The hostname part of a Host header ("127.0.0.1:8080" → "127.0.0.1", "[::1]:80" → "::1"). */
export function hostnameOf(hostHeader: string): string {
  const h = hostHeader.trim();
  if (h.startsWith("[")) return h.slice(1, h.indexOf("]") >= 0 ? h.indexOf("]") : undefined);
  const colon = h.lastIndexOf(":");
  return colon >= 0 && h.indexOf(":") === colon ? h.slice(0, colon) : h;
}

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

/**
 * Whether an `Authorization` header carries `Bearer <token>`. Both sides are hashed first, so
 * the comparison takes the same time whatever the length or content of the guess.
 */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  const m = /^Bearer[ ]+(.+)$/i.exec(authorization?.trim() ?? "");
  // Group 1 is not optional: a match always carries the credential.
  const presented = m?.[1]?.trim() ?? "";
  const ok = timingSafeEqual(digest(presented), digest(token));
  return ok && presented.length > 0;
}
