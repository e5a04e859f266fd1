/** BigSize (BOLT 1 Appendix A) as standalone codecs. */
import { ByteReader } from './reader';
import { ByteWriter } from './writer';

export function encodeBigSize(value: bigint | number): Uint8Array {
  return new ByteWriter(9).writeBigSize(value).finish();
}

/** Decodes exactly one BigSize; trailing bytes are an error. */
export function decodeBigSize(bytes: Uint8Array): bigint {
  const r = new ByteReader(bytes);
  const v = r.readBigSize();
  r.expectEnd('bigsize');
  return v;
}

/** Byte length of the BigSize encoding of `value`. */
export function bigSizeLength(value: bigint | number): number {
  const n = BigInt(value);
  return n < 0xfdn ? 1 : n <= 0xffffn ? 3 : n <= 0xffffffffn ? 5 : 9;
}
