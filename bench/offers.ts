/**
 * bench/offers: BOLT 12 decode+verify throughput, and the invoice_request → invoice round trip
 * over two blinded hops next to the work it cannot avoid, measured side by side in one run.
 *
 * 1. Decode + verify per second: `decodeOffer` (bech32, TLV, every reader check; an offer has no
 *    signature) for an offer naming offer_issuer_id and one with a two-hop blinded path, and
 *    `decodeInvoice` (reader checks + BIP340 verify), alone and with the mirror check against the
 *    request; next to a bare BIP340 verify and a point validation (the floor of each).
 *
 * 2. Side by side, the mix of valid offers in the BOLT 12 vectors (test/vectors/data/bolt12/
 *    offers-test.json: 20 valid, 33 invalid), decoded and validated per second by us
 *    (`decodeOffer`), boltz-bolt12 0.2 (WebAssembly, rust-lightning's parser) and LDK 0.1
 *    (`lightningdevkit`, WebAssembly): offers/s and Glasswing/peer ratios, and how many of the 33
 *    invalid vectors each rejects.
 *
 * 3. Round trip: three Nodes in this process over loopback TCP (payer P, introduction node B,
 *    issuer M; rate limits lifted), an offer with a blinded path via B; P's `fetchInvoice` goes
 *    P → B → M and the invoice M → B → P. p50/p99 of sequential fetches, next to:
 *    - the curve work of one round trip, counted by instrumenting core/crypto (all three nodes,
 *      BOLT 8 symmetric crypto left out): 16 ECDH, 10 k·G, 9 k·P, 2 BIP340 signatures, 2 BIP340
 *      verifications, 52 point validations (85 before issue 20, since which BOLT 12 parsing checks
 *      blinded path points for shape only and each reader checks on the curve those it uses);
 *    - the SQLite commits it makes: P inserts the request, marks it sent, and stores the invoice
 *      with the request's update; M inserts the invoice and the request (one transaction): 4, all
 *      relaxed (core/store runTransaction: synchronous = NORMAL for the commit, not waited for on
 *      disk — these rows promise nothing a crash could break; see core/runtime/offers). A FULL
 *      commit is timed next to them: the round trip paid five of those before.
 *    Each primitive is timed here, and the floor is the counted sum.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as ldk from 'lightningdevkit';
import {
  ecdh, isValidPublicKey, pointFromScalar, pointMultiply, publicKeyFromPrivate, randomPrivateKey, schnorrSign, schnorrVerify, sha256, toHex,
} from '../core/crypto';
import type { Invoice, InvoiceRequest } from '../core/offers';
import {
  SIGNATURE_TAGS, buildInvoice, buildInvoiceRequest, buildOffer, decodeInvoice, decodeOffer, encodeInvoice, encodeOffer, merkleRoot, signatureDigest,
} from '../core/offers';
import { createPaymentPath, createPublishedPath } from '../core/offers/manager';
import { Node } from '../core/node';
import { createNodeApi } from '../core/api/node-api';
import type { NodeApi } from '../core/api';
import { openDatabase, runTransaction, type Durability } from '../core/store';
import { chainHash } from '../core/wire';
import { CHAIN_HASHES } from '../core/offers';
import { loadVectors } from '../test/support/vectors';
import { measure, percentile, printTable } from './harness';

const REGTEST = chainHash('regtest');
const ctx = () => ({ nowSeconds: Math.floor(Date.now() / 1000), chains: [REGTEST] });

/** Curve operations of one round trip (see the header). */
const ROUND_TRIP_OPS = { ecdh: 16, kG: 10, kP: 9, sign: 2, verify: 2, pointCheck: 52, relaxedCommits: 4 } as const;

function fixtures(): { offerWithId: string; offerWithPath: string; invoice: string; request: InvoiceRequest; parsed: Invoice } {
  const issuer = randomPrivateKey();
  const issuerId = publicKeyFromPrivate(issuer);
  const offerWithId = encodeOffer(buildOffer({ chains: [REGTEST], description: 'bench', amount: 1000n, issuerId }));
  const hidden = createPublishedPath({ sessionKey: randomPrivateKey(), via: [publicKeyFromPrivate(randomPrivateKey())], ourNodeId: issuerId, pathId: new Uint8Array(32), dummyHops: 0 });
  const offerWithPath = encodeOffer(buildOffer({ chains: [REGTEST], description: 'bench', amount: 1000n, paths: [hidden.path] }));
  const payer = randomPrivateKey();
  const offer = decodeOffer(offerWithId, ctx());
  const request = buildInvoiceRequest(offer, { payerId: publicKeyFromPrivate(payer), chain: REGTEST }).sign(payer);
  const path = createPaymentPath({ sessionKey: randomPrivateKey(), recipient: issuerId, pathId: new Uint8Array(32), minFinalCltvExpiryDelta: 18, htlcMinimumMsat: 1n });
  const parsed = buildInvoice(request, { paymentHash: sha256(new Uint8Array(1)), createdAt: BigInt(ctx().nowSeconds), paths: [path] }).sign(issuer);
  return { offerWithId, offerWithPath, invoice: encodeInvoice(parsed), request, parsed };
}

