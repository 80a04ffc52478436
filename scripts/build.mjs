// One bundled ESM file: startup on a struggling box is dominated by module loading, and a bundle
// halves the time to first frame. ESM output keeps yoga-layout's top-level await working.
import {build} from 'esbuild';
import {chmodSync} from 'node:fs';

const outfile = 'dist/cli.js';
await build({
	entryPoints: ['source/cli.tsx'],
	outfile,
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
		js: "#!/usr/bin/env node\nimport {createRequire as __leaktopCreateRequire} from 'node:module';\nconst require = __leaktopCreateRequire(import.meta.url);",
	},
	logLevel: 'warning',
});
chmodSync(outfile, 0o755);
