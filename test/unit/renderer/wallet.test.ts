import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { NETWORK, TEST_NETWORK, p2pk, p2pkh, p2sh, p2tr, p2wpkh, p2wsh } from '@scure/btc-signer';
import type { BTC_NETWORK } from '@scure/btc-signer/utils.js';
import { METHOD_SCHEMAS, SETTINGS_METHOD_SCHEMAS, validate, type ChainSyncInfo, type Network, type WalletTxInfo } from '../../../core/api';
import {
  checkAddress, checkChainSetting, checkSendForm, confirmationsAt, dustLimitSat, emptySendDraft, feeChoiceHint, parseFeeRate, parseSat, syncText, txStateText,
  type SendContext,
} from '../../../renderer/src/lib/wallet';
import { groupDigits } from '../../../renderer/src/lib/amount';
import { REGTEST } from '../../../scripts/regtest/btcd';

const NETS: Readonly<Record<Network, BTC_NETWORK>> = { mainnet: NETWORK, testnet: TEST_NETWORK, signet: TEST_NETWORK, regtest: REGTEST };
const KEY = Uint8Array.from(Buffer.from('0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798', 'hex'));
const XONLY = KEY.subarray(1);

/** One address of each type this wallet pays, built by @scure/btc-signer for `network`. */
function addresses(network: Network): Record<'p2wpkh' | 'p2wsh' | 'p2tr' | 'p2pkh' | 'p2sh', string> {
  const net = NETS[network];
  const inner = p2wpkh(KEY, net);
  return {
    p2wpkh: inner.address!,
    p2wsh: p2wsh(p2pk(KEY), net).address!,
    p2tr: p2tr(XONLY, undefined, net).address!,
    p2pkh: p2pkh(KEY, net).address!,
    p2sh: p2sh(inner, net).address!,
  };
}

describe('wallet page: addresses as typed', () => {
  it('takes every address type of the node\'s network, in either case for bech32', () => {
    for (const network of ['mainnet', 'testnet', 'signet', 'regtest'] as const) {
      for (const [type, address] of Object.entries(addresses(network))) {
        expect(checkAddress(` ${address} `, network), `${network} ${type}`).toEqual({ kind: 'valid', address: type.startsWith('p2w') || type === 'p2tr' ? address.toLowerCase() : address, type });
      }
    }
    expect(checkAddress(addresses('regtest').p2wpkh.toUpperCase(), 'regtest')).toMatchObject({ kind: 'valid', type: 'p2wpkh' });
  });

  it('says which network an address of another network is for', () => {
    expect(checkAddress(addresses('mainnet').p2wpkh, 'regtest')).toEqual({ kind: 'invalid', reason: 'That is a mainnet address; this node is on regtest.' });
    expect(checkAddress(addresses('testnet').p2tr, 'mainnet')).toEqual({ kind: 'invalid', reason: 'That is a testnet or signet address; this node is on mainnet.' });
    expect(checkAddress(addresses('regtest').p2pkh, 'mainnet')).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('test network address') });
    expect(checkAddress(addresses('mainnet').p2sh, 'signet')).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('mainnet address') });
  });

  // BIP 350 "Test vectors for v0-v16 native segregated witness addresses" (invalid ones).
  it.each([
    ['bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd', 'bech32m'], // v1 with a bech32 checksum
    ['BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL', 'bech32m'], // v16 with a bech32 checksum
    ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh', 'bech32'], // v0 with a bech32m checksum
    // Valid in BIP 350, but witness versions 2 to 16 are not paid by this wallet (nor relayed as standard).
    ['BC1SW50QGDZ25J', 'not in use'],
    ['bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs', 'not in use'],
    ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5', 'typo'], // one character changed
    ['bc1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4', 'Mixed'],
    ['lnbcrt1pjunk', 'Lightning'],
    ['hello there', 'no spaces'],
  ])('refuses %s (%s)', (address, words) => {
    const c = checkAddress(address, 'mainnet');
    expect(c.kind).toBe('invalid');
    expect(c.kind === 'invalid' && c.reason).toMatch(new RegExp(words, 'i'));
  });

  it('never throws, for anything typed', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 120 }), fc.constantFrom('mainnet', 'testnet', 'signet', 'regtest') as fc.Arbitrary<Network>, (text, network) => {
      const c = checkAddress(text, network);
      expect(['empty', 'invalid', 'valid']).toContain(c.kind);
    }));
  });

  it('one character changed in a valid bech32 address is always caught', () => {
    const address = addresses('regtest').p2wsh;
    const charset = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
    fc.assert(fc.property(fc.integer({ min: 5, max: address.length - 1 }), fc.constantFrom(...charset), (i, ch) => {
      fc.pre(address[i] !== ch);
      expect(checkAddress(address.slice(0, i) + ch + address.slice(i + 1), 'regtest').kind).toBe('invalid');
    }));
  });
});

