/**
 * Makes Jazzer.js's native libFuzzer addon load on this machine's glibc.
 *
 * `@jazzer.js/fuzzer` 4.0.0 ships one prebuilt `fuzzer-linux-x64.node`, linked on a newer system
 * than Debian 12: it asks for glibc 2.38 (only for `__isoc23_strtol`/`__isoc23_strtoul`, the C23
 * spellings of strtol/strtoul, which differ only in accepting a `0b` prefix) and for libstdc++'s
 * GLIBCXX_3.4.32 (only for `std::ios_base_library_init`, a symbol GCC 13 headers name to pull in a
 * version dependency; nothing calls or relocates it). Debian 12 has glibc 2.36 and GLIBCXX_3.4.30,
 * so `dlopen` refuses the file. The package has no C++ sources to rebuild from.
 *
 * `ensureLoadableAddon` writes a copy next to our other fuzz work files with exactly these
 * references rewritten in the ELF dynamic tables — `__isoc23_strtol@GLIBC_2.38` becomes
 * `strtol@GLIBC_2.2.5` (and strtoul alike), the `GLIBCXX_3.4.32` requirement becomes the
 * `GLIBCXX_3.4.29` one already present — and checks every assumption first (ELF64 x86-64, the
 * named versions and symbols exist, the renamed symbols are the only ones under the rewritten
 * versions that have relocations). The original file is never touched; on a system that loads
 * the prebuilt as is, nothing is patched. `preload.cjs` points Node's `dlopen` at the copy.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const SHT_DYNSYM = 11;
const SHT_RELA = 4;
const SHT_GNU_VERNEED = 0x6ffffffe;
const SHT_GNU_VERSYM = 0x6fffffff;

/** What we rewrite: a version requirement → one the system has, and symbols renamed under it. */
const VERSION_REWRITES: ReadonlyArray<{ from: string; to: string; renames: Readonly<Record<string, string>> }> = [
  { from: 'GLIBC_2.38', to: 'GLIBC_2.2.5', renames: { __isoc23_strtol: 'strtol', __isoc23_strtoul: 'strtoul' } },
  { from: 'GLIBCXX_3.4.32', to: 'GLIBCXX_3.4.29', renames: {} },
];

/** The SysV ELF hash of a version name (vna_hash). */
function elfHash(name: string): number {
  let h = 0;
  for (const c of Buffer.from(name, 'latin1')) {
    h = ((h << 4) + c) >>> 0;
    const g = h & 0xf0000000;
    if (g !== 0) h ^= g >>> 24;
    h &= ~g >>> 0;
    h >>>= 0;
  }
  return h;
}

interface Section { type: number; offset: number; size: number; link: number; entsize: number }

function readCString(buf: Buffer, at: number): string {
  const end = buf.indexOf(0, at);
  return buf.toString('latin1', at, end);
}

