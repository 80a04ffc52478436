// One bundled program: startup on a struggling box is dominated by loading and compiling code. The
// program is a classic script with a V8 code cache (source/launch.ts), which ES modules cannot have
// in Node 20; the plugins below take out what a classic script cannot hold (top-level awaits).
import {build, transform} from 'esbuild';
import {spawnSync} from 'node:child_process';
import {chmodSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {dirname, resolve} from 'node:path';

// yoga-layout starts its WASM with a top-level await (an async instantiate), which a classic script
// cannot hold. Emscripten lets the embedder instantiate instead: the bytes compile and instantiate
// synchronously (Node allows any size), the loader's own base64 data: URL (and its fetch, which
// loaded Node's undici: ~45 ms, ~2 MiB) is never used and is left out of the bundle, and the module
// has run its constructors when loadYoga() returns.
const YOGA_AWAIT = 'const Yoga = wrapAssembly(await loadYoga());';
const YOGA_DATA_URL = /"data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)"/;
const YOGA_INSTANTIATE = 'if(h.instantiateWasm)try{return h.instantiateWasm(';
const yogaSync = {
	name: 'yoga-sync',
	setup(build) {
		build.onLoad({filter: /yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/}, ({path}) => {
			const text = readFileSync(path, 'utf8');
			if (text.match(new RegExp(YOGA_DATA_URL, 'g'))?.length !== 1 || text.split(YOGA_INSTANTIATE).length !== 2) throw new Error(`${path}: the wasm loader changed; look again at the yoga-sync plugin`);
			return {contents: text.replace(YOGA_DATA_URL, '""').replace('import.meta.url', 'undefined'), loader: 'js'};
		});
		build.onLoad({filter: /yoga-layout[\\/]dist[\\/]src[\\/]index\.js$/}, ({path}) => {
			const text = readFileSync(path, 'utf8');
			if (text.split(YOGA_AWAIT).length !== 2) throw new Error(`${path}: yoga no longer starts with "${YOGA_AWAIT}"; look again at the yoga-sync plugin`);
			const start = [
				"import {yogaWasmBase64} from 'leaktop:yoga-wasm';",
				'const yogaModule = {',
				'\tinstantiateWasm(imports, started) {',
				"\t\tstarted(new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(yogaWasmBase64, 'base64')), imports));",
				'\t\treturn {};',
				'\t},',
				'};',
				'loadYoga(yogaModule);',
				"if (!yogaModule.calledRun) throw new Error('yoga-layout did not start synchronously');",
				'const Yoga = wrapAssembly(yogaModule);',
			].join('\n');
			return {contents: text.replace(YOGA_AWAIT, start), loader: 'js', resolveDir: dirname(path)};
		});
		build.onResolve({filter: /^leaktop:yoga-wasm$/}, () => ({path: 'yoga-wasm', namespace: 'leaktop'}));
		build.onLoad({filter: /^yoga-wasm$/, namespace: 'leaktop'}, () => {
			const binary = YOGA_DATA_URL.exec(readFileSync('node_modules/yoga-layout/dist/binaries/yoga-wasm-base64-esm.js', 'utf8'))[1];
			return {contents: `export const yogaWasmBase64 = ${JSON.stringify(binary)};`, loader: 'js'};
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

// Ink's reconciler awaits its devtools (only when DEV is set) at the top level; a require() of the
// same module does the same in a classic script (the devtools are a stub, see below). The package.json
// it then reads for devtools is not in the bundle: its name and version are written in.
const INK_DEVTOOLS_IMPORT = "await import('./devtools.js');";
const INK_PACKAGE_JSON = /isDev\(\)\s*\?\s*await loadPackageJson\(\)\s*:/;
const inkWithoutAwait = {
	name: 'ink-without-await',
	setup(build) {
		build.onLoad({filter: /node_modules[\\/]ink[\\/]build[\\/]reconciler\.js$/}, ({path}) => {
			const text = readFileSync(path, 'utf8');
			if (text.split(INK_DEVTOOLS_IMPORT).length !== 2 || !INK_PACKAGE_JSON.test(text)) throw new Error(`${path}: its top-level awaits changed; look again at the ink-without-await plugin`);
			const contents = text.replace(INK_DEVTOOLS_IMPORT, "require('./devtools.js');").replace(INK_PACKAGE_JSON, `isDev() ? {name: 'ink', version: '${INK_VERSION}'} :`);
			return {contents, loader: 'js', resolveDir: dirname(path)};
		});
	},
};

// Ink decides as it loads to draw nothing while CI is set, and a person at a terminal wants a screen
// whatever their environment says. The program's banner keeps the variables and hides them while its
// first modules load, main() puts them back; the screen's modules load later (they are initialised
// only on the way to the screen), so they hide them again first, and cli.tsx puts them back for perf
// and other children once the screen has loaded.
const HIDE_CI = 'if (process.stdout.isTTY) { delete process.env.CI; delete process.env.CONTINUOUS_INTEGRATION; }';
const screenWithoutCi = {
	name: 'screen-without-ci',
	setup(build) {
		build.onLoad({filter: /source[\\/]ui[\\/]run\.tsx$/}, ({path}) => ({contents: `import 'leaktop:hide-ci';\n${readFileSync(path, 'utf8')}`, loader: 'tsx'}));
		build.onResolve({filter: /^leaktop:hide-ci$/}, () => ({path: 'hide-ci', namespace: 'leaktop'}));
		build.onLoad({filter: /^hide-ci$/, namespace: 'leaktop'}, () => ({contents: HIDE_CI, loader: 'js'}));
	},
};

// Unicode tables that dependencies build as they are imported, though most runs never use them: the
// first Intl.Segmenter loads ICU's break data (~20 ms) and string-width's \p{RGI_Emoji} compiles in
// ~34 ms, in every command (yargs' help layout imports string-width). Each is built on first use.
// (esbuild takes the first onLoad that answers: the nested string-width 7 comes before the top one.)
// The screen tokenizes the SGR codes it meets through ansi-tokenize, whose loop over graphemes made
// the first frame load ICU's break data (~20 ms) for text that is all ASCII: there every character
// is a grapheme of its own (only CR LF joins, UAX #29), so such text is split without the Segmenter.
const LAZY = [
	{file: /node_modules[\\/](wrap-ansi|cliui)[\\/]node_modules[\\/]string-width[\\/]index\.js$/, names: ['segmenter']},
	{file: /node_modules[\\/]string-width[\\/]index\.js$/, names: ['segmenter', 'rgiEmojiRegex']},
	{file: /node_modules[\\/]@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]tokenize\.js$/, names: ['segmenter'], asciiGraphemes: true},
	{file: /node_modules[\\/]slice-ansi[\\/]tokenize-ansi\.js$/, names: ['GRAPHEME_SEGMENTER']},
];
const lazyUnicode = {
	name: 'lazy-unicode',
	setup(build) {
		for (const {file, names, asciiGraphemes} of LAZY) {
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
					const built = `(${name}$built ??= ${declaration[1]}).${method}(text)`;
					// The ASCII split is an array: enough where the segments are only iterated.
					if (asciiGraphemes && code.split(`of ${name}.segment(`).length - 1 !== calls) throw new Error(`${path}: ${name}'s segments are not only iterated; look again at the lazy-unicode plugin`);
					const standIn = asciiGraphemes ? `/^[\\0-\\x7f]*$/.test(text) && !text.includes('\\r\\n') ? Array.from(text, (segment, index) => ({segment, index, input: text})) : ${built}` : built;
					text = text.replace(declaration[0], `let ${name}$built;\nconst ${name} = {${method}: text => ${standIn}};`);
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

rmSync('dist', {recursive: true, force: true});

// The program: every command in one classic script (source/launch.ts explains why), initialised lazily
// where the sources import lazily (the screen, perf tracing): snapshot, batch, record and report
// never run Ink, React or yoga.
const program = 'dist/program.js';
await build({
	entryPoints: ['source/cli.tsx'],
	outfile: program,
	bundle: true,
	platform: 'node',
	format: 'cjs',
	target: 'node20',
	minify: false,
	legalComments: 'none',
	define: {'process.env.NODE_ENV': '"production"', 'import.meta.url': '__leaktopUrl'},
	// Ink imports react-devtools-core only when DEV is set; never ship it.
	alias: {'react-devtools-core': './scripts/devtools-stub.mjs'},
	// One function expression, called by dist/cli.js with the program's require and URL; strict, as
	// the ES modules it was made of were.
	banner: {js: ["(function (require, __leaktopUrl) {'use strict';", 'globalThis.__leaktopCiEnv = {CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION};', HIDE_CI].join('\n')},
	footer: {js: '})'},
	plugins: [yogaSync, inkOwn, inkWithoutAwait, screenWithoutCi, lazyUnicode, dependencyAssert, lazyChildProcess],
	logLevel: 'warning',
});
const programText = readFileSync(program, 'utf8');
// vm.Script runs the program without a module loader behind import(): none may be left.
const dynamicImports = programText.match(/\bimport\(/g)?.length ?? 0;
if (dynamicImports > 0) throw new Error(`${program}: ${dynamicImports} import() left; bundle them or require() them`);
// The launcher reads an all-ASCII program as Latin-1 (~1 ms) instead of decoding UTF-8 (~12 ms for
// 1.9 MB). esbuild escapes non-ASCII characters in code; those left are in comments ('µs', '≥'), and
// become \u{...} there. Minified without comments, the program must read the same after that.
const asciiText = programText.replace(/[^\0-\x7f]/gu, character => `\\u{${character.codePointAt(0).toString(16)}}`);
if (asciiText !== programText) {
	const [before, after] = await Promise.all([programText, asciiText].map(code => transform(code, {minifyWhitespace: true, legalComments: 'none'})));
	if (before.code !== after.code) throw new Error(`${program}: non-ASCII characters outside comments; the launcher reads it as Latin-1`);
	writeFileSync(program, asciiText);
}

// The launcher is CommonJS (dist/package.json says so for dist/): Node starts a CommonJS main ~7 ms
// sooner than an ES module one, which goes through the ESM loader.
const launcher = 'dist/cli.js';
writeFileSync('dist/package.json', `${JSON.stringify({type: 'commonjs'}, null, '\t')}\n`);
await build({
	entryPoints: ['source/launch.ts'],
	outfile: launcher,
	bundle: true,
	platform: 'node',
	format: 'cjs',
	target: 'node20',
	define: {'import.meta.url': '__leaktopLauncherUrl'},
	banner: {js: "#!/usr/bin/env node\nconst __leaktopLauncherUrl = require('node:url').pathToFileURL(__filename).href;"},
	logLevel: 'warning',
});
chmodSync(launcher, 0o755);

// The installed command. leaktop opens no TLS connection, but node reads the bundle NODE_EXTRA_CA_CERTS
// names at every start, before any JavaScript runs (~80 ms for Debian's 140 certificates): node
// starts without it, and the launcher puts it back for the programs leaktop starts.
// --v8-pool-size=1: one V8 worker thread instead of four. Each worker that ran concurrent marking or
// compilation kept a glibc malloc arena of its own (7-12 MiB of RSS in all, 2 with one worker): the
// live view's RSS at 140 s fell by ~8-9 MiB at ~1000 processes and ~4 at ~5000 (medians of 3, in
// two sets of A/B runs), its CPU within their noise. It is Node's option, not V8's: the code cache
// is still accepted (V8 checks only its own flags), and node's children do not inherit it.
const command = 'dist/leaktop';
writeFileSync(
	command,
	[
		'#!/bin/sh',
		'# leaktop: runs node (one V8 worker thread) on cli.js next to this file (npm links to it), without NODE_EXTRA_CA_CERTS (see scripts/build.mjs).',
		'self=$(readlink -f "$0") || self=$0',
		'if [ -n "${NODE_EXTRA_CA_CERTS+set}" ]; then',
		'\texport LEAKTOP_NODE_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS"',
		'\tunset NODE_EXTRA_CA_CERTS',
		'fi',
		'exec node --v8-pool-size=1 "${self%/*}/cli.js" "$@"',
		'',
	].join('\n'),
);
chmodSync(command, 0o755);

// The code cache: one start of the live view, drawn into /dev/null, and what it compiled (see
// scripts/code-cache-warmup.mjs). Made by this node, for this node: another version, or V8 flags in
// NODE_OPTIONS, make V8 reject it and compile as before. A run that fails leaves no cache (the
// program works without one) and says why.
const cache = 'dist/program.cache';
const {NODE_OPTIONS: _nodeOptions, ...environment} = process.env;
const warmUp = spawnSync(process.execPath, ['--import', './scripts/code-cache-warmup.mjs', launcher], {
	env: {...environment, CI: 'false', LEAKTOP_DEBUG: '1', LEAKTOP_WRITE_CODE_CACHE: cache},
	stdio: ['pipe', 'ignore', 'pipe'],
	encoding: 'utf8',
	timeout: 60_000,
});
if (warmUp.status === 0) {
	const check = spawnSync(process.execPath, [launcher, '--version'], {env: {...environment, LEAKTOP_DEBUG: '1'}, encoding: 'utf8'});
	if (check.status !== 0 || check.stderr !== '') throw new Error(`${launcher} --version with ${cache}: exit code ${check.status}\n${check.stderr}`);
} else {
	rmSync(cache, {force: true});
	process.stderr.write(`build: no ${cache}: the live view's run to make it ended with ${warmUp.error ?? (warmUp.signal || `exit code ${warmUp.status}`)}\n${warmUp.stderr}`);
}
