import assert from 'node:assert/strict';
import {spawn, execFileSync, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {performance} from 'node:perf_hooks';
import {after, describe, it} from 'node:test';
import fc from 'fast-check';
import {Files} from '../../source/probe/files.js';
import {diffMappings, mappingKey, mappingKind, parseSmaps, readSmaps, SmapsParser, type Mapping, type SmapsTotals} from '../../source/probe/smaps.js';
import {fixturePath} from '../helpers/fixtures.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const fixtureFiles = (options: ConstructorParameters<typeof Files>[0] = {}) => new Files({procRoot: fixturePath('smaps'), ...options});
/** A python3 process captured on this machine with a memfd, shared anonymous memory, a deleted temp file and a 1 MiB anonymous mapping half touched. */
const CAPTURED = 12515;
/** The same smaps cut inside its last mapping ([vsyscall]), mid-line. */
const TRUNCATED = 12516;
const KTHREAD = 2;
const capturedText = readFileSync(fixturePath('smaps', String(CAPTURED), 'smaps'), 'utf8');

/** pmap -x's `total kB  Kbytes RSS Dirty` line, as numbers of KiB. */
function pmapTotal(text: string): {kbytes: number; rss: number; dirty: number} {
	const match = /^total kB\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(text);
	assert.ok(match, `no total line in pmap output:\n${text}`);
	return {kbytes: Number(match[1]), rss: Number(match[2]), dirty: Number(match[3])};
}

function asPmap(totals: SmapsTotals): {kbytes: number; rss: number; dirty: number} {
	return {kbytes: totals.sizeBytes / KiB, rss: totals.rssBytes / KiB, dirty: totals.dirtyBytes / KiB};
}

describe('smaps of a real process (fixture)', () => {
	const reading = readSmaps(fixtureFiles(), CAPTURED);
	assert.ok(reading.ok, JSON.stringify(reading));
	const {mappings, totals} = reading.value;
	const byPath = (path: string) => mappings.find(m => m.path === path)!;

	it('reads every mapping and totals that agree with pmap -x captured at the same moment', () => {
		assert.equal(mappings.length, 124);
		assert.equal(reading.value.truncated, false);
		assert.equal(reading.value.badLines, 0);
		assert.equal(reading.value.bytes, Buffer.byteLength(capturedText));
		assert.deepEqual(asPmap(totals), pmapTotal(readFileSync(fixturePath('smaps', `pmap-x-${CAPTURED}.txt`), 'utf8')));
		assert.equal(totals.mappings, 124);
		assert.equal(totals.pssBytes, 12848 * KiB);
		assert.equal(totals.anonymousBytes, 7656 * KiB);
		assert.equal(totals.sharedCleanBytes, 2088 * KiB);
		assert.equal(totals.privateCleanBytes, 4852 * KiB);
		assert.equal(totals.ussBytes, (4852 + 7668) * KiB);
		assert.equal(totals.swapBytes, 0);
	});

	it('a mapping: header fields as printed, sizes in bytes', () => {
		const heap = byPath('[heap]');
		assert.deepEqual(heap, {
			key: '[heap]',
			start: '564482402000',
			end: '5644825af000',
			perms: 'rw-p',
			offset: '00000000',
			dev: '00:00',
			inode: 0,
			path: '[heap]',
			kind: 'heap',
			deleted: false,
			sizeBytes: 1716 * KiB,
			rssBytes: 1636 * KiB,
			pssBytes: 1636 * KiB,
			sharedCleanBytes: 0,
			sharedDirtyBytes: 0,
			privateCleanBytes: 0,
			privateDirtyBytes: 1636 * KiB,
			anonymousBytes: 1636 * KiB,
			swapBytes: 0,
			swapPssBytes: 0,
			lockedBytes: 0,
		});
		const arena = mappings.find(m => m.start === '7fb9a7dd9000')!;
		assert.equal(arena.path, '', 'trailing spaces after the inode are no path');
		assert.equal(arena.kind, 'anon');
		assert.equal(arena.key, '7fb9a7dd9000 ');
		assert.equal(arena.sizeBytes, MiB);
		assert.equal(arena.rssBytes, 512 * KiB);
	});

	it('kinds: shared memory, deleted files, singletons, and the vsyscall page above 2^53', () => {
		assert.equal(byPath('/memfd:leaktop-test (deleted)').kind, 'shmem');
		assert.equal(byPath('/dev/zero (deleted)').kind, 'shmem', 'MAP_SHARED|MAP_ANONYMOUS');
		const tmp = mappings.find(m => m.path.startsWith('/tmp/'))!;
		assert.equal(tmp.kind, 'file');
		assert.equal(tmp.deleted, true);
		assert.equal(tmp.inode, 2147029);
		assert.equal(tmp.dev, 'fe:00');
		assert.equal(byPath('[stack]').kind, 'stack');
		assert.equal(byPath('[stack]').key, '[stack]', 'the stack grows down: its start is no identity');
		assert.equal(byPath('[vdso]').kind, 'vdso');
		assert.equal(byPath('[vvar]').kind, 'vvar');
		assert.equal(byPath('[vvar_vclock]').kind, 'vvar');
		const vsyscall = byPath('[vsyscall]');
		assert.equal(vsyscall.kind, 'vsyscall');
		assert.equal(vsyscall.start, 'ffffffffff600000');
		assert.equal(vsyscall.end, 'ffffffffff601000');
		assert.equal(byPath('/usr/lib/x86_64-linux-gnu/libc.so.6').kind, 'file');
		assert.equal(new Set(mappings.map(m => m.key)).size, mappings.length, 'keys are unique');
	});

	it('the streaming reader and parseSmaps on the whole string agree', () => {
		const parsed = parseSmaps(capturedText);
		assert.deepEqual(parsed.mappings, mappings);
		assert.deepEqual(parsed.totals, totals);
	});
});

describe('smaps edge cases', () => {
	it('a read torn inside the last mapping drops that mapping and says so', () => {
		const reading = readSmaps(fixtureFiles(), TRUNCATED);
		assert.ok(reading.ok);
		assert.equal(reading.value.truncated, true);
		assert.equal(reading.value.mappings.length, 123);
		assert.equal(reading.value.mappings.at(-1)!.path, '[stack]');
		assert.equal(reading.value.totals.sizeBytes, (18120 - 4) * KiB, 'all but the 4 kB vsyscall page');
		assert.equal(reading.value.totals.rssBytes, 14608 * KiB);
	});

	it('a text cut exactly between mappings is whole; cut right after a header it is torn', () => {
		const lines = capturedText.split('\n');
		const headers = lines.flatMap((line, index) => (/^[0-9a-f]+-/.test(line) ? [index] : []));
		const atBoundary = parseSmaps(lines.slice(0, headers[10]).join('\n') + '\n');
		assert.equal(atBoundary.mappings.length, 10);
		assert.equal(atBoundary.truncated, false);
		const afterHeader = parseSmaps(lines.slice(0, headers[10]! + 1).join('\n') + '\n');
		assert.equal(afterHeader.mappings.length, 10);
		assert.equal(afterHeader.truncated, true);
		const noNewline = parseSmaps(capturedText.slice(0, -1));
		assert.equal(noNewline.mappings.length, 123, 'the last line without \\n is a torn read');
	});

	it('a kernel thread has an empty smaps: EMPTY, not zeros', () => {
		const reading = readSmaps(fixtureFiles(), KTHREAD);
		assert.equal(reading.ok, false);
		assert.ok(!reading.ok && reading.reason === 'EMPTY');
	});

	it('no such pid → ENOENT; not root → EACCES; exited mid-read → ESRCH', () => {
		const missing = readSmaps(fixtureFiles(), 999999);
		assert.ok(!missing.ok && missing.reason === 'ENOENT');
		const denied = readSmaps(fixtureFiles({deny: path => (path.endsWith('/smaps') ? 'EACCES' : undefined)}), CAPTURED);
		assert.ok(!denied.ok && denied.reason === 'EACCES');
		const exited = readSmaps(fixtureFiles({deny: () => 'ESRCH'}), CAPTURED);
		assert.ok(!exited.ok && exited.reason === 'ESRCH');
	});

	it('garbage lines are counted and skipped; a value in another unit is not taken for kB', () => {
		const lines = capturedText.split('\n');
		lines.splice(3, 0, 'this is not smaps', 'Rss: lots');
		const text = lines.join('\n').replace('Size:               1716 kB', 'Size:               1716 MB');
		const parsed = parseSmaps(text);
		assert.equal(parsed.badLines, 3);
		assert.equal(parsed.mappings.length, 124);
		assert.equal(parsed.mappings.find(m => m.path === '[heap]')!.sizeBytes, 0);
		assert.equal(parseSmaps('Rss: 4 kB\n').badLines, 1, 'a field before any header');
		assert.deepEqual(parseSmaps('').mappings, []);
	});

	it('kinds from paths the fixture does not have', () => {
		const cases: Array<[string, string, Mapping['kind']]> = [
			['', 'rw-s', 'shmem'],
			['/SYSV00000000 (deleted)', 'rw-s', 'shmem'],
			['/dev/shm/pulse-shm-1', 'r--s', 'shmem'],
			['[anon:libc_malloc]', 'rw-p', 'anon'],
			['[anon_shmem:jit]', 'rw-s', 'shmem'],
			['[stack:1234]', 'rw-p', 'stack'],
			['[uprobes]', 'r-xp', 'other'],
			['anon_inode:[perf_event]', 'r--s', 'other'],
		];
		for (const [path, perms, kind] of cases) assert.equal(mappingKind(path, perms), kind, path);
		assert.equal(mappingKey('7f00', '[uprobes]'), '[uprobes]');
		assert.equal(mappingKey('7f00', '/usr/lib/libc.so.6'), '7f00 /usr/lib/libc.so.6');
	});

	it('never throws, whatever the lines; totals always sum the mappings returned', () => {
		const realLines = capturedText.split('\n').slice(0, 120);
		const line = fc.oneof(fc.string(), fc.constantFrom(...realLines), fc.constantFrom(...realLines).chain(l => fc.nat(l.length).map(n => l.slice(0, n))));
		fc.assert(
			fc.property(fc.array(line, {maxLength: 80}), lines => {
				const parser = new SmapsParser();
				for (const l of lines) parser.line(l);
				const parsed = parser.finish();
				assert.equal(parsed.totals.mappings, parsed.mappings.length);
				assert.equal(parsed.totals.rssBytes, parsed.mappings.reduce((sum, m) => sum + m.rssBytes, 0));
				for (const m of parsed.mappings) assert.ok(Number.isSafeInteger(m.sizeBytes) && m.sizeBytes >= 0);
			}),
			{numRuns: 300},
		);
	});
});

describe('diffMappings', () => {
	const {mappings} = parseSmaps(capturedText);

	it('new, gone and kept with deltas, matched by key', () => {
		const heap = mappings.find(m => m.path === '[heap]')!;
		const stack = mappings.find(m => m.path === '[stack]')!;
		const grownHeap = {...heap, end: '5644827af000', sizeBytes: heap.sizeBytes + 2 * MiB, rssBytes: heap.rssBytes + MiB, anonymousBytes: heap.anonymousBytes + MiB};
		const movedStack = {...stack, start: '7ffec912b000', key: mappingKey('7ffec912b000', '[stack]')};
		const fresh = {...heap, start: '7fb990000000', path: '', kind: 'anon' as const, key: mappingKey('7fb990000000', '')};
		const previous = mappings.filter(m => !m.path.startsWith('/memfd:'));
		const current = [...mappings.filter(m => m !== heap && m !== stack && !m.path.startsWith('/tmp/')), grownHeap, movedStack, fresh];
		const changes = diffMappings(previous, current);
		const byStatus = (status: string) => changes.filter(c => c.status === status);
		const memfd = mappings.find(m => m.path.startsWith('/memfd:'))!;
		assert.deepEqual(byStatus('new').map(c => c.key).sort(), [memfd.key, '7fb990000000 '].sort());
		assert.deepEqual(byStatus('gone').map(c => c.key), [mappings.find(m => m.path.startsWith('/tmp/'))!.key]);
		const heapChange = changes.find(c => c.key === '[heap]');
		assert.ok(heapChange?.status === 'kept');
		assert.equal(heapChange.sizeDeltaBytes, 2 * MiB);
		assert.equal(heapChange.rssDeltaBytes, MiB);
		assert.equal(heapChange.anonymousDeltaBytes, MiB);
		assert.equal(changes.find(c => c.key === '[stack]')?.status, 'kept', 'a stack that grew down is the same stack');
		assert.equal(changes.length, mappings.length + 1);
	});
});

describe('30,000 mappings (generated)', () => {
	const COUNT = 30_000;
	// One record as this kernel prints it, so the generated file costs what a real one does.
	const fields = (kib: {size: number; rss: number; anon: number; swap: number}) =>
		[
			`Size:           ${String(kib.size).padStart(8)} kB`,
			'KernelPageSize:        4 kB',
			'MMUPageSize:           4 kB',
			`Rss:            ${String(kib.rss).padStart(8)} kB`,
			`Pss:            ${String(kib.rss).padStart(8)} kB`,
			`Pss_Dirty:      ${String(kib.anon).padStart(8)} kB`,
			'Shared_Clean:          0 kB',
			'Shared_Dirty:          0 kB',
			`Private_Clean:  ${String(kib.rss - kib.anon).padStart(8)} kB`,
			`Private_Dirty:  ${String(kib.anon).padStart(8)} kB`,
			`Referenced:     ${String(kib.rss).padStart(8)} kB`,
			`Anonymous:      ${String(kib.anon).padStart(8)} kB`,
			'KSM:                   0 kB',
			'LazyFree:              0 kB',
			'AnonHugePages:         0 kB',
			'ShmemPmdMapped:        0 kB',
			'FilePmdMapped:         0 kB',
			'Shared_Hugetlb:        0 kB',
			'Private_Hugetlb:       0 kB',
			`Swap:           ${String(kib.swap).padStart(8)} kB`,
			`SwapPss:        ${String(kib.swap).padStart(8)} kB`,
			'Locked:                0 kB',
			'THPeligible:           0',
			'ProtectionKey:         0',
			'VmFlags: rd wr mr mw me ac ',
		].join('\n');
	const chunks: string[] = [];
	const expected = {size: 0, rss: 0, anon: 0, swap: 0, files: 0};
	let address = 0x7f0000000000;
	for (let i = 0; i < COUNT; i++) {
		const size = 4 * ((i % 16) + 1);
		const rss = Math.min(size, 4 * (i % 5));
		const anon = i % 3 === 0 ? 0 : rss;
		const swap = i % 7 === 0 ? 4 : 0;
		const path = anon === 0 ? `/usr/lib/x86_64-linux-gnu/lib${i}.so` : '';
		const start = address.toString(16);
		address += size * KiB;
		const end = address.toString(16);
		address += 4096;
		chunks.push(`${start}-${end} rw-p 00000000 ${path ? 'fe:00' : '00:00'} ${path ? 300000 + i : 0} ${path ? ' '.repeat(19) + path : ''}\n${fields({size, rss, anon, swap})}\n`);
		expected.size += size;
		expected.rss += rss;
		expected.anon += anon;
		expected.swap += swap;
		if (path) expected.files++;
	}
	const text = chunks.join('');
	const dir = mkdtempSync(join(tmpdir(), 'leaktop-smaps-'));
	after(() => rmSync(dir, {recursive: true, force: true}));

	it('parses every mapping with exact totals', t => {
		const started = performance.now();
		const parsed = parseSmaps(text);
		const parseMs = performance.now() - started;
		assert.equal(parsed.mappings.length, COUNT);
		assert.equal(parsed.badLines, 0);
		assert.equal(parsed.truncated, false);
		assert.equal(parsed.totals.sizeBytes, expected.size * KiB);
		assert.equal(parsed.totals.rssBytes, expected.rss * KiB);
		assert.equal(parsed.totals.anonymousBytes, expected.anon * KiB);
		assert.equal(parsed.totals.dirtyBytes, expected.anon * KiB);
		assert.equal(parsed.totals.swapBytes, expected.swap * KiB);
		assert.equal(parsed.mappings.filter(m => m.kind === 'file').length, expected.files);
		assert.equal(new Set(parsed.mappings.map(m => m.key)).size, COUNT);
		t.diagnostic(`parseSmaps: ${COUNT} mappings, ${(text.length / MiB).toFixed(1)} MiB in ${parseMs.toFixed(0)} ms`);
	});

	it('readSmaps streams the same file from a proc tree', t => {
		mkdirSync(join(dir, '4242'));
		writeFileSync(join(dir, '4242', 'smaps'), text);
		const reading = readSmaps(new Files({procRoot: dir}), 4242);
		assert.ok(reading.ok);
		assert.equal(reading.value.mappings.length, COUNT);
		assert.equal(reading.value.totals.rssBytes, expected.rss * KiB);
		assert.equal(reading.value.bytes, text.length);
		t.diagnostic(`readSmaps (file on tmpfs/disk): ${COUNT} mappings in ${reading.value.readMs.toFixed(0)} ms`);
	});
});

/** A python3 process driven line by line over stdin; it exits when stdin closes. */
function spawnPython(script: string): {child: ChildProcess; next: () => Promise<string>; kill: () => Promise<void>} {
	const child = spawn('python3', ['-c', script], {stdio: ['pipe', 'pipe', 'inherit']});
	let buffered = '';
	const waiting: Array<(line: string) => void> = [];
	child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
		buffered += chunk;
		for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
			const line = buffered.slice(0, nl);
			buffered = buffered.slice(nl + 1);
			waiting.shift()?.(line);
		}
	});
	return {
		child,
		next: () => new Promise(resolve => waiting.push(resolve)),
		kill: async () => {
			if (child.exitCode !== null || child.signalCode !== null) return;
			const exited = once(child, 'exit');
			child.kill('SIGKILL');
			await exited;
		},
	};
}

