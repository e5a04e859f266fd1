import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '../../../core/crypto';
import {
  decodeMessage, encodeMessage, FeatureVector, MESSAGE_CODECS, MESSAGE_TYPES, messageTypeName, pongFor, printableErrorData,
  WireError,
} from '../../../core/wire';
import type { KnownMessageName, Message } from '../../../core/wire';
import { messageArbitraries, POINTS } from './arbitraries';

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (!(e instanceof WireError)) throw new Error(`expected a WireError, got ${String(e)}`);
    return e.code;
  }
  throw new Error('expected a WireError');
}

/** Decodes or throws a WireError; anything else fails the test. */
function decodeOrWireError(bytes: Uint8Array): Message | undefined {
  try {
    return decodeMessage(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(WireError);
    return undefined;
  }
}

const names = Object.keys(MESSAGE_CODECS) as KnownMessageName[];

describe('message type table', () => {
  it('gives every codec the spec number of its name', () => {
    for (const name of names) expect(MESSAGE_CODECS[name].typeNumber).toBe(MESSAGE_TYPES[name]);
    expect(messageTypeName(513)).toBe('onion_message');
    expect(messageTypeName(0)).toBeUndefined();
  });
});

describe('every typed message', () => {
  for (const name of names) {
    it(`${name}: decode(encode(m)) = m`, () => {
      fc.assert(
        fc.property(messageArbitraries[name], (m) => {
          const bytes = encodeMessage(m);
          expect((bytes[0]! << 8) | bytes[1]!).toBe(MESSAGE_TYPES[name]);
          expect(decodeMessage(bytes)).toEqual(m);
        }),
        { numRuns: 40 },
      );
    });

    it(`${name}: every truncation gives a WireError (or, at a TLV record boundary, a shorter valid message)`, () => {
      fc.assert(
        fc.property(messageArbitraries[name], (m) => {
          const bytes = encodeMessage(m);
          const withoutExtension = encodeMessage({ ...m, tlvs: {} } as Message).length;
          for (let n = 0; n < bytes.length; n++) {
            const got = decodeOrWireError(bytes.subarray(0, n));
            // Cutting into the fixed payload must always fail.
            if (n < withoutExtension) expect(got).toBeUndefined();
          }
        }),
        { numRuns: 5 }, // each run decodes every prefix: ~1,500 decodes for update_add_htlc
      );
    });

    it(`${name}: random payloads give a message or a WireError, never another exception`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 1500 }), (payload) => {
          const bytes = new Uint8Array(2 + payload.length);
          bytes[0] = MESSAGE_TYPES[name] >> 8;
          bytes[1] = MESSAGE_TYPES[name] & 0xff;
          bytes.set(payload, 2);
          const got = decodeOrWireError(bytes);
          // Whatever decodes must encode back to the same bytes, except for messages carrying
          // feature bitmaps (init, open/accept_channel's channel_type): those are re-encoded at
          // their minimal length.
          if (got && !['init', 'open_channel', 'accept_channel'].includes(name)) expect(toHex(encodeMessage(got))).toBe(toHex(bytes));
        }),
        { numRuns: 100 },
      );
    });
  }

  it('random bytes decode to a message or a WireError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        decodeOrWireError(b);
      }),
      { numRuns: 500 },
    );
  });
});

