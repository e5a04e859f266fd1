/** The lazy channel signer a retired channel's link gets: nothing derived until asked, then the very same keys. */
import { describe, expect, it } from 'vitest';
import { sha256, utf8 } from '../../../core/crypto';
import { channelSignerFromNodeKey } from '../../../core/channel/node-keys';
import { LazyChannelSigner } from '../../../core/runtime/channel/lazy-signer';

describe('LazyChannelSigner', () => {
  it('derives nothing until asked, then answers as the signer it stands for', () => {
    const nodeKey = sha256(utf8.encode('lazy signer node key'));
    let made = 0;
    const lazy = new LazyChannelSigner(() => {
      made++;
      return channelSignerFromNodeKey(nodeKey, 7);
    });
    expect(made).toBe(0);
    expect(lazy.derived).toBe(false);
    const real = channelSignerFromNodeKey(nodeKey, 7);
    const digest = sha256(utf8.encode('digest'));
    expect(lazy.basepoints).toEqual(real.basepoints);
    expect(lazy.perCommitmentPoint(3)).toEqual(real.perCommitmentPoint(3));
    expect(lazy.signWithFundingKey(digest)).toEqual(real.signWithFundingKey(digest));
    const point = real.perCommitmentPoint(5);
    expect(lazy.signWithHtlcKey(digest, point)).toEqual(real.signWithHtlcKey(digest, point));
    expect(lazy.signAllWithHtlcKey([digest, digest], point)).toEqual(real.signAllWithHtlcKey([digest, digest], point));
    expect(lazy.releasePerCommitmentSecret(2)).toEqual(real.releasePerCommitmentSecret(2));
    expect(made).toBe(1);
    expect(lazy.derived).toBe(true);
  });
});
