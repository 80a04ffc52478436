// One bundled ESM file: startup on a struggling box is dominated by module loading, and a bundle
// halves the time to first frame. ESM output keeps yoga-layout's top-level await working.
import {build} from 'esbuild';
import {chmodSync, rmSync} from 'node:fs';

const outfile = 'dist/cli.js';
rmSync('dist', {recursive: true, force: true});
await build({
	entryPoints: {cli: 'source/cli.tsx'},
	outdir: 'dist',
	// The screen (Ink, React, yoga's WASM) and perf tracing load only when used: snapshot, batch,
	// record and report start without them.
	splitting: true,
	chunkNames: 'chunks/[name]-[hash]',
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node20',
	minify: false,
	legalComments: 'none',
	define: {'process.env.NODE_ENV': '"production"'},
	// Ink imports react-devtools-core only when DEV is set; never ship it.
	alias: {'react-devtools-core': './scripts/devtools-stub.mjs'},
	banner: {
		// Bundled CommonJS dependencies (yargs helpers, signal-exit) still call require().
		js: [
			'#!/usr/bin/env node',
			"import {createRequire as __leaktopCreateRequire} from 'node:module';",
			'const require = __leaktopCreateRequire(import.meta.url);',
			// Ink decides at import time to draw nothing while CI is set. A person at a terminal
			// wants a screen whatever their environment says; cli.tsx puts the variables back (every
			// chunk carries this banner, so it runs again when the screen's chunk loads).
			'globalThis.__leaktopCiEnv = {CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION};',
			'if (process.stdout.isTTY) { delete process.env.CI; delete process.env.CONTINUOUS_INTEGRATION; }',
		].join('\n'),
	},
	logLevel: 'warning',
});
chmodSync(outfile, 0o755);