describe('wallet page: amounts and fee rates as typed', () => {
  it('whole sat with grouping round-trips; fractions, zero, negatives and more than 21M BTC are refused with a reason', () => {
    fc.assert(fc.property(fc.bigInt({ min: 1n, max: 2_100_000_000_000_000n }), (n) => {
      expect(parseSat(groupDigits(n))).toEqual({ kind: 'valid', sat: n });
    }));
    expect(parseSat('')).toEqual({ kind: 'empty' });
    for (const bad of ['0', '-5', '1.5', '12abc', '2100000000000000001', '99999999999999999999']) expect(parseSat(bad).kind, bad).toBe('invalid');
    fc.assert(fc.property(fc.string(), (t) => void expect(['empty', 'invalid', 'valid']).toContain(parseSat(t).kind)));
  });

  it('fee rates: at least the relay minimum (or a replacement\'s), at most the cap, 3 decimals', () => {
    expect(parseFeeRate('1.5')).toEqual({ kind: 'valid', satPerVb: 1.5 });
    expect(parseFeeRate('2,25')).toEqual({ kind: 'valid', satPerVb: 2.25 });
    expect(parseFeeRate('0.5')).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('relay minimum') });
    expect(parseFeeRate('3', 4.01)).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('replacement') });
    expect(parseFeeRate('1.2345').kind).toBe('invalid');
    expect(parseFeeRate('10001').kind).toBe('invalid');
    expect(parseFeeRate('fast').kind).toBe('invalid');
    fc.assert(fc.property(fc.string(), (t) => void expect(['empty', 'invalid', 'valid']).toContain(parseFeeRate(t).kind)));
  });
});

const FEES: NonNullable<SendContext['fees']> = {
  fast: { target: 2, satPerVb: 12, origin: 'source' }, normal: { target: 6, satPerVb: 5.5, origin: 'source' }, slow: { target: 144, satPerVb: 1.012, origin: 'fallback' },
};
const CTX: SendContext = { network: 'regtest', availableSat: 1_000_000n, fees: FEES };

describe('wallet page: the send form', () => {
  it('gives the params of a good send: the address normalized, sat as a string, the chosen rate', () => {
    const to = addresses('regtest').p2wpkh;
    expect(checkSendForm({ ...emptySendDraft(), address: to.toUpperCase(), amount: '25,000' }, CTX)).toEqual({
      problems: {}, params: { address: to, amountSat: '25000', feeRateSatVb: 5.5 },
    });
    expect(checkSendForm({ ...emptySendDraft(), address: to, all: true, fee: 'custom', customRate: '3.25' }, CTX).params)
      .toEqual({ address: to, amountSat: 'all', feeRateSatVb: 3.25 });
  });

  it('says what is wrong with each field: dust, more than available, no rate, no chain', () => {
    const to = addresses('regtest').p2tr;
    const dust = checkSendForm({ ...emptySendDraft(), address: to, amount: '329' }, CTX);
    expect(dust.problems.amount).toContain(`dust limit of that address type (${dustLimitSat('p2tr')} sat)`);
    expect(checkSendForm({ ...emptySendDraft(), address: to, amount: '1000001' }, CTX).problems.amount).toContain('More than the 1,000,000 sat available');
    expect(checkSendForm({ ...emptySendDraft(), address: to, amount: '1000', fee: 'custom' }, CTX).problems.fee).toBe('A fee rate in sat/vB.');
    expect(checkSendForm({ ...emptySendDraft(), address: to, amount: '1000' }, { ...CTX, fees: null }).problems.fee).toContain('no chain');
    expect(checkSendForm({ ...emptySendDraft(), address: to, all: true }, { ...CTX, availableSat: 0n }).problems.amount).toContain('Nothing to send');
    expect(checkSendForm(emptySendDraft(), CTX).params).toBeNull();
  });

  it('any draft gives params xor problems, and the params pass the node\'s schema', () => {
    const to = addresses('regtest');
    const draft = fc.record({
      address: fc.oneof(fc.string(), fc.constantFrom(...Object.values(to)), fc.constantFrom(...Object.values(addresses('mainnet')))),
      amount: fc.oneof(fc.string(), fc.bigInt({ min: 0n, max: 3_000_000n }).map(String)),
      all: fc.boolean(),
      fee: fc.constantFrom('fast', 'normal', 'slow', 'custom') as fc.Arbitrary<'fast' | 'normal' | 'slow' | 'custom'>,
      customRate: fc.oneof(fc.string(), fc.double({ min: 0, max: 20_000, noNaN: true }).map((v) => v.toFixed(3))),
    });
    fc.assert(fc.property(draft, fc.option(fc.bigInt({ min: 0n, max: 5_000_000n })), (d, available) => {
      const c = checkSendForm(d, { ...CTX, availableSat: available });
      expect((c.params === null) !== (Object.keys(c.problems).length === 0)).toBe(true);
      if (c.params) validate(METHOD_SCHEMAS.withdraw, c.params);
    }));
  });

  it('fee choices say how fast and how much, and when the estimate is the node\'s default', () => {
    expect(feeChoiceHint('fast', FEES)).toBe('Within about 2 blocks: 12 sat/vB.');
    expect(feeChoiceHint('slow', FEES)).toContain('the chain source has no estimate');
    expect(feeChoiceHint('custom', FEES)).toContain('A rate you choose');
  });
});