interface OfferCase {
  readonly description: string;
  readonly valid: boolean;
  readonly bolt12: string;
}

/** Parses an offer, or throws: the peers' entry points. */
type OfferParser = (bolt12: string) => void;

/**
 * boltz-bolt12 ships a bundler build (`import … from './x.wasm'`), which Node does not load as is:
 * instantiate its module here with its JavaScript glue as the import object, as a bundler would.
 */
async function loadBoltz(): Promise<OfferParser> {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('boltz-bolt12/package.json'));
  const glue = (await import(join(dir, 'boltz_bolt12_bg.js'))) as Record<string, unknown> & {
    __wbg_set_wasm(exports: Record<string, unknown>): void;
    Offer: new (s: string) => { free(): void };
  };
  // (the project's TypeScript lib has no WebAssembly types: the two constructors used, typed here)
  const wasm = (globalThis as unknown as {
    WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (m: object, imports: object) => { exports: Record<string, unknown> } };
  }).WebAssembly;
  const instance = new wasm.Instance(new wasm.Module(readFileSync(join(dir, 'boltz_bolt12_bg.wasm'))), { './boltz_bolt12_bg.js': glue });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return (bolt12) => new glue.Offer(bolt12).free();
}

async function loadLdk(): Promise<OfferParser> {
  const require = createRequire(import.meta.url);
  await ldk.initializeWasmFromBinary(readFileSync(require.resolve('lightningdevkit/liblightningjs.wasm')));
  return (bolt12) => {
    const r = ldk.Offer.constructor_from_str(bolt12);
    if (!r.is_ok()) throw new Error('LDK refused the offer');
  };
}

/** Offers per second through each parser over the whole mix, in turns (medians of ROUNDS). */
function offersSideBySide(parsers: readonly OfferParser[], offers: readonly string[]): number[] {
  const ROUNDS = 5;
  const samples: number[][] = parsers.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    parsers.forEach((parse, i) => {
      const m = measure('offers', () => {
        for (const o of offers) parse(o);
      }, 0.3);
      samples[i]!.push(m.opsPerSec * offers.length);
    });
  }
  return samples.map((s) => percentile(s, 50));
}

function rejects(parse: OfferParser, bolt12: string): boolean {
  try {
    parse(bolt12);
    return false;
  } catch {
    return true;
  }
}

async function sideBySide(): Promise<void> {
  const cases = loadVectors<OfferCase[]>('bolt12/offers-test.json');
  const valid = cases.filter((c) => c.valid).map((c) => c.bolt12);
  const invalid = cases.filter((c) => !c.valid).map((c) => c.bolt12);
  // As the vector test: a node on bitcoin and testnet, "now" before the "with expiry" case expires.
  const vctx = { nowSeconds: 1_700_000_000, chains: [CHAIN_HASHES.bitcoin, CHAIN_HASHES.testnet] };
  const parsers: [string, OfferParser][] = [
    ['Glasswing decodeOffer', (o) => void decodeOffer(o, vctx)],
    ['boltz-bolt12 0.2 (WebAssembly)', await loadBoltz()],
    ['LDK 0.1 (lightningdevkit, WebAssembly)', await loadLdk()],
  ];
  for (const [name, parse] of parsers) {
    for (const o of valid) if (rejects(parse, o)) throw new Error(`bench: ${name} rejects a valid vector`);
  }
  const rates = offersSideBySide(parsers.map(([, p]) => p), valid);
  console.log(`\nBOLT 12 offer decode + validate, the ${valid.length} valid offers of offers-test.json in turn (medians of 5)`);
  printTable(['parser', 'offers/s', 'Glasswing / this', `rejects of ${invalid.length} invalid`], parsers.map(([name, parse], i) => [
    name, rates[i]!, rates[0]! / rates[i]!, `${invalid.filter((o) => rejects(parse, o)).length}`,
  ]));
  console.log('target (issue 17): ≥ 1.5 × boltz-bolt12 (stretch 2 ×), still rejecting all 33 invalid vectors');
}

async function startNode(alias: string): Promise<{ node: Node; api: NodeApi; address: string; id: string }> {
  const node = await Node.open({
    datadir: mkdtempSync(join(tmpdir(), 'glasswing-bench-offers-')), alias, network: 'regtest', listen: { host: '127.0.0.1', port: 0 }, version: 'bench',
    messenger: { policy: { inboundPerSecond: 1e9, inboundBurst: 1e9 } },
  });
  const { listen } = await node.start();
  return { node, api: createNodeApi(node), address: `${toHex(node.nodeId)}@${listen[0]}`, id: toHex(node.nodeId) };
}