describe('BOLT 1 message format rules', () => {
  it('gives an unknown odd type back as "unknown" with its payload, and re-encodes it', () => {
    const bytes = fromHex('0203' + 'deadbeef'); // 515: no message of the spec
    const m = decodeMessage(bytes);
    expect(m).toEqual({ type: 'unknown', typeNumber: 515, payload: fromHex('deadbeef') });
    expect(toHex(encodeMessage(m))).toBe(toHex(bytes));
    expect(decodeMessage(fromHex('8001'))).toEqual({ type: 'unknown', typeNumber: 32769, payload: new Uint8Array() });
  });

  it('rejects an unknown even type with wire.unknown_even_message, including spec types we do not implement', () => {
    expect(codeOf(() => decodeMessage(fromHex('8000')))).toBe('wire.unknown_even_message');
    expect(codeOf(() => decodeMessage(fromHex('0040' + '00'.repeat(300))))).toBe('wire.unknown_even_message'); // open_channel2
  });

  it('rejects a message shorter than its type', () => {
    expect(codeOf(() => decodeMessage(new Uint8Array()))).toBe('wire.eof');
    expect(codeOf(() => decodeMessage(fromHex('00')))).toBe('wire.eof');
  });

  it('refuses to encode unknown messages that would not decode back as unknown', () => {
    expect(codeOf(() => encodeMessage({ type: 'unknown', typeNumber: 0x8000, payload: new Uint8Array() }))).toBe('wire.bad_value');
    expect(codeOf(() => encodeMessage({ type: 'unknown', typeNumber: 19, payload: new Uint8Array() }))).toBe('wire.bad_value');
    expect(codeOf(() => encodeMessage({ type: 'unknown', typeNumber: 65537, payload: new Uint8Array() }))).toBe('wire.bad_value');
  });

  it('refuses to encode a message over 65535 bytes', () => {
    expect(codeOf(() => encodeMessage({ type: 'pong', ignored: new Uint8Array(65535 - 4), tlvs: { unknownTlvs: [{ type: 1n, value: new Uint8Array(10) }] } }))).toBe('wire.too_large');
    expect(encodeMessage({ type: 'pong', ignored: new Uint8Array(65535 - 4) })).toHaveLength(65535);
  });

  it('keeps unknown odd extension records and rejects unknown even ones', () => {
    const ping = '0012' + '0004' + '0002' + '0000';
    const m = decodeMessage(fromHex(ping + '0301ff'));
    expect(m).toMatchObject({ type: 'ping', numPongBytes: 4, tlvs: { unknownTlvs: [{ type: 3n, value: fromHex('ff') }] } });
    expect(toHex(encodeMessage(m))).toBe(ping + '0301ff');
    expect(codeOf(() => decodeMessage(fromHex(ping + '0201ff')))).toBe('wire.tlv_unknown_even');
    // Trailing bytes that are not a TLV stream make the extension invalid (BOLT 1: close the connection).
    expect(codeOf(() => decodeMessage(fromHex(ping + '05')))).toBe('wire.eof');
  });
});