const tx = (over: Partial<WalletTxInfo>): WalletTxInfo => ({
  txid: 'ab'.repeat(32), label: 'deposit', state: 'confirmed', direction: 'incoming', amountSat: '1000', netSat: '1000', feeSat: null,
  confirmations: 1, blockHeight: 100, blockHash: 'cd'.repeat(32), replacedBy: null, createdAt: 0, bumpable: false, ...over,
});

describe('wallet page: history and sync state', () => {
  it('confirmations count up with the tip; unconfirmed ones have none', () => {
    expect(confirmationsAt(tx({}), 100)).toBe(1);
    expect(confirmationsAt(tx({}), 105)).toBe(6);
    expect(confirmationsAt(tx({}), null)).toBe(1);
    expect(confirmationsAt(tx({ state: 'unconfirmed', blockHeight: null }), 105)).toBe(0);
    expect(txStateText(tx({}), 6)).toEqual({ text: '6 confirmations', tone: 'good' });
    expect(txStateText(tx({}), 1)).toEqual({ text: '1 confirmation', tone: 'accent' });
    expect(txStateText(tx({ state: 'conflicted' }), 0).tone).toBe('bad');
  });

  it('the sync state in words, the reason of an outage included', () => {
    const out: ChainSyncInfo = {
      state: 'out_of_sync', since: 0, reason: { code: 'chain.source.unreachable', message: 'connection refused' }, attempts: 3, retryAt: 9_000, height: 120, hash: 'ab'.repeat(32),
    };
    expect(syncText(out, 1_000).text).toMatch(/^Out of sync at block 120 since .*: the chain source cannot be reached \(connection refused\)\. 3 attempts; next try in 8 s\.$/);
    expect(syncText({ state: 'in_sync', height: 1234, hash: 'ab'.repeat(32), since: 0 }, 0)).toEqual({ text: 'In sync at block 1,234.', tone: 'good' });
    expect(syncText({ state: 'none' }, 0).tone).toBe('neutral');
  });
});

describe('settings page: the chain source form', () => {
  it('takes a source the node takes, and names what is wrong with the others', () => {
    const blank = { rpcUrl: '', rpcCookie: '', esploraUrl: '' };
    expect(checkChainSetting({ kind: 'none', ...blank }, 'regtest').chain).toEqual({ kind: 'none' });
    expect(checkChainSetting({ kind: 'bitcoind-rpc', ...blank, rpcUrl: ' http://u:p@127.0.0.1:18443 ' }, 'regtest').chain)
      .toEqual({ kind: 'bitcoind-rpc', rpcUrl: 'http://u:p@127.0.0.1:18443' });
    expect(checkChainSetting({ kind: 'bitcoind-rpc', ...blank, rpcUrl: 'http://127.0.0.1:8332', rpcCookie: '/c' }, 'mainnet').chain)
      .toEqual({ kind: 'bitcoind-rpc', rpcUrl: 'http://127.0.0.1:8332', rpcCookie: '/c' });
    expect(checkChainSetting({ kind: 'bitcoind-rpc', ...blank, rpcUrl: 'http://127.0.0.1:8332' }, 'mainnet').problems.rpcUrl).toContain('No USER:PASS');
    expect(checkChainSetting({ kind: 'bitcoind-rpc', ...blank, rpcUrl: 'ftp://u:p@h' }, 'mainnet').problems.rpcUrl).toContain('http://');
    expect(checkChainSetting({ kind: 'esplora', ...blank }, 'mainnet').chain).toEqual({ kind: 'esplora' });
    expect(checkChainSetting({ kind: 'esplora', ...blank }, 'regtest').problems.esploraUrl).toContain('no public Esplora server for regtest');
  });

  it('any draft gives a source xor problems, and the source passes the node\'s schema', () => {
    const draft = fc.record({
      kind: fc.constantFrom('none', 'bitcoind-rpc', 'esplora') as fc.Arbitrary<'none' | 'bitcoind-rpc' | 'esplora'>,
      rpcUrl: fc.oneof(fc.string(), fc.webUrl(), fc.constant('http://u:p@127.0.0.1:1')),
      rpcCookie: fc.string({ maxLength: 50 }),
      esploraUrl: fc.oneof(fc.string(), fc.webUrl()),
    });
    fc.assert(fc.property(draft, fc.constantFrom('mainnet', 'regtest') as fc.Arbitrary<Network>, (d, network) => {
      const c = checkChainSetting(d, network);
      expect((c.chain === null) !== (Object.keys(c.problems).length === 0)).toBe(true);
      if (c.chain) validate(SETTINGS_METHOD_SCHEMAS.updateSettings, { chain: c.chain });
    }));
  });
});