async function roundTrips(count: number): Promise<number[]> {
  const [m, b, p] = await Promise.all([startNode('m'), startNode('b'), startNode('p')]);
  try {
    await m.api.connect({ address: b.address });
    await p.api.connect({ address: b.address });
    const { offer } = await m.api.createOffer({ description: 'bench', amountMsat: '1000', paths: [[b.id]] });
    for (let i = 0; i < 5; i++) await p.api.fetchInvoice({ offer: offer.bolt12 }); // warm-up
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      await p.api.fetchInvoice({ offer: offer.bolt12 });
      times.push(performance.now() - start);
    }
    return times;
  } finally {
    await Promise.all([m.node.stop(), b.node.stop(), p.node.stop()]);
  }
}

/** Time of one SQLite insert committed with the node's pragmas (WAL, synchronous = FULL), durable or relaxed. */
function sqliteCommitSeconds(durability: Durability): number {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'glasswing-bench-sqlite-')), 'glasswing.sqlite'));
  db.exec('CREATE TABLE bench (id INTEGER PRIMARY KEY, v TEXT)');
  const insert = db.prepare('INSERT INTO bench (v) VALUES (?)');
  const value = 'x'.repeat(600);
  const m = measure('sqlite commit', () => runTransaction(db, () => insert.run(value), durability), 0.5);
  db.close();
  return 1 / m.opsPerSec;
}

export async function run(): Promise<void> {
  await sideBySide();
  const f = fixtures();
  const key = randomPrivateKey();
  const point = publicKeyFromPrivate(randomPrivateKey());
  const digest = signatureDigest(SIGNATURE_TAGS.invoice, merkleRoot(f.parsed.records)!);
  const sig = f.parsed.signature!;
  const xOnly = f.parsed.invoice.nodeId!.subarray(1);

  const verify = measure('BIP340 verify', () => void schnorrVerify(sig, digest, xOnly));
  const check = measure('point validation', () => void isValidPublicKey(point));
  const rows = [
    measure('decode offer (offer_issuer_id)', () => void decodeOffer(f.offerWithId, ctx())),
    measure('decode offer (2-hop blinded path)', () => void decodeOffer(f.offerWithPath, ctx())),
    measure('decode + verify invoice', () => void decodeInvoice(f.invoice, ctx())),
    measure('decode + verify invoice + mirror check', () => void decodeInvoice(f.invoice, ctx(), f.request)),
    verify,
    check,
  ];
  console.log('\nDecode + verify (every reader check; strings as published)');
  printTable(['operation', 'ops/s', 'µs/op', 'per BIP340 verify'], rows.map((r) => [r.name, r.opsPerSec, 1e6 / r.opsPerSec, verify.opsPerSec / r.opsPerSec]));

  const count = 100;
  const times = await roundTrips(count);
  const per = {
    ecdh: 1 / measure('ecdh', () => void ecdh(key, point), 0.5).opsPerSec,
    kG: 1 / measure('k·G', () => void pointFromScalar(key), 0.5).opsPerSec,
    kP: 1 / measure('k·P', () => void pointMultiply(point, key), 0.5).opsPerSec,
    sign: 1 / measure('BIP340 sign', () => void schnorrSign(digest, key, new Uint8Array(32)), 0.5).opsPerSec,
    verify: 1 / verify.opsPerSec,
    pointCheck: 1 / check.opsPerSec,
    relaxedCommits: sqliteCommitSeconds('relaxed'),
  };
  const fullCommitMs = sqliteCommitSeconds('durable') * 1e3;
  const parts = (Object.keys(ROUND_TRIP_OPS) as (keyof typeof ROUND_TRIP_OPS)[]).map((k) => [k, ROUND_TRIP_OPS[k], per[k] * 1e3, ROUND_TRIP_OPS[k] * per[k] * 1e3] as const);
  const curveMs = parts.filter(([k]) => k !== 'relaxedCommits').reduce((s, [, , , ms]) => s + ms, 0);
  const floorMs = parts.reduce((s, [, , , ms]) => s + ms, 0);
  const p50 = percentile(times, 50);
  const p99 = percentile(times, 99);
  console.log(`\nOne round trip's unavoidable work (counted ops × time per op, measured now)`);
  printTable(['work', 'count', 'ms each', 'ms'], parts.map(([k, n, each, ms]) => [k, n, each, ms]));
  console.log(`\ninvoice_request → invoice over two blinded hops (P → B → M → B → P), ${count} sequential fetches, loopback, in-process nodes`);
  printTable(['measure', 'ms', 'share of p50'], [
    ['round trip p50', p50, 1],
    ['round trip p99', p99, p99 / p50],
    ['round trip mean', times.reduce((s, t) => s + t, 0) / times.length, (times.reduce((s, t) => s + t, 0) / times.length) / p50],
    ['curve work (counted)', curveMs, curveMs / p50],
    ['curve work + 4 relaxed SQLite commits', floorMs, floorMs / p50],
    ['(one durable, fsynced commit, for comparison)', fullCommitMs, fullCommitMs / p50],
  ]);
}
