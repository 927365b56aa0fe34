// Build opsflow's bpmn.io bundles into webui/static/build/ (served by Flask's static route).
//
//   node build.mjs         minified bundles
//   node build.mjs --dev   readable bundles with source maps
//
// Outputs: viewer.js/.css, audit.js/.css (the audit pages, on top of the viewer), checkpoints.js, modeler.js/.css,
// dmn-modeler.js/.css, diagram-pages.js, forms.js (every page's form behaviour), api-docs.js/.css (Swagger UI
// for /api/v1/docs), the icon fonts they use and THIRD-PARTY-LICENSES.txt (the licence of every npm package that
// went into a bundle).

import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as esbuild from 'esbuild';

const require = createRequire(import.meta.url);
const compileLintConfig = require('bpmnlint/lib/support/compile-config.js');

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.resolve(HERE, '../static/build');
const DEV = process.argv.includes('--dev');

const ENTRIES = [
  { in: 'src/viewer.js', out: 'viewer' },
  { in: 'src/viewer.css', out: 'viewer' },
  { in: 'src/audit.js', out: 'audit' },
  { in: 'src/audit.css', out: 'audit' },
  { in: 'src/checkpoints.js', out: 'checkpoints' },
  { in: 'src/modeler.js', out: 'modeler' },
  { in: 'src/modeler.css', out: 'modeler' },
  { in: 'src/dmn-modeler.js', out: 'dmn-modeler' },
  { in: 'src/dmn-modeler.css', out: 'dmn-modeler' },
  { in: 'src/diagram-pages.js', out: 'diagram-pages' },
  { in: 'src/forms.js', out: 'forms' },
  { in: 'src/api-docs.js', out: 'api-docs' },
  { in: 'src/api-docs.css', out: 'api-docs' },
];

// `import lintConfig from 'opsflow:bpmnlint-config'` gets .bpmnlintrc compiled for the browser
// (the rules it enables are imported from node_modules, so only those are bundled).
const lintConfigPlugin = {
  name: 'opsflow-bpmnlint-config',
  setup(build) {
    build.onResolve({ filter: /^opsflow:bpmnlint-config$/ }, () => ({ path: 'bpmnlint-config', namespace: 'opsflow' }));
    build.onLoad({ filter: /.*/, namespace: 'opsflow' }, async () => {
      const rcFile = path.join(HERE, '.bpmnlintrc');
      const config = JSON.parse(await readFile(rcFile, 'utf8'));
      return { contents: await compileLintConfig(config), loader: 'js', resolveDir: HERE, watchFiles: [rcFile] };
    });
  },
};

async function packageRoot(file) {
  // node_modules/<name>/... or node_modules/@scope/<name>/...
  const parts = file.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) {
    return null;
  }
  const depth = parts[at + 1].startsWith('@') ? 3 : 2;
  return path.join(HERE, ...parts.slice(0, at + depth));
}

async function licenceText(root) {
  const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  const names = (await readdir(root)).filter((name) => /^(licen[cs]e|copying)/i.test(name));
  const texts = await Promise.all(names.map((name) => readFile(path.join(root, name), 'utf8')));
  const body = texts.length ? texts.join('\n') : `(no licence file; package.json says: ${manifest.license})`;
  return `${manifest.name}@${manifest.version} (${manifest.license})\n\n${body.trim()}\n`;
}

async function writeLicences(metafile) {
  const roots = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const root = await packageRoot(input);
    if (root) {
      roots.add(root);
    }
  }
  const sections = await Promise.all([...roots].sort().map(licenceText));
  const separator = `\n${'-'.repeat(78)}\n\n`;
  await writeFile(path.join(OUT, 'THIRD-PARTY-LICENSES.txt'), sections.join(separator));
  return roots.size;
}

async function main() {
  const started = performance.now();
  await rm(OUT, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: HERE,
    entryPoints: ENTRIES,
    outdir: OUT,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    minify: !DEV,
    sourcemap: DEV ? 'linked' : false,
    legalComments: 'eof',
    charset: 'utf8',
    metafile: true,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': DEV ? '"development"' : '"production"' },
    // The properties panel renders with preact; JSX and React imports go to its copy.
    jsx: 'automatic',
    jsxImportSource: '@bpmn-io/properties-panel/preact',
    alias: { react: '@bpmn-io/properties-panel/preact/compat', 'react-dom': '@bpmn-io/properties-panel/preact/compat' },
    // Icon fonts referenced by the CSS are copied next to it, under their own names.
    loader: { '.eot': 'file', '.svg': 'file', '.ttf': 'file', '.woff': 'file', '.woff2': 'file' },
    assetNames: '[name]',
    plugins: [lintConfigPlugin],
  });
  const packages = await writeLicences(result.metafile);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const sizes = [];
  for (const file of Object.keys(result.metafile.outputs).sort()) {
    if (file.endsWith('.js')) {
      const { size } = await stat(path.join(HERE, file));
      sizes.push(`${path.basename(file)} ${(size / 1024).toFixed(0)} KiB`);
    }
  }
  console.log(`opsflow front-end: ${sizes.join(', ')} (+ css, fonts) into webui/static/build in ${seconds} s; `
    + `licences of the ${packages} bundled npm packages in THIRD-PARTY-LICENSES.txt`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
