// Preloaded by scripts/build.mjs (node --import) into the one run of the built `leaktop` that makes
// dist/program.cache: the live view is drawn as on a 120x40 terminal (into the build's /dev/null),
// through its first frame and the frame after the first scan of /proc, and then ended by SIGTERM as a
// person's would be. What V8 compiled by then is what the cache holds.
const FRAMES = 2;
const SETTLE_MS = 300;
const GIVE_UP_MS = 20_000;

process.stdout.isTTY = true;
process.stdout.columns = 120;
process.stdout.rows = 40;
process.stdin.isTTY = true;
process.stdin.setRawMode = () => process.stdin;

let frames = 0;
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
	// A frame of the live view: the memory panel's header row.
	if (/Mem\S*\s+(\S+\s+)?total/.test(String(chunk).replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ' ')) && ++frames === FRAMES) {
		setTimeout(() => process.kill(process.pid, 'SIGTERM'), SETTLE_MS);
	}
	return write(chunk, ...rest);
};
setTimeout(() => {
	process.stderr.write(`code cache warm-up: ${frames} of ${FRAMES} frames drawn in ${GIVE_UP_MS} ms\n`);
	process.exit(3);
}, GIVE_UP_MS).unref();
