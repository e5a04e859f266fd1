import { describe, expect, it } from 'vitest';
import { establishNet, ModelChain, preimageOf, randomP2wpkh, settle } from '../../support/establish-net';

describe('smoke', () => {
  it('opens, moves an HTLC, closes', () => {
    const net = establishNet();
    const chain = new ModelChain(net);
    const { a, b } = net;
    a.open({ fundingSatoshis: 1_000_000n, pushMsat: 100_000_000n, feeratePerKw: 1000, fundingFeeRateSatVb: 2 });
    net.deliverAll();
    chain.mine(3);
    net.deliverAll();
    const id = a.addHtlc(50_000_000n, 'p1');
    settle(net);
    a.close(randomP2wpkh());
    settle(net);
    b.step(b.link!.fulfillHtlc(id, preimageOf('p1')));
    settle(net);
    console.log(a.log.closeEvents.map((e) => e.type), b.log.closeEvents.map((e) => e.type), a.log.failures, b.log.failures);
    console.log(a.log.sent.map((m) => m.type).join(' '));
    console.log(b.log.sent.map((m) => m.type).join(' '));
    console.log(a.closingTxs, b.closingTxs);
    expect(a.closingTxs.length).toBe(1);
  });
});