/** Returns a patched copy of the addon, or throws if the file is not the shape we expect. */
export function patchAddon(original: Buffer): Buffer {
  const buf = Buffer.from(original);
  if (buf.readUInt32BE(0) !== 0x7f454c46 || buf[4] !== 2 || buf[5] !== 1 || buf.readUInt16LE(18) !== 62) {
    throw new Error('jazzer addon: not an ELF64 little-endian x86-64 file');
  }
  const shoff = Number(buf.readBigUInt64LE(0x28));
  const shentsize = buf.readUInt16LE(0x3a);
  const shnum = buf.readUInt16LE(0x3c);
  const sections: Section[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * shentsize;
    sections.push({
      type: buf.readUInt32LE(at + 4),
      offset: Number(buf.readBigUInt64LE(at + 0x18)),
      size: Number(buf.readBigUInt64LE(at + 0x20)),
      link: buf.readUInt32LE(at + 0x28),
      entsize: Number(buf.readBigUInt64LE(at + 0x38)),
    });
  }
  const one = (type: number): Section => {
    const found = sections.filter((s) => s.type === type);
    if (found.length !== 1) throw new Error(`jazzer addon: expected one section of type ${type}`);
    return found[0]!;
  };
  const dynsym = one(SHT_DYNSYM);
  const dynstr = sections[dynsym.link]!;
  const versym = one(SHT_GNU_VERSYM);
  const verneed = one(SHT_GNU_VERNEED);
  const str = (off: number): string => readCString(buf, dynstr.offset + off);

  // Version needs: file entries, each with a chain of aux entries (name, index).
  const aux: Array<{ at: number; name: string; index: number }> = [];
  for (let at = verneed.offset; ; ) {
    const cnt = buf.readUInt16LE(at + 2);
    let a = at + buf.readUInt32LE(at + 8);
    for (let i = 0; i < cnt; i++) {
      aux.push({ at: a, name: str(buf.readUInt32LE(a + 8)), index: buf.readUInt16LE(a + 6) & 0x7fff });
      a += buf.readUInt32LE(a + 12);
    }
    const next = buf.readUInt32LE(at + 12);
    if (next === 0) break;
    at += next;
  }

  const symCount = dynsym.size / 24;
  const symName = (i: number): string => str(buf.readUInt32LE(dynsym.offset + i * 24));
  const symVersion = (i: number): number => buf.readUInt16LE(versym.offset + i * 2) & 0x7fff;

  // Symbols that have a dynamic relocation (the ones the loader will bind).
  const relocated = new Set<number>();
  for (const s of sections.filter((x) => x.type === SHT_RELA && x.link === sections.indexOf(dynsym))) {
    for (let at = s.offset; at < s.offset + s.size; at += 24) {
      relocated.add(Number(buf.readBigUInt64LE(at + 8) >> 32n));
    }
  }

  for (const rw of VERSION_REWRITES) {
    const from = aux.find((a) => a.name === rw.from);
    if (from === undefined) continue; // this build does not need it
    const to = aux.find((a) => a.name === rw.to);
    if (to === undefined) throw new Error(`jazzer addon: no ${rw.to} requirement to reuse`);
    for (let i = 1; i < symCount; i++) {
      if (symVersion(i) !== from.index) continue;
      const name = symName(i);
      const renamed = rw.renames[name];
      if (renamed === undefined) {
        if (relocated.has(i)) throw new Error(`jazzer addon: ${name}@${rw.from} is bound at load; cannot rewrite`);
        continue; // named but never bound
      }
      // Write the shorter name in place (the old name's tail stays as unused bytes).
      const at = dynstr.offset + buf.readUInt32LE(dynsym.offset + i * 24);
      buf.write(renamed + '\0', at, 'latin1');
    }
    // The requirement now names the older version: vna_hash and vna_name.
    buf.writeUInt32LE(elfHash(rw.to), from.at);
    buf.writeUInt32LE(buf.readUInt32LE(to.at + 8), from.at + 8);
  }
  return buf;
}

/**
 * The path of an addon Node can load here: the prebuilt itself when the system's glibc and
 * libstdc++ are new enough, else a patched copy under `workDir` (rewritten when the prebuilt changes).
 */
export function ensureLoadableAddon(prebuilt: string, workDir: string): string {
  const glibc = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime;
  if (process.platform !== 'linux' || process.arch !== 'x64' || glibc === undefined) return prebuilt;
  const [major, minor] = glibc.split('.').map(Number);
  if ((major ?? 0) > 2 || (minor ?? 0) >= 38) return prebuilt;
  const original = readFileSync(prebuilt);
  const digest = createHash('sha256').update(original).digest('hex').slice(0, 16);
  const patched = join(workDir, 'native', `fuzzer-linux-x64-${digest}.node`);
  if (!existsSync(patched)) {
    mkdirSync(dirname(patched), { recursive: true });
    writeFileSync(patched, patchAddon(original));
  }
  return patched;
}
