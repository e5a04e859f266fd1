/**
 * ESLint rule `glasswing/layer-order`: every import (type-only ones too) follows the layer table of
 * eslint/layers.js. In core/, a folder imports only folders below it (and its allowed siblings)
 * and the shared files; nothing in core/ imports main/, renderer/ or electron; the renderer imports
 * nothing of core/ but core/api (never its node-only node-api.ts). tests, bench and scripts are free.
 */
import { statSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORE_FORBIDDEN_PACKAGES, NODE_ONLY_API, RENDERER_MAY_IMPORT, SHARED_FILES, levelOf, mayImport } from './layers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** A path relative to the repository, with forward slashes. */
function repoPath(absolute) {
  return relative(ROOT, absolute).split(sep).join('/');
}

function isDirectory(path) {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Where a file sits: { area: 'core', folder } (folder null for core/*.ts), 'main', 'renderer', or other. */
function placeOf(path) {
  const parts = path.split('/');
  if (parts[0] === 'core') {
    if (parts.length === 1) return { area: 'core', folder: null, file: 'index.ts' };
    // `../wire` is the folder core/wire (its index.ts); `../errors` is the file core/errors.ts.
    const isFolder = parts.length > 2 || levelOf(parts[1]) !== undefined || isDirectory(resolve(ROOT, 'core', parts[1]));
    return isFolder ? { area: 'core', folder: parts[1], file: null } : { area: 'core', folder: null, file: parts[1] };
  }
  if (parts[0] === 'main' || parts[0] === 'renderer') return { area: parts[0] };
  return { area: 'other' };
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'imports follow the layer order of eslint/layers.js' },
    schema: [],
    messages: {
      upward: '{{from}} (layer {{fromLevel}}) may not import {{to}} (layer {{toLevel}}): dependencies point down (eslint/layers.js).',
      sibling: '{{from}} and {{to}} are on the same layer ({{level}}) and do not know each other (eslint/layers.js SIBLINGS).',
      unplaced: 'core/{{folder}} is not in the layer table: place it in eslint/layers.js first.',
      unplacedTarget: '{{to}} is not in the layer table (eslint/layers.js).',
      coreHost: 'core/ never imports {{what}} (hosts import core, not the other way).',
      rendererCore: 'the renderer imports nothing of core/ but core/api ({{to}}).',
      rendererNodeOnly: '{{to}} is node-only (it imports the Node): the renderer talks to the node through the socket client or the preload.',
    },
  },
  create(context) {
    const filename = context.filename ?? context.getFilename();
    const from = placeOf(repoPath(filename));
    if (from.area === 'other' || from.area === 'main') return {};
    if (from.area === 'core' && from.folder !== null && levelOf(from.folder) === undefined) {
      return {
        Program(node) {
          context.report({ node, messageId: 'unplaced', data: { folder: from.folder } });
        },
      };
    }

    function check(node, source) {
      if (typeof source !== 'string') return;
      if (!source.startsWith('.')) {
        const pkg = source.startsWith('@') ? source.split('/').slice(0, 2).join('/') : source.split('/')[0];
        if (from.area === 'core' && CORE_FORBIDDEN_PACKAGES.includes(pkg)) context.report({ node, messageId: 'coreHost', data: { what: pkg } });
        return;
      }
      const to = repoPath(resolve(dirname(filename), source));
      const target = placeOf(to);
      if (from.area === 'renderer') {
        if (target.area !== 'core') return;
        if (!to.startsWith(RENDERER_MAY_IMPORT) && to !== RENDERER_MAY_IMPORT.replace(/\/$/, '')) context.report({ node, messageId: 'rendererCore', data: { to } });
        else if (NODE_ONLY_API.some((f) => to === f || to === f.replace(/\.ts$/, ''))) context.report({ node, messageId: 'rendererNodeOnly', data: { to } });
        return;
      }
      // from core/
      if (target.area === 'main' || target.area === 'renderer') {
        context.report({ node, messageId: 'coreHost', data: { what: `${target.area}/` } });
        return;
      }
      if (target.area !== 'core') return;
      if (target.folder === null) {
        const file = target.file.endsWith('.ts') ? target.file : `${target.file}.ts`;
        if (!SHARED_FILES.includes(file)) context.report({ node, messageId: 'unplacedTarget', data: { to } });
        return;
      }
      if (from.folder === null) {
        // A shared file imports only other shared files.
        context.report({ node, messageId: 'upward', data: { from: `core/${from.file}`, fromLevel: 0, to: `core/${target.folder}`, toLevel: levelOf(target.folder) ?? '?' } });
        return;
      }
      if (mayImport(from.folder, target.folder)) return;
      const fromLevel = levelOf(from.folder);
      const toLevel = levelOf(target.folder);
      if (toLevel === undefined) context.report({ node, messageId: 'unplacedTarget', data: { to: `core/${target.folder}` } });
      else if (toLevel === fromLevel) context.report({ node, messageId: 'sibling', data: { from: `core/${from.folder}`, to: `core/${target.folder}`, level: toLevel } });
      else context.report({ node, messageId: 'upward', data: { from: `core/${from.folder}`, fromLevel, to: `core/${target.folder}`, toLevel } });
    }

    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
      TSImportType: (node) => {
        const arg = node.argument?.literal ?? node.argument;
        if (arg && arg.type === 'Literal') check(node, arg.value);
      },
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'Literal') check(node, node.arguments[0].value);
      },
    };
  },
};
