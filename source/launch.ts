// The installed `leaktop` (dist/cli.js): runs dist/program.js, the whole program bundled as one
// classic script, with the V8 code cache the build made of it next to it (dist/program.cache).
// Node 20 caches no compiled code for ES modules, and before this the first frame spent ~100 ms
// compiling: the bundle and the screen's chunk as they loaded, then every function of React, Ink
// and leaktop as the first frame first called it. With the cache V8 deserialises the functions that
// one start of the live view compiled. V8 checks the cache itself (its version, the flags, the
// source) and compiles as usual when it does not fit; nothing here writes to it unless asked.
import {isAscii} from 'node:buffer';
import {readFileSync, renameSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';
import {Script} from 'node:vm';

// dist/leaktop started node without the CA bundle (it costs every start ~80 ms); children get it back.
if (process.env.LEAKTOP_NODE_EXTRA_CA_CERTS !== undefined) {
	process.env.NODE_EXTRA_CA_CERTS = process.env.LEAKTOP_NODE_EXTRA_CA_CERTS;
	delete process.env.LEAKTOP_NODE_EXTRA_CA_CERTS;
}

/** The bundle's wrapper: the `require` its CommonJS dependencies and node: imports use, and its own URL (import.meta.url in the sources). */
type Program = (require: NodeRequire, url: string) => void;

const programUrl = new URL('program.js', import.meta.url);
const programPath = fileURLToPath(programUrl);
const cachePath = fileURLToPath(new URL('program.cache', import.meta.url));

let cachedData: Buffer | undefined;
try {
	cachedData = readFileSync(cachePath);
} catch {
	// No cache (a build that could not make one): V8 compiles the program as it runs.
}
// The build makes the program all ASCII, which reads as Latin-1 in ~1 ms; decoding it as UTF-8 takes ~12.
const programBytes = readFileSync(programPath);
const programText = isAscii(programBytes) ? programBytes.toString('latin1') : programBytes.toString('utf8');
const script = new Script(programText, {filename: programPath, cachedData});
if (process.env.LEAKTOP_DEBUG && cachedData && script.cachedDataRejected) process.stderr.write(`leaktop: V8 rejected ${cachePath} (made by another node, or under other V8 flags); compiling without it\n`);

// Idle memory: V8 lets the young generation grow to 2 x 16 MiB (~32 MiB of RSS) under leaktop's
// per-tick garbage, and then lets the old generation fill with what gets promoted.
// --max-semi-space-size works only on the command line (and the run that makes the code cache would
// need it too), but these are read at every GC, so they work when set at run time: new space grows
// no further, the old generation grows 20% past what survived the last full GC, and every full GC
// compacts the old generation. Without the compaction its pages filled with holes: at ~5000
// processes 23 -> 33 MiB of pages over two minutes for ~20 MiB live. It copies what is live in the
// old generation once per full GC (every ~20 s at ~5000 processes). Measured at 1000 processes, 1 s
// ticks: RSS 126-150 -> 96 MiB with the first two, for 1-2% more of a core in scavenges; the
// compaction then took RSS at 140 s from ~75 to ~70 MiB at ~1000 processes and from ~93 to ~83 at
// ~5000 (median of 3), its CPU within the noise of A/B runs. They are set once the first frame is
// out: before it they cost ~30 ms of GC (a start allocates far more than a tick), and node:v8 takes
// ~5 ms to load. V8 accepts a code cache only under the flags it was made with, which are therefore
// V8's defaults, as they are at compile time.
const IDLE_HEAP_FLAGS = [
	{idle: '--semi-space-growth-factor=1', v8Default: '--semi-space-growth-factor=2'},
	{idle: '--heap-growing-percent=20', v8Default: '--heap-growing-percent=0'},
	{idle: '--compact-on-every-full-gc', v8Default: '--no-compact-on-every-full-gc'},
];
const setHeapFlags = (value: 'idle' | 'v8Default') => {
	const {setFlagsFromString} = process.getBuiltinModule('node:v8');
	for (const flag of IDLE_HEAP_FLAGS) setFlagsFromString(flag[value]);
};

// Set by scripts/build.mjs for the one run that makes the cache: what that run compiled, at its end.
const cacheOut = process.env.LEAKTOP_WRITE_CODE_CACHE;
if (cacheOut) {
	process.once('exit', () => {
		setHeapFlags('v8Default');
		writeFileSync(`${cacheOut}.${process.pid}`, script.createCachedData());
		renameSync(`${cacheOut}.${process.pid}`, cacheOut);
	});
}

(script.runInThisContext() as Program)(createRequire(programUrl), programUrl.href);
// The live view draws its first frame in the run above and the promise jobs after it (a terminal
// is written synchronously); its first scan of /proc is the next immediate after this one.
setImmediate(() => setHeapFlags('idle'));