// 64 MiB of anonymous memory between two PROT_NONE guard pages (so the kernel cannot merge it
// with a neighbour and move its start), touched 8 MiB first, then 16 MiB more per stdin line.
const GROWER = String.raw`
import ctypes, mmap, sys
libc = ctypes.CDLL(None)
page = mmap.PAGESIZE
m = mmap.mmap(-1, (64 << 20) + 2 * page, flags=mmap.MAP_PRIVATE)
base = ctypes.addressof(ctypes.c_char.from_buffer(m))
libc.mprotect(ctypes.c_void_p(base), page, 0)
libc.mprotect(ctypes.c_void_p(base + page + (64 << 20)), page, 0)
touched = 0
def touch(n):
    global touched
    for i in range(touched, touched + n, page):
        m[page + i] = 1
    touched += n
touch(8 << 20)
print(hex(base + page), flush=True)
for line in sys.stdin:
    touch(16 << 20)
    print('grown', flush=True)
`;

// n anonymous pages, every other one read-only so none merge: n/2 + n/2 mappings.
const MANY = String.raw`
import ctypes, mmap, sys
libc = ctypes.CDLL(None)
n = int(sys.argv[1]) if len(sys.argv) > 1 else 30000
page = mmap.PAGESIZE
m = mmap.mmap(-1, page * n, flags=mmap.MAP_PRIVATE)
base = ctypes.addressof(ctypes.c_char.from_buffer(m))
for i in range(0, n, 2):
    libc.mprotect(ctypes.c_void_p(base + i * page), page, 1)
for i in range(1, n, 2):
    m[i * page] = 1
print('ready', flush=True)
sys.stdin.readline()
`;

