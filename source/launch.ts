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
import {setFlagsFromString} from 'node:v8';
import {Script} from 'node:vm';

// Idle memory: V8 lets the young generation grow to 2 x 16 MiB (~32 MiB of RSS) under leaktop's
// per-tick garbage, and then lets the old generation fill with what gets promoted.
// --max-semi-space-size works only on the command line (set here it changes nothing; a shebang with
// `env -S` fails on coreutils < 8.30), but these two are read at every GC, so they work from here:
// new space stays at its initial 2 x 1 MiB, and the old generation grows 20% past what survived the
// last full GC. Measured at 1000 processes, 1 s ticks: RSS 126-150 -> 96 MiB, for 1-2% more of a
// core in scavenges. They are set before the program is compiled: V8 accepts a code cache only
// under the flags it was made with.
setFlagsFromString('--semi-space-growth-factor=1');
setFlagsFromString('--heap-growing-percent=20');

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

// Set by scripts/build.mjs for the one run that makes the cache: what that run compiled, at its end.
const cacheOut = process.env.LEAKTOP_WRITE_CODE_CACHE;
if (cacheOut) {
	process.once('exit', () => {
		writeFileSync(`${cacheOut}.${process.pid}`, script.createCachedData());
		renameSync(`${cacheOut}.${process.pid}`, cacheOut);
	});
}

(script.runInThisContext() as Program)(createRequire(programUrl), programUrl.href);
