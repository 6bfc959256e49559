/**
 * Viewers and client networks are stored as keyed digests (HMAC-SHA-256 with VIEWER_KEY_SECRET,
 * first 16 bytes as hex), never as what the client sent: enough to count distinct viewers
 * exactly (a 128-bit collision is not a practical concern), and not recomputable without the
 * secret. A plain hash was: an `anon:<IPv4>` viewer is found by trying every address in minutes.
 * Each purpose has its own label, so a viewer key never equals a network key of the same text.
 */

/**
 * The secret's imported key, one per isolate and secret (a rotation imports the new one). The
 * key itself is kept, not the import's promise: a promise begun by one request is not awaited by
 * another (workerd ties it to the request that made it); two first requests both importing is
 * harmless.
 */
const imported = new Map<string, CryptoKey>();

async function hmacKey(secret: string): Promise<CryptoKey> {
  const held = imported.get(secret);
  if (held) return held;
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  imported.set(secret, key);
  return key;
}

async function keyedDigest(secret: string, label: string, value: string): Promise<string> {
  const mac = await crypto.subtle.sign(
    'HMAC',
    await hmacKey(secret),
    new TextEncoder().encode(`${label}:${value}`),
  );
  let hex = '';
  for (const b of new Uint8Array(mac, 0, 16)) hex += b.toString(16).padStart(2, '0');
  return hex;
}

export function viewerKey(secret: string, viewerId: string): Promise<string> {
  return keyedDigest(secret, 'openvine-viewer', viewerId);
}

/** `network`: trending-core's clientNetwork of the connecting address. */
export function networkKey(secret: string, network: string): Promise<string> {
  return keyedDigest(secret, 'openvine-network', network);
}
