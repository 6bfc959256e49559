/**
 * Viewers are stored as a keyed digest, never as the id the client sent: enough to count
 * distinct viewers exactly (a 128-bit collision is not a practical concern), nothing to leak.
 */
export async function viewerKey(viewerId: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    'SHA-256',
    new TextEncoder().encode(`openvine-viewer:${viewerId}`),
  );
  const bytes = new Uint8Array(digest, 0, 16);
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
}
