/**
 * The network a client sends from: its address (CF-Connecting-IP) reduced to the /24 (IPv4) or
 * /48 (IPv6) around it, the block one operator or household usually holds, so that a client who
 * changes address inside it is still the same network. IPv4-mapped IPv6 addresses are IPv4.
 * A missing or unparsable address is the one network `unknown`: it still scopes keys (every
 * such client shares it), it never throws.
 */
export const UNKNOWN_NETWORK = 'unknown';

export function clientNetwork(address: string | null | undefined): string {
  const text = address?.trim() ?? '';
  if (text === '') return UNKNOWN_NETWORK;
  const v4 = parseIpv4(text);
  if (v4) return ipv4Network(v4);
  const v6 = parseIpv6(text);
  if (!v6) return UNKNOWN_NETWORK;
  // ::ffff:a.b.c.d is an IPv4 client seen over an IPv6 socket.
  if (v6.slice(0, 5).every((g) => g === 0) && v6[5] === 0xffff) {
    const [hi = 0, lo = 0] = v6.slice(6);
    return ipv4Network([hi >> 8, hi & 0xff, lo >> 8]);
  }
  return `${v6
    .slice(0, 3)
    .map((g) => g.toString(16))
    .join(':')}::/48`;
}

/**
 * The client the ingest limit counts events for: a single IPv4 address (one address is already
 * a NAT's many users, so its /24 would be hundreds of them), or an IPv6 address's /64 (the
 * smallest block a subscriber is given, which it can rotate through freely). IPv4-mapped IPv6
 * addresses are their IPv4 address; a missing or unparsable one is `unknown`.
 */
export function ingestLimitKey(address: string | null | undefined): string {
  const text = address?.trim() ?? '';
  const v4 = parseIpv4(text);
  if (v4) return v4.join('.');
  const v6 = text === '' ? null : parseIpv6(text);
  if (!v6) return UNKNOWN_NETWORK;
  if (v6.slice(0, 5).every((g) => g === 0) && v6[5] === 0xffff) {
    const [hi = 0, lo = 0] = v6.slice(6);
    return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
  }
  return `${v6
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** Whether `text` is an IPv4 or IPv6 address (what an ingest key's sender may give as clientIp). */
export function isIpAddress(text: string): boolean {
  return parseIpv4(text) !== null || parseIpv6(text) !== null;
}

function ipv4Network(octets: readonly number[]): string {
  return `${octets[0]}.${octets[1]}.${octets[2]}.0/24`;
}

/** Four decimal octets 0..255 (leading zeros allowed, as some proxies print them), else null. */
function parseIpv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const octets: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    octets.push(n);
  }
  return octets;
}

/** The eight 16-bit groups of an IPv6 address (`::` compression, a dotted IPv4 tail), else null. */
function parseIpv6(text: string): number[] | null {
  // A zone (fe80::1%eth0) names an interface, not a network: dropped.
  const address = text.split('%', 1)[0] ?? '';
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const groups: number[] = [];
  const words = [...head, ...tail];
  const last = words.at(-1);
  const dotted = last?.includes('.') ? parseIpv4(last) : null;
  // A dotted quad is only ever the address's last 32 bits.
  if (last?.includes('.') && (!dotted || (halves.length === 2 && tail.length === 0))) return null;
  for (const word of dotted ? words.slice(0, -1) : words) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(word)) return null;
  }
  const parse = (word: string) => Number.parseInt(word, 16);
  const headGroups = (dotted && tail.length === 0 ? head.slice(0, -1) : head).map(parse);
  const tailGroups = (dotted && tail.length > 0 ? tail.slice(0, -1) : tail).map(parse);
  const dottedGroups = dotted
    ? [((dotted[0] ?? 0) << 8) | (dotted[1] ?? 0), ((dotted[2] ?? 0) << 8) | (dotted[3] ?? 0)]
    : [];
  const written = headGroups.length + tailGroups.length + dottedGroups.length;
  if (halves.length === 1) {
    if (written !== 8) return null;
    groups.push(...headGroups, ...dottedGroups);
  } else {
    // `::` stands for at least one zero group.
    if (written > 7) return null;
    groups.push(...headGroups, ...new Array<number>(8 - written).fill(0), ...tailGroups, ...dottedGroups);
  }
  return groups;
}
