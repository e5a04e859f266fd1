import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_SHOWN_ERROR_BYTES, PeerSession, describeErrorData, listSome, type PeerAction } from '../../../core/peer/peer-session';
import { MAX_UNKNOWN_FEATURE_INFOS, featureInfos } from '../../../core/peer/feature-info';
import { backoffDelay, DEFAULT_BACKOFF } from '../../../core/peer/backoff';
import { parsePeerAddress } from '../../../core/peer/address';
import { FeatureVector, chainHash, encodeMessage, type Init, type Message } from '../../../core/wire';
import { knownFeatures, localInitFeatures } from '../../../core/node/features';
import { publicKeyFromPrivate, toHex } from '../../../core/crypto';

const ours: Init = { type: 'init', globalFeatures: FeatureVector.EMPTY, features: localInitFeatures(), tlvs: { networks: [chainHash('regtest')] } };

function session(): PeerSession {
  return new PeerSession({
    localInit: ours, knownFeatures: knownFeatures(), chainHashes: [chainHash('regtest')],
    pingIntervalMs: 30_000, pingTimeoutMs: 10_000, initTimeoutMs: 5_000,
  });
}

const enc = (m: Message) => encodeMessage(m);
const kinds = (a: PeerAction[]) => a.map((x) => x.kind);
const disconnectCode = (a: PeerAction[]) => (a.find((x) => x.kind === 'disconnect') as { error: { code: string } } | undefined)?.error.code;

function ready(s: PeerSession, now = 0): void {
  s.start(now);
  const r = s.receive(enc({ ...ours }), now);
  expect(kinds(r)).toContain('ready');
}

