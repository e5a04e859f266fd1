/**
 * QR codes as SVG images (a data: URL, which the CSP allows for images). Always dark modules
 * on a light background with the standard four-module quiet zone, so phones scan them in
 * either theme.
 */
import qrcode from 'qrcode-generator';

export const QR_QUIET_ZONE = 4;

export interface QrImage {
  /** Modules per side, without the quiet zone. */
  readonly modules: number;
  readonly svg: string;
  readonly dataUrl: string;
}

export type QrLevel = 'L' | 'M' | 'Q' | 'H';

export interface QrOptions {
  readonly level?: QrLevel;
  readonly mode?: 'Byte' | 'Alphanumeric';
}

/** Encodes `text` (byte mode and error correction M unless told otherwise; smallest version that fits). */
export function qrImage(text: string, opts: QrOptions = {}): QrImage {
  const qr = qrcode(0, opts.level ?? 'M');
  qr.addData(text, opts.mode ?? 'Byte');
  qr.make();
  const n = qr.getModuleCount();
  const size = n + 2 * QR_QUIET_ZONE;
  let path = '';
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      if (qr.isDark(row, col)) path += `M${col + QR_QUIET_ZONE} ${row + QR_QUIET_ZONE}h1v1h-1z`;
    }
  }
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" shape-rendering="crispEdges">` +
    `<rect width="${size}" height="${size}" fill="#fff"/><path fill="#000" d="${path}"/></svg>`;
  return { modules: n, svg, dataUrl: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}` };
}

/** QR alphanumeric mode: digits, upper-case letters and ` $%*+-./:`. */
const ALPHANUMERIC = /^[0-9A-Z $%*+\-./:]*$/;

/** Versions up to this many modules per side still scan from a laptop screen at M. */
const DENSE_MODULES = 97; // version 20

/**
 * A BOLT 12 string as a QR code. Offers are long, so: upper case (BOLT 12 strings may be all
 * upper case) in QR alphanumeric mode, which packs 5.5 bits per character instead of 8 — about
 * 30% fewer modules — and error correction M, dropping to L only when M would need more than
 * version 20, so the modules stay large enough for a phone camera.
 */
export function bolt12QrImage(bolt12: string): QrImage {
  const upper = bolt12.trim().toUpperCase();
  const mode = ALPHANUMERIC.test(upper) ? 'Alphanumeric' : 'Byte';
  const medium = qrImage(upper, { level: 'M', mode });
  if (medium.modules <= DENSE_MODULES) return medium;
  return qrImage(upper, { level: 'L', mode });
}
