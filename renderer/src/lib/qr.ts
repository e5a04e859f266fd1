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

/** Encodes `text` (byte mode, error correction M, smallest version that fits). */
export function qrImage(text: string): QrImage {
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
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
