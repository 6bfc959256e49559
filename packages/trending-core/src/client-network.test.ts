import { describe, expect, it } from 'vitest';
import { clientNetwork, ingestLimitKey, isIpAddress, UNKNOWN_NETWORK } from './client-network.ts';

describe('clientNetwork', () => {
  it('reduces an IPv4 address to its /24', () => {
    expect(clientNetwork('203.0.113.5')).toBe('203.0.113.0/24');
    expect(clientNetwork('203.0.113.250')).toBe('203.0.113.0/24');
    expect(clientNetwork('198.51.100.7')).toBe('198.51.100.0/24');
    expect(clientNetwork('  192.0.2.1 ')).toBe('192.0.2.0/24');
    expect(clientNetwork('010.001.002.003')).toBe('10.1.2.0/24');
  });

  it('tells neighbouring /24s apart', () => {
    expect(clientNetwork('203.0.113.5')).not.toBe(clientNetwork('203.0.114.5'));
  });

  it('reduces an IPv6 address to its /48, however it is written', () => {
    expect(clientNetwork('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1::/48');
    expect(clientNetwork('2001:0DB8:0001:ffff::1')).toBe('2001:db8:1::/48');
    expect(clientNetwork('2001:db8::1')).toBe('2001:db8:0::/48');
    expect(clientNetwork('2001:db8:0:0:0:0:0:1')).toBe('2001:db8:0::/48');
    expect(clientNetwork('::1')).toBe('0:0:0::/48');
    expect(clientNetwork('::')).toBe('0:0:0::/48');
    expect(clientNetwork('fe80::1%eth0')).toBe('fe80:0:0::/48');
    expect(clientNetwork('2001:db8:5::1')).not.toBe(clientNetwork('2001:db8:6::1'));
  });

  it('treats an IPv4-mapped IPv6 address as the IPv4 client it is', () => {
    expect(clientNetwork('::ffff:203.0.113.5')).toBe('203.0.113.0/24');
    expect(clientNetwork('::FFFF:cb00:7105')).toBe('203.0.113.0/24');
    expect(clientNetwork('0:0:0:0:0:ffff:203.0.113.9')).toBe('203.0.113.0/24');
  });

  it('gives a missing or garbled address the one unknown network', () => {
    for (const bad of [
      null,
      undefined,
      '',
      '   ',
      'unknown',
      'not-an-ip',
      '999.999.999.999',
      '1.2.3',
      '1.2.3.4.5',
      '1.2.3.4, 5.6.7.8',
      '::::',
      '1:::2',
      '1::2::3',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4::5:6:7:8',
      '12345::1',
      'g::1',
      ':1:2:3:4:5:6:7',
      '1.2.3.4::',
      '::ffff:1.2.3.256',
      '-',
    ]) {
      expect(clientNetwork(bad), String(bad)).toBe(UNKNOWN_NETWORK);
    }
  });

  it('names the unknown network literally, and keeps the edges of each form exact', () => {
    expect(UNKNOWN_NETWORK).toBe('unknown');
    expect(clientNetwork(null)).toBe('unknown');
    // Octet 255 is valid, 256 is not.
    expect(clientNetwork('255.255.255.255')).toBe('255.255.255.0/24');
    expect(clientNetwork('256.1.1.1')).toBe('unknown');
    // Mapped only when the first five groups are all zero.
    expect(clientNetwork('0:0:0:0:1:ffff:102:304')).toBe('0:0:0::/48');
    expect(clientNetwork('::ffff:198.51.100.7')).toBe('198.51.100.0/24');
    // A dotted tail after `::` with groups before it; every hex word is checked, not only the first.
    expect(clientNetwork('1:2:3::4:1.2.3.4')).toBe('1:2:3::/48');
    expect(clientNetwork('1::zz:1.2.3.4')).toBe('unknown');
    // `::` stands for at least one zero group: 7 written groups fit, 8 do not.
    expect(clientNetwork('1:2:3:4:5::6:7')).toBe('1:2:3::/48');
    expect(clientNetwork('1:2:3:4::5:6:1.2.3.4')).toBe('unknown');
  });
});

describe('ingestLimitKey (the client the ingest limit counts)', () => {
  it('is one IPv4 address, not its /24: two addresses of one block are two clients', () => {
    expect(ingestLimitKey('203.0.113.7')).toBe('203.0.113.7');
    expect(ingestLimitKey('203.0.113.8')).not.toBe(ingestLimitKey('203.0.113.7'));
    expect(ingestLimitKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
  });

  it('is an IPv6 /64: rotating the interface part stays one client, another /64 is another', () => {
    expect(ingestLimitKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(ingestLimitKey('2001:db8:1:2:ffff:1234:5678:9abc')).toBe('2001:db8:1:2::/64');
    expect(ingestLimitKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
  });

  it('is `unknown` for a missing or garbled address', () => {
    for (const bad of [null, undefined, '', ' ', 'not-an-ip', '1.2.3', '12345::1']) {
      expect(ingestLimitKey(bad), String(bad)).toBe(UNKNOWN_NETWORK);
    }
  });

  it('isIpAddress accepts either form and nothing else', () => {
    expect(isIpAddress('203.0.113.7')).toBe(true);
    expect(isIpAddress('2001:db8::1')).toBe(true);
    expect(isIpAddress('203.0.113')).toBe(false);
    expect(isIpAddress('example.com')).toBe(false);
  });
});
