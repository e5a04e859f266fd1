import { describe, expect, it } from 'vitest';
import { DEFAULT_INBOUND_LIMITS, FailureReportThrottle, InboundLimiter, addressKey } from '../../../core/peer/inbound-limits';

describe('inbound limits per address', () => {
  it('admit at most 4 connections of one address into the handshake at once, others unaffected', () => {
    const l = new InboundLimiter();
    for (let i = 0; i < 4; i++) expect(l.admit('1.2.3.4', 0)).toBeNull();
    expect(l.admit('1.2.3.4', 0)).toBe('peer.too_many_handshakes');
    expect(l.admit('5.6.7.8', 0)).toBeNull();
    l.handshakeEnded('1.2.3.4');
    expect(l.admit('1.2.3.4', 0)).toBeNull();
  });

  it('let a burst of 10 new connections through, then 2 per second', () => {
    const l = new InboundLimiter({ ...DEFAULT_INBOUND_LIMITS, maxHandshakesPerAddress: 1000 });
    for (let i = 0; i < 10; i++) expect(l.admit('a', 0)).toBeNull();
    expect(l.admit('a', 0)).toBe('peer.inbound_rate_limited');
    expect(l.admit('a', 499)).toBe('peer.inbound_rate_limited');
    expect(l.admit('a', 500)).toBeNull();
    expect(l.admit('a', 500)).toBe('peer.inbound_rate_limited');
    expect(l.admit('a', 60_000)).toBeNull();
  });

  it('forget idle addresses once their bucket is full again', () => {
    const l = new InboundLimiter();
    expect(l.admit('a', 0)).toBeNull();
    l.handshakeEnded('a');
    l.prune(10_000);
    expect(l.handshaking('a')).toBe(0);
  });

  it('count IPv6 per /64 and IPv4-mapped addresses as IPv4', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:0:0:9')).toBe('2001:db8:1:2::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(addressKey('10.0.0.1')).toBe('10.0.0.1');
  });
});

describe('failure reports of unnamed connections', () => {
  it('report once per address and code per minute, then say how many were held back', () => {
    const t = new FailureReportThrottle(60_000);
    expect(t.report('a', 'x', 0)).toEqual({ report: true, heldBack: 0 });
    expect(t.report('a', 'x', 1).report).toBe(false);
    expect(t.report('a', 'x', 2).report).toBe(false);
    expect(t.report('a', 'y', 3)).toEqual({ report: true, heldBack: 0 });
    expect(t.report('b', 'x', 4)).toEqual({ report: true, heldBack: 0 });
    t.prune(30_000);
    expect(t.report('a', 'x', 60_000)).toEqual({ report: true, heldBack: 2 });
    expect(t.suppressedTotal).toBe(2);
  });
});