describe('PeerSession (BOLT 1 after the handshake)', () => {
  it('sends init first and becomes ready on the peer init', () => {
    const s = session();
    expect(s.start(0)).toEqual([{ kind: 'send', message: ours }]);
    expect(s.isReady).toBe(false);
    expect(kinds(s.receive(enc(ours), 1))).toEqual(['received', 'ready']);
    expect(s.isReady).toBe(true);
  });

  it('closes when the first message is not init', () => {
    const s = session();
    s.start(0);
    expect(disconnectCode(s.receive(enc({ type: 'ping', numPongBytes: 1, ignored: new Uint8Array(0) }), 1))).toBe('peer.first_message_not_init');
  });

  it('refuses an init that requires an unknown feature, and one on another chain', () => {
    const a = session();
    a.start(0);
    expect(disconnectCode(a.receive(enc({ ...ours, features: ours.features.withBit(200) }), 1))).toBe('peer.unknown_required_features');
    const b = session();
    b.start(0);
    expect(disconnectCode(b.receive(enc({ ...ours, tlvs: { networks: [chainHash('mainnet')] } }), 1))).toBe('peer.incompatible_network');
  });

  it('ignores unknown odd feature bits', () => {
    const s = session();
    s.start(0);
    expect(kinds(s.receive(enc({ ...ours, features: ours.features.withBit(201) }), 1))).toContain('ready');
  });

  it('answers ping with num_pong_bytes zero bytes, and ignores a ping asking 65532 or more', () => {
    const s = session();
    ready(s);
    const r = s.receive(enc({ type: 'ping', numPongBytes: 7, ignored: new Uint8Array(2) }), 1);
    expect(r).toContainEqual({ kind: 'send', message: { type: 'pong', ignored: new Uint8Array(7) } });
    expect(kinds(s.receive(enc({ type: 'ping', numPongBytes: 65532, ignored: new Uint8Array(0) }), 2))).toEqual(['received']);
  });

  it('answers a burst of twenty 64 KB pongs, ignores more until the byte bucket refills, and closes after 50 ignored (BOLT 1: precautions against ping flooding)', () => {
    const s = session();
    ready(s);
    const ping = enc({ type: 'ping', numPongBytes: 65_531, ignored: new Uint8Array(0) });
    const pongs = (a: PeerAction[]) => a.filter((x) => x.kind === 'send').length;
    let answered = 0;
    for (let i = 0; i < 25; i++) answered += pongs(s.receive(ping, 1));
    expect(answered).toBe(20);
    expect(pongs(s.receive(ping, 10_001))).toBe(1); // one more after 10 s
    let closed: string | undefined;
    for (let i = 0; i < 100 && !closed; i++) closed = disconnectCode(s.receive(ping, 10_002));
    expect(closed).toBe('peer.ping_flood');
  });

  it('always answers small keepalive pings, however often (LDK pings again after every 32 messages it sends and stalls until answered)', () => {
    const s = session();
    ready(s);
    const big = enc({ type: 'ping', numPongBytes: 65_531, ignored: new Uint8Array(0) });
    for (let i = 0; i < 20; i++) s.receive(big, 1); // the byte bucket is empty now
    const keepalive = enc({ type: 'ping', numPongBytes: 0, ignored: new Uint8Array(64) });
    let answered = 0;
    for (let t = 0; t < 600; t++) answered += s.receive(keepalive, 2 + t * 500).filter((x) => x.kind === 'send').length; // two a second for five minutes
    expect(answered).toBe(600);
  });

  it('pings after the idle interval and measures the round trip of the matching pong only', () => {
    const s = session();
    ready(s);
    expect(s.tick(29_999)).toEqual([]);
    const sent = s.tick(30_000);
    expect(sent).toEqual([{ kind: 'send', message: { type: 'ping', numPongBytes: 0, ignored: new Uint8Array(0) } }]);
    expect(kinds(s.receive(enc({ type: 'pong', ignored: new Uint8Array(1) }), 30_010))).toEqual(['received']); // wrong length
    expect(s.receive(enc({ type: 'pong', ignored: new Uint8Array(0) }), 30_020)).toContainEqual({ kind: 'pong', rttMs: 20 });
  });

  it('disconnects when the pong does not come in time', () => {
    const s = session();
    ready(s);
    s.ping(0, 100);
    expect(s.tick(10_099)).toEqual([]);
    expect(disconnectCode(s.tick(10_100))).toBe('peer.ping_timeout');
  });

  it('disconnects when no init arrives in time', () => {
    const s = session();
    s.start(0);
    expect(disconnectCode(s.tick(5_000))).toBe('peer.init_timeout');
  });

  it('delivers channel and onion messages to upper layers only after init', () => {
    const s = session();
    ready(s);
    const msg: Message = { type: 'update_fee', channelId: new Uint8Array(32), feeratePerKw: 300 } as Message;
    expect(kinds(s.receive(enc(msg), 1))).toEqual(['received', 'deliver']);
  });

  it('drops an onion_message whose path_key is not a point without closing, but closes on a truncated one', () => {
    const s = session();
    ready(s);
    const om = enc({ type: 'onion_message', pathKey: publicKeyFromPrivate(new Uint8Array(32).fill(3)), onionMessagePacket: new Uint8Array(100), tlvs: {} } as Message);
    // A path_key of a point's shape but off the curve is delivered: the messenger's peel checks it
    // on the curve (its ECDH), after the rate limit (core/wire codecs.pointShape).
    const offCurve = om.slice();
    offCurve.fill(0xff, 3, 35);
    expect(kinds(s.receive(offCurve, 1))).toEqual(['received', 'deliver']);
    const badPoint = om.slice();
    badPoint[2] = 0x05; // not a compressed point's prefix
    const r = s.receive(badPoint, 1);
    expect(kinds(r)).toEqual(['received', 'malformed']);
    expect(r[1]).toMatchObject({ kind: 'malformed', typeNumber: 513, code: expect.stringMatching(/^wire\./) });
    expect(s.isReady).toBe(true);
    expect(disconnectCode(s.receive(om.subarray(0, 50), 2))).toBe('peer.malformed_message');
  });

  it('closes on an all-channels error and reports any error text', () => {
    const s = session();
    ready(s);
    const r = s.receive(enc({ type: 'error', channelId: new Uint8Array(32), data: new TextEncoder().encode('bye') }), 1);
    expect(r).toContainEqual(expect.objectContaining({ kind: 'remote_error', level: 'error', text: 'bye' }));
    expect(disconnectCode(r)).toBe('peer.remote_error');
  });

  it('shows at most 512 bytes of a peer warning, as text or hex, and says how long it was', () => {
    const s = session();
    ready(s);
    const r = s.receive(enc({ type: 'warning', channelId: new Uint8Array(32), data: new Uint8Array(65_499).fill(0xff) }), 1);
    const reported = r.find((a) => a.kind === 'remote_error') as { text: string };
    expect(reported.text).toBe(`hex:${'ff'.repeat(MAX_SHOWN_ERROR_BYTES)}… (65499 bytes)`);
    expect(describeErrorData(new TextEncoder().encode('a'.repeat(2000)))).toBe(`${'a'.repeat(MAX_SHOWN_ERROR_BYTES)}… (2000 bytes)`);
    expect(describeErrorData(new TextEncoder().encode('short'))).toBe('short');
  });

  it('refuses an init requiring ~262,000 unknown bits with a reason and warning naming only a few', () => {
    const s = session();
    s.start(0);
    const r = s.receive(enc({ ...ours, features: FeatureVector.decode(new Uint8Array(65_529).fill(0x55)), tlvs: {} }), 1);
    const close = r.find((a) => a.kind === 'disconnect') as Extract<PeerAction, { kind: 'disconnect' }>;
    expect(close.error.code).toBe('peer.unknown_required_features');
    expect(close.error.message).toMatch(/… and \d+ more$/);
    expect(close.error.message.length).toBeLessThan(300);
    expect(close.notify!.type === 'warning' && close.notify.data.length).toBeLessThan(300);
  });

  it('never throws on arbitrary bytes: every input yields actions, malformed ones a disconnect with a code', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, afterInit) => {
        const s = session();
        if (afterInit) ready(s);
        else s.start(0);
        const actions = s.receive(bytes, 5);
        expect(actions.length).toBeGreaterThan(0);
        const code = disconnectCode(actions);
        if (code !== undefined) expect(code).toMatch(/^peer\./);
      }),
      { numRuns: 500 },
    );
  });
});

