import { describe, expect, it } from 'vitest';
import { QR_QUIET_ZONE, bolt12QrImage, qrImage } from '../../../renderer/src/lib/qr';

const ADDRESS = '02' + 'ab'.repeat(32) + '@127.0.0.1:9735';

describe('QR images', () => {
  it('draws a square SVG with a quiet zone, dark modules on white', () => {
    const img = qrImage(ADDRESS);
    // 81 bytes in byte mode at level M need version 5 (37 modules).
    expect(img.modules).toBe(37);
    const size = img.modules + 2 * QR_QUIET_ZONE;
    expect(img.svg).toContain(`viewBox="0 0 ${size} ${size}"`);
    expect(img.svg).toContain('<rect width="45" height="45" fill="#fff"/>');
    expect(img.svg).toContain('<path fill="#000" d="M4 4h1v1h-1z');
    expect(decodeURIComponent(img.dataUrl.slice('data:image/svg+xml;charset=utf-8,'.length))).toBe(img.svg);
  });

  it('draws the three finder patterns in their corners', () => {
    const { svg, modules } = qrImage(ADDRESS);
    const q = QR_QUIET_ZONE;
    for (const [x, y] of [[q, q], [q + modules - 7, q], [q, q + modules - 7]]) {
      // Top row of each finder pattern: seven dark modules.
      for (let i = 0; i < 7; i++) expect(svg).toContain(`M${x! + i} ${y}h1v1h-1z`);
    }
  });

  it('is deterministic and grows with the text', () => {
    expect(qrImage('abc').svg).toBe(qrImage('abc').svg);
    expect(qrImage('a'.repeat(300)).modules).toBeGreaterThan(qrImage('abc').modules);
  });
});

describe('BOLT 12 QR codes', () => {
  const OFFER = 'lno1pqps7sjqpgtyzm3qv4uxzmtsd3jjqer9wd3hy6tsw35k7msjzfpy7nz5yqcnygrfdej82um5wf5k2uckyypwa3eyt44h6txtxquqh7lz5djge4afgfjn7k4rgrkuag0jsd5xvxg';

  it('packs an offer in upper-case alphanumeric mode: fewer, larger modules than bytes', () => {
    const packed = bolt12QrImage(OFFER);
    const bytes = qrImage(OFFER, { level: 'M' });
    expect(packed.modules).toBeLessThan(bytes.modules);
    expect(packed).toEqual(qrImage(OFFER.toUpperCase(), { level: 'M', mode: 'Alphanumeric' }));
  });

  it('keeps level M while the code stays scannable, and drops to L only for very long strings', () => {
    expect(bolt12QrImage(OFFER).modules).toBeLessThanOrEqual(97);
    const long = 'lno1' + 'q'.repeat(1400);
    const img = bolt12QrImage(long);
    expect(img).toEqual(qrImage(long.toUpperCase(), { level: 'L', mode: 'Alphanumeric' }));
    expect(qrImage(long.toUpperCase(), { level: 'M', mode: 'Alphanumeric' }).modules).toBeGreaterThan(97);
  });
});