const containing = (mappings: Mapping[], address: bigint) => mappings.find(m => BigInt(`0x${m.start}`) <= address && address < BigInt(`0x${m.end}`));

describe('readSmaps on live processes', () => {
	const files = new Files();
	const spawned: Array<{kill: () => Promise<void>}> = [];
	after(async () => {
		for (const child of spawned) await child.kill();
	});

	it('an anonymous mapping that a process touches grows between two reads, under the same key', async () => {
		const grower = spawnPython(GROWER);
		spawned.push(grower);
		const address = BigInt(await grower.next());
		const first = readSmaps(files, grower.child.pid!);
		assert.ok(first.ok, JSON.stringify(first));
		const before = containing(first.value.mappings, address);
		assert.ok(before, 'the mapping is there');
		assert.equal(before.kind, 'anon');
		assert.equal(before.perms, 'rw-p');
		assert.equal(before.sizeBytes, 64 * MiB);
		assert.ok(before.rssBytes >= 8 * MiB && before.rssBytes < 12 * MiB, `rss ${before.rssBytes}`);
		grower.child.stdin!.write('grow\n');
		assert.equal(await grower.next(), 'grown');
		const second = readSmaps(files, grower.child.pid!);
		assert.ok(second.ok);
		const change = diffMappings(first.value.mappings, second.value.mappings).find(c => c.key === before.key);
		assert.ok(change?.status === 'kept', 'same key in both samples');
		assert.equal(change.rssDeltaBytes, 16 * MiB);
		assert.equal(change.anonymousDeltaBytes, 16 * MiB);
		assert.equal(change.sizeDeltaBytes, 0);
		assert.ok(second.value.totals.rssBytes - first.value.totals.rssBytes >= 16 * MiB);
	});

	it('totals equal pmap -x of the same idle process: Kbytes, RSS and Dirty', async () => {
		const idle = spawnPython('import sys\nprint("ready", flush=True)\nsys.stdin.read()');
		spawned.push(idle);
		await idle.next();
		const pid = idle.child.pid!;
		const pmap = pmapTotal(execFileSync('pmap', ['-x', String(pid)], {encoding: 'utf8'}));
		const reading = readSmaps(files, pid);
		assert.ok(reading.ok);
		assert.deepEqual(asPmap(reading.value.totals), pmap);
	});

	it('a process with 30,000 real mappings: every one read, totals equal pmap -x', async t => {
		const many = spawnPython(MANY);
		spawned.push(many);
		assert.equal(await many.next(), 'ready');
		const pid = many.child.pid!;
		const pmap = pmapTotal(execFileSync('pmap', ['-x', String(pid)], {encoding: 'utf8', maxBuffer: 64 * MiB}));
		const reading = readSmaps(files, pid);
		assert.ok(reading.ok);
		assert.ok(reading.value.mappings.length >= 30_000, `${reading.value.mappings.length} mappings`);
		assert.deepEqual(asPmap(reading.value.totals), pmap);
		const started = performance.now();
		execFileSync('cat', [`/proc/${pid}/smaps`], {maxBuffer: 64 * MiB});
		const catMs = performance.now() - started;
		t.diagnostic(
			`readSmaps (live): ${reading.value.mappings.length} mappings, ${(reading.value.bytes / MiB).toFixed(1)} MiB in ${reading.value.readMs.toFixed(0)} ms; ` +
				`the kernel alone (cat, incl. spawn) ${catMs.toFixed(0)} ms`,
		);
		await many.kill();
		const gone = readSmaps(files, pid);
		assert.ok(!gone.ok && gone.reason === 'ENOENT', 'a reaped process has no smaps');
	});

	it('a kernel thread: EMPTY', () => {
		const reading = readSmaps(files, 2);
		assert.ok(!reading.ok && reading.reason === 'EMPTY', JSON.stringify(reading));
	});
});