describe('feature listings', () => {
  it('name every known bit, list unknown bits up to the cap, and count the rest in one last entry', () => {
    const huge = FeatureVector.decode(new Uint8Array(65_529).fill(0xaa)); // every odd bit below 524,232
    const infos = featureInfos(huge);
    expect(infos).toContainEqual({ bit: 9, name: 'var_onion_optin', required: false });
    const unknown = infos.filter((f) => f.name.startsWith('unknown_'));
    expect(unknown).toHaveLength(MAX_UNKNOWN_FEATURE_INFOS);
    const known = infos.length - unknown.length - 1;
    expect(infos.at(-1)).toEqual({ bit: 65_529 * 8 - 1, name: `… ${65_529 * 4 - known - MAX_UNKNOWN_FEATURE_INFOS} more unknown bits`, required: false });
    expect(featureInfos(FeatureVector.fromBits([8, 201]))).toEqual([
      { bit: 8, name: 'var_onion_optin', required: true },
      { bit: 201, name: 'unknown_201', required: false },
    ]);
  });

  it('name at most 16 items of a list in reasons', () => {
    expect(listSome([1, 2, 3])).toBe('1, 2, 3');
    expect(listSome(Array.from({ length: 20 }, (_, i) => i))).toBe('0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, … and 4 more');
  });
});

describe('reconnect backoff', () => {
  it('grows exponentially, is capped, and stays within the jitter band', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        const d = backoffDelay(DEFAULT_BACKOFF, attempt, r);
        const base = Math.min(DEFAULT_BACKOFF.maxMs, DEFAULT_BACKOFF.initialMs * 2 ** (attempt - 1));
        expect(d).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
        expect(d).toBeLessThanOrEqual(Math.ceil(base * 1.2));
      }),
    );
  });
});

describe('peer addresses', () => {
  const id = toHex(publicKeyFromPrivate(new Uint8Array(32).fill(1)));
  it('parses nodeid@host:port including IPv6 and upper-case ids', () => {
    expect(parsePeerAddress(`${id}@127.0.0.1:9735`)).toEqual({ nodeId: id, host: '127.0.0.1', port: 9735 });
    expect(parsePeerAddress(`${id.toUpperCase()}@[::1]:1`)).toEqual({ nodeId: id, host: '::1', port: 1 });
  });
  it('rejects a bad port, a missing host and an id that is not a curve point, with peer.bad_address', () => {
    for (const bad of [`${id}@h:0`, `${id}@:1`, `02${'00'.repeat(32)}@h:1`, 'x@h:1', `${id}@h:70000`]) {
      expect(() => parsePeerAddress(bad)).toThrowError(expect.objectContaining({ code: 'peer.bad_address' }));
    }
  });
});
