/**
 * The layer order is enforced: ESLint (the repository's own config, run programmatically) fires
 * `glasswing/layer-order` on an import that runs up the order, across siblings that do not know
 * each other, from core/ to its hosts, or from the renderer into core/ beyond core/api — and finds
 * nothing on the real tree.
 */
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import { LAYERS, SIBLINGS, mayImport } from '../../../eslint/layers.js';
import { REPO_ROOT } from '../../support/vectors';

const eslint = new ESLint({ cwd: REPO_ROOT });

/** The layer-order messages ESLint gives `code` as if it were the file at `path`. */
async function layerErrors(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${REPO_ROOT}/${path}` });
  return result!.messages.filter((m) => m.ruleId === 'glasswing/layer-order').map((m) => m.message);
}

describe('glasswing/layer-order', () => {
  it('fires on an import that runs up the order', async () => {
    expect(await layerErrors('core/wire/zz-probe.ts', "import { OnionMessenger } from '../messenger';\nexport const x = OnionMessenger;\n")).toEqual([
      expect.stringContaining('core/wire (layer 2) may not import core/messenger (layer 6)'),
    ]);
    expect(await layerErrors('core/channel/zz-probe.ts', "import type { NodeApi } from '../api';\nexport type X = NodeApi;\n")).toEqual([
      expect.stringContaining('core/channel (layer 4) may not import core/api (layer 11)'),
    ]);
    expect(await layerErrors('core/store/zz-probe.ts', "export { Node } from '../node/node';\n")).toEqual([expect.stringContaining('may not import core/node')]);
  });

  it('fires across siblings that do not know each other, and not for the ones the table allows', async () => {
    expect(await layerErrors('core/messenger/zz-probe.ts', "import type { Peer } from '../peer/peer';\nexport type X = Peer;\n")).toEqual([
      expect.stringContaining('core/messenger and core/peer are on the same layer (6)'),
    ]);
    expect(await layerErrors('core/offers/zz-probe.ts', "import { Channel } from '../channel';\nexport const x = Channel;\n")).toEqual([expect.stringContaining('same layer (4)')]);
    expect(await layerErrors('core/bitcoin/zz-probe.ts', "import { ByteReader } from '../wire';\nexport const x = ByteReader;\n")).toEqual([]);
  });

  it('lets a layer import what is below it, its own files and the shared ones', async () => {
    const code = "import { OffersError } from '../offers/manager/errors';\nimport { GlasswingError } from '../errors';\nimport { TokenBucket } from '../token-bucket';\nimport { MESSAGE_TLV } from './constants';\nexport const x = [OffersError, GlasswingError, TokenBucket, MESSAGE_TLV];\n";
    expect(await layerErrors('core/messenger/zz-probe.ts', code)).toEqual([]);
  });

  it('keeps core/ away from its hosts: main/, renderer/ and electron', async () => {
    expect(await layerErrors('core/node/zz-probe.ts', "import { runDaemon } from '../../main/daemon/run';\nexport const x = runDaemon;\n")).toEqual([expect.stringContaining('core/ never imports main/')]);
    expect(await layerErrors('core/api/zz-probe.ts', "import { theme } from '../../renderer/src/lib/theme';\nexport const x = theme;\n")).toEqual([expect.stringContaining('core/ never imports renderer/')]);
    expect(await layerErrors('core/runtime/zz-probe.ts', "import { app } from 'electron';\nexport const x = app;\n")).toEqual([expect.stringContaining('core/ never imports electron')]);
  });

  it('lets the renderer import only core/api, and not its node-only createNodeApi', async () => {
    expect(await layerErrors('renderer/src/lib/zz-probe.ts', "import type { NodeApi } from '../../../core/api/methods';\nexport type X = NodeApi;\n")).toEqual([]);
    expect(await layerErrors('renderer/src/lib/zz-probe.ts', "import { OnionMessenger } from '../../../core/messenger';\nexport const x = OnionMessenger;\n")).toEqual([
      expect.stringContaining('the renderer imports nothing of core/ but core/api'),
    ]);
    expect(await layerErrors('renderer/src/lib/zz-probe.ts', "import { createNodeApi } from '../../../core/api/node-api';\nexport const x = createNodeApi;\n")).toEqual([
      expect.stringContaining('node-only'),
    ]);
  });

  it('refuses a core folder the table does not place', async () => {
    expect(await layerErrors('core/zz-unplaced/x.ts', 'export const x = 1;\n')).toEqual([expect.stringContaining('core/zz-unplaced is not in the layer table')]);
  });

  it('finds nothing on the real tree', async () => {
    const results = await eslint.lintFiles(['core', 'renderer/src']);
    const found = results.flatMap((r) => r.messages.filter((m) => m.ruleId === 'glasswing/layer-order').map((m) => `${r.filePath}:${m.line} ${m.message}`));
    expect(found).toEqual([]);
  }, 120_000);
});

describe('the layer table (eslint/layers.js)', () => {
  it('lists every layer of the plan once, bottom to top', () => {
    expect(LAYERS.map((l) => l.folders)).toEqual([
      ['crypto'], ['wire', 'bitcoin'], ['transport', 'onion'], ['invoices', 'offers', 'channel', 'chain'], ['wallet', 'monitor', 'gossip', 'routing'],
      ['payments', 'messenger', 'peer'], ['simulator'], ['store'], ['runtime'], ['node'], ['api'],
    ]);
    expect(LAYERS.map((l) => l.level)).toEqual(LAYERS.map((_, i) => i + 1));
  });

  it('never lets a lower layer import a higher one, and siblings only where listed', () => {
    const folders = LAYERS.flatMap((l) => l.folders.map((f) => ({ f, level: l.level })));
    for (const a of folders) {
      for (const b of folders) {
        const allowed = mayImport(a.f, b.f);
        if (b.level > a.level) expect(allowed, `${a.f} → ${b.f}`).toBe(false);
        else if (b.level < a.level || a.f === b.f) expect(allowed, `${a.f} → ${b.f}`).toBe(true);
        else expect(allowed, `${a.f} → ${b.f}`).toBe(SIBLINGS.some(([x, y]) => x === a.f && y === b.f));
      }
    }
  });
});
