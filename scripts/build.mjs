// One bundled ESM file: startup on a struggling box is dominated by module loading, and a bundle
// halves the time to first frame. ESM output keeps yoga-layout's top-level await working.
import {build} from 'esbuild';
import {chmodSync, readFileSync, rmSync} from 'node:fs';
import {resolve} from 'node:path';

// yoga-layout's Emscripten loader fetches its own base64 data: URL when fetch exists, and the first
// fetch loads Node's undici (~45 ms of the first frame, ~2 MiB of resident code). Reading the URL
// directly is what the loader does anyway when fetch is missing.
const YOGA_FETCH = '"function"!=typeof fetch?Promise.resolve().then(function(){return wa()})';
const yogaWithoutFetch = {
	name: 'yoga-without-fetch',
	setup(build) {
		build.onLoad({filter: /yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/}, ({path}) => {
			const text = readFileSync(path, 'utf8');
			if (text.split(YOGA_FETCH).length !== 2) throw new Error(`${path}: the wasm loader changed; look again at the yoga-without-fetch plugin`);
			return {contents: text.replace(YOGA_FETCH, '!0?Promise.resolve().then(function(){return wa()})'), loader: 'js'};
		});
	},
};

// Ink's per-frame screen assembly, its text caches and its text squashing, replaced by source/ui/ink/
// (same screen bytes, ~20 ms less per 120x40 frame, caches bounded for a program that runs for days).
// They were written against Ink's private build files of one version: another version must be looked
// at again.
const INK_VERSION = '6.8.0';
const INK_OWN = {'./output.js': 'output.ts', './measure-text.js': 'measureText.ts', './wrap-text.js': 'wrapText.ts', './squash-text-nodes.js': 'squashTextNodes.ts', 'widest-line': 'widestLine.ts'};
const inkOwn = {
	name: 'ink-own',
	setup(build) {
		const {version} = JSON.parse(readFileSync('node_modules/ink/package.json', 'utf8'));
		if (version !== INK_VERSION) throw new Error(`ink ${version} is installed, source/ui/ink/ replaces files of ink ${INK_VERSION}: compare them with node_modules/ink/build/ and update INK_VERSION`);
		build.onResolve({filter: /^(\.\/(output|measure-text|wrap-text|squash-text-nodes)\.js|widest-line)$/}, ({path, importer}) => {
			if (!/node_modules[\\/]ink[\\/]build[\\/][^\\/]+\.js$/.test(importer)) return undefined;
			return {path: resolve('source/ui/ink', INK_OWN[path])};
		});
	},
};

// Unicode tables that dependencies build as they are imported, though most runs never use them: the
// first Intl.Segmenter loads ICU's break data (~20 ms) and string-width's \p{RGI_Emoji} compiles in
// ~34 ms, in every command (yargs' help layout imports string-width). Each is built on first use.
// (esbuild takes the first onLoad that answers: the nested string-width 7 comes before the top one.)
const LAZY = [
	{file: /node_modules[\\/](wrap-ansi|cliui)[\\/]node_modules[\\/]string-width[\\/]index\.js$/, names: ['segmenter']},
	{file: /node_modules[\\/]string-width[\\/]index\.js$/, names: ['segmenter', 'rgiEmojiRegex']},
	{file: /node_modules[\\/]@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]tokenize\.js$/, names: ['segmenter']},
	{file: /node_modules[\\/]slice-ansi[\\/]tokenize-ansi\.js$/, names: ['GRAPHEME_SEGMENTER']},
];
const lazyUnicode = {
	name: 'lazy-unicode',
	setup(build) {
		for (const {file, names} of LAZY) {
			build.onLoad({filter: file}, ({path}) => {
				let text = readFileSync(path, 'utf8');
				for (const name of names) {
					const declaration = new RegExp(`^const ${name} = (new Intl\\.Segmenter\\(.*\\)|/.*/[a-z]*);$`, 'm').exec(text);
					const method = declaration?.[1].startsWith('new') ? 'segment' : 'test';
					// Only `name.segment(…)` / `name.test(…)` may follow, or the stand-in below is not enough.
					const code = text.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, '');
					const uses = code.split(new RegExp(`\\b${name}\\b`)).length - 2;
					const calls = code.split(`${name}.${method}(`).length - 1;
					if (!declaration || uses !== calls) throw new Error(`${path}: ${name} is not a Segmenter or RegExp used only through .segment/.test; look again at the lazy-unicode plugin`);
					text = text.replace(declaration[0], `let ${name}$built;\nconst ${name} = {${method}: text => (${name}$built ??= ${declaration[1]}).${method}(text)};`);
				}
				return {contents: text, loader: 'js'};
			});
		}
	},
};

// What dependencies use node:assert for (yargs' invariants, signal-exit's callback check) costs
// ~3.5 ms of every start to load; scripts/dependency-assert.mjs does the same checks.
const dependencyAssert = {
	name: 'dependency-assert',
	setup(build) {
		build.onResolve({filter: /^assert$/}, ({importer}) => (/node_modules[\\/](yargs|signal-exit)[\\/]/.test(importer) ? {path: resolve('scripts/dependency-assert.mjs')} : undefined));
	},
};

// terminal-size asks tput or resize only when stdout is no terminal, but its static import loads
// node:child_process (with net and dgram) into every start of the screen: ~3.5 ms.
const TERMINAL_SIZE_IMPORT = "import {execFileSync} from 'node:child_process';";
const lazyChildProcess = {
	name: 'lazy-child-process',
	setup(build) {
		build.onLoad({filter: /node_modules[\\/]terminal-size[\\/]index\.js$/}, ({path}) => {
			const text = readFileSync(path, 'utf8');
			if (text.split(TERMINAL_SIZE_IMPORT).length !== 2) throw new Error(`${path}: its child_process import changed; look again at the lazy-child-process plugin`);
			return {contents: text.replace(TERMINAL_SIZE_IMPORT, "const execFileSync = (...args) => require('node:child_process').execFileSync(...args);"), loader: 'js'};
		});
	},
};

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
			// Idle memory: V8 lets the young generation grow to 2 x 16 MiB (~32 MiB of RSS) under
			// leaktop's per-tick garbage, and then lets the old generation fill with what gets
			// promoted. --max-semi-space-size works only on the command line (set here it changes
			// nothing; a shebang with `env -S` fails on coreutils < 8.30), but these two are read at
			// every GC, so they work from here: new space stays at its initial 2 x 1 MiB, and the old
			// generation grows 20% past what survived the last full GC. Measured at 1000 processes,
			// 1 s ticks: RSS 126-150 -> 96 MiB, for 1-2% more of a core in scavenges (395 ms per 30 s
			// instead of 106), which shrinks as the per-tick garbage does.
			"import {setFlagsFromString as __leaktopV8Flags} from 'node:v8';",
			"__leaktopV8Flags('--semi-space-growth-factor=1');",
			"__leaktopV8Flags('--heap-growing-percent=20');",
			'const require = __leaktopCreateRequire(import.meta.url);',
			// Ink decides at import time to draw nothing while CI is set. A person at a terminal
			// wants a screen whatever their environment says; cli.tsx puts the variables back (every
			// chunk carries this banner, so it runs again when the screen's chunk loads).
			'globalThis.__leaktopCiEnv = {CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION};',
			'if (process.stdout.isTTY) { delete process.env.CI; delete process.env.CONTINUOUS_INTEGRATION; }',
		].join('\n'),
	},
	plugins: [yogaWithoutFetch, inkOwn, lazyUnicode, dependencyAssert, lazyChildProcess],
	logLevel: 'warning',
});
chmodSync(outfile, 0o755);