describe('message layouts match the spec field by field', () => {
  const channelId = fromHex('ab'.repeat(32));

  it('ping and pong', () => {
    expect(toHex(encodeMessage({ type: 'ping', numPongBytes: 4, ignored: new Uint8Array(2) }))).toBe('0012000400020000');
    expect(toHex(encodeMessage({ type: 'pong', ignored: new Uint8Array(4) }))).toBe('0013000400000000');
  });

  it('error and warning', () => {
    const data = new TextEncoder().encode('bad');
    expect(toHex(encodeMessage({ type: 'error', channelId, data }))).toBe('0011' + 'ab'.repeat(32) + '0003626164');
    expect(toHex(encodeMessage({ type: 'warning', channelId, data }))).toBe('0001' + 'ab'.repeat(32) + '0003626164');
  });

  it('update_add_htlc with its blinded_path TLV', () => {
    const onion = new Uint8Array(1366).fill(7);
    const hex = toHex(
      encodeMessage({
        type: 'update_add_htlc',
        channelId,
        id: 5n,
        amountMsat: 1000n,
        paymentHash: fromHex('cd'.repeat(32)),
        cltvExpiry: 800000,
        onionRoutingPacket: onion,
        tlvs: { blindedPath: { pathKey: POINTS[0]! } },
      }),
    );
    expect(hex).toBe(
      '0080' + 'ab'.repeat(32) + '0000000000000005' + '00000000000003e8' + 'cd'.repeat(32) + '000c3500' + '07'.repeat(1366) +
        '0021' + toHex(POINTS[0]!),
    );
  });

  it('commitment_signed with two HTLC signatures and funding_txid', () => {
    const hex = toHex(
      encodeMessage({
        type: 'commitment_signed',
        channelId,
        signature: new Uint8Array(64).fill(1),
        htlcSignatures: [new Uint8Array(64).fill(2), new Uint8Array(64).fill(3)],
        tlvs: { fundingTxid: new Uint8Array(32).fill(4) },
      }),
    );
    expect(hex).toBe('0084' + 'ab'.repeat(32) + '01'.repeat(64) + '0002' + '02'.repeat(64) + '03'.repeat(64) + '0120' + '04'.repeat(32));
  });

  it('channel_reestablish with next_funding and my_current_funding_locked', () => {
    const hex = toHex(
      encodeMessage({
        type: 'channel_reestablish',
        channelId,
        nextCommitmentNumber: 42n,
        nextRevocationNumber: 41n,
        yourLastPerCommitmentSecret: new Uint8Array(32),
        myCurrentPerCommitmentPoint: POINTS[1]!,
        tlvs: {
          nextFunding: { nextFundingTxid: new Uint8Array(32).fill(9), retransmitFlags: 1 },
          myCurrentFundingLocked: { myCurrentFundingLockedTxid: new Uint8Array(32).fill(8), retransmitFlags: 0 },
        },
      }),
    );
    expect(hex).toBe(
      '0088' + 'ab'.repeat(32) + '000000000000002a' + '0000000000000029' + '00'.repeat(32) + toHex(POINTS[1]!) +
        '0121' + '09'.repeat(32) + '01' + '0521' + '08'.repeat(32) + '00',
    );
  });

  it('onion_message', () => {
    const hex = toHex(encodeMessage({ type: 'onion_message', pathKey: POINTS[2]!, onionMessagePacket: fromHex('0102') }));
    expect(hex).toBe('0201' + toHex(POINTS[2]!) + '0002' + '0102');
  });

  it('closing_signed with fee_range, and shutdown', () => {
    expect(
      toHex(encodeMessage({ type: 'closing_signed', channelId, feeSatoshis: 300n, signature: new Uint8Array(64), tlvs: { feeRange: { minFeeSatoshis: 200n, maxFeeSatoshis: 400n } } })),
    ).toBe('0027' + 'ab'.repeat(32) + '000000000000012c' + '00'.repeat(64) + '0110' + '00000000000000c8' + '0000000000000190');
    expect(toHex(encodeMessage({ type: 'shutdown', channelId, scriptpubkey: fromHex('0014' + '11'.repeat(20)) }))).toBe(
      '0026' + 'ab'.repeat(32) + '0016' + '0014' + '11'.repeat(20),
    );
  });

  it('closing_complete and closing_sig (option_simple_close) in spec field order, signatures in closing_tlvs', () => {
    const closer = '0014' + '11'.repeat(20);
    const closee = '0020' + '22'.repeat(32);
    const sig = (b: number) => new Uint8Array(64).fill(b);
    const fixed = 'ab'.repeat(32) + '0016' + closer + '0022' + closee + '00000000000003e8' + '00000064';
    const complete = encodeMessage({
      type: 'closing_complete', channelId, closerScriptpubkey: fromHex(closer), closeeScriptpubkey: fromHex(closee), feeSatoshis: 1000n, locktime: 100,
      tlvs: { closerOutputOnly: sig(1), closerAndCloseeOutputs: sig(3) },
    });
    expect(toHex(complete)).toBe('0028' + fixed + '0140' + '01'.repeat(64) + '0340' + '03'.repeat(64));
    const closingSig = encodeMessage({
      type: 'closing_sig', channelId, closerScriptpubkey: fromHex(closer), closeeScriptpubkey: fromHex(closee), feeSatoshis: 1000n, locktime: 100,
      tlvs: { closeeOutputOnly: sig(2) },
    });
    expect(toHex(closingSig)).toBe('0029' + fixed + '0240' + '02'.repeat(64));
    expect(decodeMessage(closingSig)).toMatchObject({ type: 'closing_sig', feeSatoshis: 1000n, locktime: 100, tlvs: { closeeOutputOnly: sig(2) } });
  });

  it('open_channel in spec field order, with upfront_shutdown_script and channel_type', () => {
    const [p1, p2, p3, p4, p5, p6] = POINTS.map((p) => toHex(p));
    const m = {
      type: 'open_channel' as const,
      chainHash: fromHex('6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000'),
      temporaryChannelId: fromHex('11'.repeat(32)),
      fundingSatoshis: 100000n,
      pushMsat: 2n,
      dustLimitSatoshis: 546n,
      maxHtlcValueInFlightMsat: 5n,
      channelReserveSatoshis: 6n,
      htlcMinimumMsat: 7n,
      feeratePerKw: 253,
      toSelfDelay: 144,
      maxAcceptedHtlcs: 483,
      fundingPubkey: POINTS[0]!,
      revocationBasepoint: POINTS[1]!,
      paymentBasepoint: POINTS[2]!,
      delayedPaymentBasepoint: POINTS[3]!,
      htlcBasepoint: POINTS[4]!,
      firstPerCommitmentPoint: POINTS[5]!,
      channelFlags: 1,
      tlvs: { upfrontShutdownScript: new Uint8Array(), channelType: FeatureVector.fromBits([12, 22]) },
    };
    const u64 = (n: number) => n.toString(16).padStart(16, '0');
    expect(toHex(encodeMessage(m))).toBe(
      '0020' + toHex(m.chainHash) + '11'.repeat(32) + u64(100000) + u64(2) + u64(546) + u64(5) + u64(6) + u64(7) +
        '000000fd' + '0090' + '01e3' + p1 + p2 + p3 + p4 + p5 + p6 + '01' + '0000' + '0103401000',
    );
  });

  it('channel_ready with its alias, funding_created and funding_signed', () => {
    expect(toHex(encodeMessage({ type: 'channel_ready', channelId, secondPerCommitmentPoint: POINTS[0]!, tlvs: { shortChannelId: 0x226n } }))).toBe(
      '0024' + 'ab'.repeat(32) + toHex(POINTS[0]!) + '0108' + '0000000000000226',
    );
    expect(toHex(encodeMessage({ type: 'funding_created', temporaryChannelId: channelId, fundingTxid: new Uint8Array(32).fill(1), fundingOutputIndex: 1, signature: new Uint8Array(64) }))).toBe(
      '0022' + 'ab'.repeat(32) + '01'.repeat(32) + '0001' + '00'.repeat(64),
    );
    expect(toHex(encodeMessage({ type: 'funding_signed', channelId, signature: new Uint8Array(64).fill(2) }))).toBe('0023' + 'ab'.repeat(32) + '02'.repeat(64));
  });

  it('rejects a revoke_and_ack whose next_per_commitment_point is not on the curve', () => {
    const bad = '0085' + 'ab'.repeat(32) + '00'.repeat(32) + '02' + '00'.repeat(32);
    expect(codeOf(() => decodeMessage(fromHex(bad)))).toBe('wire.bad_point');
  });

  it('rejects an update_add_htlc whose blinded_path TLV is not exactly a point', () => {
    const base = toHex(encodeMessage({
      type: 'update_add_htlc', channelId, id: 0n, amountMsat: 1n, paymentHash: new Uint8Array(32), cltvExpiry: 1,
      onionRoutingPacket: new Uint8Array(1366),
    }));
    expect(codeOf(() => decodeMessage(fromHex(base + '0020' + toHex(POINTS[0]!).slice(0, 64))))).toBe('wire.tlv_bad_length');
  });

  it('init carries features as FeatureVectors', () => {
    const m = decodeMessage(fromHex('0010' + '0001' + '02' + '0003' + '0a8000'));
    expect(m.type).toBe('init');
    if (m.type !== 'init') return;
    expect(m.globalFeatures.bits()).toEqual([1]);
    expect(m.features.bits()).toEqual([15, 17, 19]);
    expect(FeatureVector.mergeInit(m.globalFeatures, m.features).bits()).toEqual([1, 15, 17, 19]);
  });
});

describe('BOLT 1 ping, pong and error helpers', () => {
  it('answers a ping with num_pong_bytes zero bytes, and ignores one asking for 65532 or more', () => {
    expect(pongFor({ type: 'ping', numPongBytes: 3, ignored: new Uint8Array(9) })).toEqual({ type: 'pong', ignored: new Uint8Array(3) });
    expect(pongFor({ type: 'ping', numPongBytes: 65531, ignored: new Uint8Array() })?.ignored).toHaveLength(65531);
    expect(pongFor({ type: 'ping', numPongBytes: 65532, ignored: new Uint8Array() })).toBeUndefined();
  });

  it('shows error data as text only when it is all printable ASCII', () => {
    expect(printableErrorData(new TextEncoder().encode('funding tx spent ~ 100%'))).toBe('funding tx spent ~ 100%');
    expect(printableErrorData(fromHex('41420a'))).toBeUndefined();
    expect(printableErrorData(fromHex('417f'))).toBeUndefined();
    expect(printableErrorData(new Uint8Array(65000).fill(0x41))).toHaveLength(65000);
  });
});
