import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {mkdirSync, rmdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {after, describe, it} from 'node:test';
import {detectCgroupHierarchy, readCgroups, type CgroupSample} from '../../source/probe/cgroup.js';
import {cgroupOfPid} from '../../source/probe/cgroupContainer.js';
import {Files} from '../../source/probe/files.js';

const files = new Files();
const hierarchy = detectCgroupHierarchy(files);
const rootDir = hierarchy.ok ? hierarchy.value.rootDir : null;
const version = hierarchy.ok ? hierarchy.value.version : null;
const skip = process.getuid?.() !== 0 ? 'needs root to create a cgroup' : rootDir === null ? 'no memory cgroup hierarchy here' : false;

const LIMIT_BYTES = 256 * 1024 * 1024;
const MIB = 1024 * 1024;
// 1 MiB every 50 ms, filled so every page is touched and charged.
const LEAK = 'const kept = []; setInterval(() => kept.push(Buffer.alloc(1 << 20, 7)), 50);';

describe('readCgroups on this machine', {skip}, () => {
	const name = `leaktop-test-${process.pid}-${Date.now().toString(36)}`;
	const dir = join(rootDir ?? '/nonexistent', name);
	let child: ChildProcess | undefined;

	async function cleanUp() {
		if (child && child.exitCode === null && child.signalCode === null) {
			const exited = once(child, 'exit');
			child.kill('SIGKILL');
			await exited;
		}
		child = undefined;
		// The cgroup is busy until the killed child has been reaped; retry briefly.
		for (let attempt = 0; attempt < 50; attempt++) {
			try {
				rmdirSync(dir);
				return;
			} catch (error) {
				const code = (error as NodeJS.ErrnoException).code;
				if (code === 'ENOENT') return;
				await sleep(20);
			}
		}
	}

	after(cleanUp);

	it('sees a leaking child in a limited cgroup: usage grows, the limit matches', async () => {
		try {
			mkdirSync(dir);
			writeFileSync(join(dir, version === 2 ? 'memory.max' : 'memory.limit_in_bytes'), String(LIMIT_BYTES));
			// The shell joins the cgroup before exec'ing node, so every page node touches is charged there.
			child = spawn('sh', ['-c', 'echo $$ > "$1/cgroup.procs" && exec "$2" -e "$3"', 'sh', dir, process.execPath, LEAK], {stdio: 'ignore'});
			const path = `/${name}`;
			const find = (): CgroupSample | undefined => {
				const reading = readCgroups(files);
				assert.ok(reading.ok, JSON.stringify(reading));
				return reading.value.cgroups.find(cgroup => cgroup.path === path);
			};

			await sleep(300);
			const first = find();
			assert.ok(first, `${path} not listed`);
			assert.equal(first.limitBytes, LIMIT_BYTES);
			assert.deepEqual(first.unreadable, {});
			const pidCgroup = cgroupOfPid(files, child.pid!, hierarchy.ok ? hierarchy.value : undefined);
			assert.deepEqual(pidCgroup.ok && pidCgroup.value.path, path);

			let latest = first;
			for (let waited = 0; waited < 10_000 && (latest.usageBytes ?? 0) < (first.usageBytes ?? 0) + 16 * MIB; waited += 100) {
				await sleep(100);
				latest = find() ?? latest;
			}
			assert.ok((latest.usageBytes ?? 0) >= (first.usageBytes ?? 0) + 16 * MIB, `usage ${first.usageBytes} → ${latest.usageBytes}`);
			assert.ok((latest.usageBytes ?? 0) < LIMIT_BYTES);
			assert.ok((latest.stat?.anonBytes ?? 0) >= 16 * MIB, `anon ${latest.stat?.anonBytes}`);
			assert.ok((latest.peakBytes ?? 0) >= (latest.usageBytes ?? 0) - MIB);
			assert.equal(latest.limitBytes, LIMIT_BYTES);
			assert.equal(latest.events?.oomKill, 0);
		} finally {
			await cleanUp();
		}
	});
});
