import assert from 'node:assert/strict';
import {cpSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, test, type TestContext} from 'node:test';
import fc from 'fast-check';
import {Files} from '../../source/probe/files.js';
import {chooseDetail, ProcessScanner, type ScanOptions} from '../../source/probe/processTable.js';
import type {ProcessSample} from '../../source/probe/sample.js';
import type {Reason} from '../../source/probe/result.js';
import {eventfdLeaker, type Child} from '../helpers/children.js';
import {capturedPids as pids, copyFixture, realFiles, realRoots} from '../helpers/fixtures.js';
import {spawnSleep, type Spawned} from '../helpers/processes.js';

const KiB = 1024;
const PAGE = 4096;
const options: ScanOptions = {detailTop: 20, detailPids: new Set(), pssBudgetMs: 1000, pssAll: false};
/** A second scan: the first, which holds up the first frame, leaves PSS and most owners and command lines for later. */
const scanWith = (files: Files, scanOptions = options) => {
	const scanner = new ProcessScanner(files, PAGE);
	try {
		scanner.scan(scanOptions);
		return scanner.scan(scanOptions);
	} finally {
		scanner.close();
	}
};
const byPid = (scan: ReturnType<typeof scanWith>) => new Map(scan.processes.map(p => [p.pid, p]));

/** A scanner over a writable copy of the captured tree (files rewritten in place, as /proc changes), both cleaned up after t. */
function scannerOnCopy(t: TestContext): {root: string; scanner: ProcessScanner} {
	const copy = copyFixture('proc-real');
	t.after(copy.remove);
	const scanner = new ProcessScanner(new Files({procRoot: copy.root, etcRoot: realRoots.etcRoot}), PAGE);
	t.after(() => scanner.close());
	return {root: copy.root, scanner};
}

test('a captured /proc: every pid read, kernel threads and zombie labelled, names resolved', () => {
	const scan = scanWith(realFiles());
	assert.equal(scan.hidden, 0);
	assert.deepEqual(scan.sources, {processes: 'ok', pss: 'ok'});
	const all = byPid(scan);
	assert.deepEqual([...all.keys()].sort((a, b) => a - b), Object.values(pids).sort((a, b) => a - b));
	for (const pid of [pids.kthreadd, pids.kworker]) {
		const p = all.get(pid)!;
		assert.equal(p.kernelThread, true);
		assert.equal(p.cmdline, '');
		assert.equal(p.user, 'root');
		assert.equal(p.rssBytes, 0);
		assert.equal(p.pssBytes, null, 'no smaps_rollup for a kernel thread');
	}
	const zombie = all.get(pids.zombie)!;
	assert.equal(zombie.state, 'Z');
	assert.equal(zombie.kernelThread, false);
	assert.equal(zombie.cmdline, '');
	assert.equal(zombie.pssBytes, null);
	assert.equal(zombie.anonBytes, null, 'memory files of a zombie are skipped');
	const paren = all.get(pids.paren)!;
	assert.equal(paren.comm, 'a) b (c');
	assert.equal(paren.startTime, 143761);
	assert.equal(paren.rssBytes, 3471 * PAGE, 'RSS from statm (captured a moment after stat, which said 3448)');
	assert.equal(paren.anonBytes, 7008 * KiB);
	assert.equal(paren.fileBytes, 6876 * KiB);
	assert.equal(paren.threads, 1);
	assert.equal(paren.pssBytes, 8889 * KiB);
	assert.equal(paren.ussBytes, (152 + 7008) * KiB);
	assert.equal(paren.fdCount, readdirSync(join(realRoots.procRoot, String(pids.paren), 'fd')).length);
	assert.equal(paren.user, 'root');
	const hostile = all.get(pids.hostile)!;
	assert.match(hostile.cmdline, /^\/root\/\.pyenv\/versions\/3\.11\.7\/bin\/python3 -c import time;time\.sleep\(600\) \[2J\]0;pwned café/);
	assert.doesNotMatch(hostile.cmdline, /[\u0000-\u001f\u007f-\u009f]/);
	const init = all.get(pids.init)!;
	assert.equal(init.comm, 'process_api');
	assert.equal(init.pssBytes, null, 'its smaps_rollup was unreadable when captured');
	assert.notEqual(init.anonBytes, null, 'status is independent of smaps_rollup');
});

test('detailTop limits status, fds and PSS to the largest processes', () => {
	const scan = scanWith(realFiles(), {...options, detailTop: 1});
	const detailed = scan.processes.filter(p => p.anonBytes !== null);
	assert.equal(detailed.length, 1);
	const largest = scan.processes.filter(p => !p.kernelThread).sort((a, b) => b.rssBytes - a.rssBytes)[0]!;
	assert.equal(detailed[0]!.pid, largest.pid);
	const focused = scanWith(realFiles(), {...options, detailTop: 0, detailPids: new Set([pids.sleep])});
	assert.deepEqual(focused.processes.filter(p => p.anonBytes !== null).map(p => p.pid), [pids.sleep], 'a focused pid gets detail whatever its size');
	assert.notEqual(byPid(focused).get(pids.sleep)!.pssBytes, null);
});

test('smaps_rollup EACCES (not root, or a sandboxed pid 1): PSS n/a with the reason, RSS and status still there', () => {
	const deny = (path: string): Reason | undefined => (path.endsWith('/smaps_rollup') ? 'EACCES' : undefined);
	const scan = scanWith(realFiles({deny}));
	assert.equal(scan.sources.pss, 'EACCES');
	assert.ok(scan.processes.every(p => p.pssBytes === null && p.ussBytes === null));
	const paren = byPid(scan).get(pids.paren)!;
	assert.equal(paren.rssBytes, 3471 * PAGE, 'RSS from statm (captured a moment after stat, which said 3448)');
	assert.equal(paren.anonBytes, 7008 * KiB);
});

test('a process exiting between readdir and read is counted hidden; other pids are unaffected', () => {
	const scan = scanWith(realFiles({deny: path => (path.endsWith(`/${pids.sleep}/stat`) ? 'ENOENT' : undefined)}));
	assert.equal(scan.hidden, 1);
	assert.equal(byPid(scan).has(pids.sleep), false);
	assert.equal(scan.processes.length, Object.keys(pids).length - 1);
	const raced = scanWith(realFiles({deny: path => (path.endsWith(`/${pids.paren}/smaps_rollup`) || path.endsWith(`/${pids.paren}/status`) ? 'ESRCH' : undefined)}));
	const paren = byPid(raced).get(pids.paren)!;
	assert.equal(paren.rssBytes, 3471 * PAGE, 'statm was read, so the row stays');
	assert.equal(paren.anonBytes, null);
	assert.equal(paren.pssBytes, null);
	assert.equal(paren.user, '?', 'status unreadable: owner unknown, not root');
	assert.equal(raced.sources.pss, 'ok', 'one vanished pid does not mark PSS unavailable');
});

test('pid reuse: a new start time is a new process, its cmdline read afresh', t => {
	const {root, scanner} = scannerOnCopy(t);
	const first = byPid(scanner.scan(options)).get(pids.sleep)!;
	assert.equal(first.cmdline, 'sleep 600');
	const statPath = join(root, String(pids.sleep), 'stat');
	// Rewritten in place, so the scanner's kept fd sees the new process, as /proc would show a reused pid.
	writeFileSync(statPath, readFileSync(statPath, 'utf8').replace('(sleep)', '(cat)').replace(' 143761 ', ' 999999 '));
	writeFileSync(join(root, String(pids.sleep), 'cmdline'), 'cat\0-\0');
	const second = byPid(scanner.scan(options)).get(pids.sleep)!;
	assert.equal(second.startTime, 999999);
	assert.equal(second.comm, 'cat');
	assert.equal(second.cmdline, 'cat -');
	const third = byPid(scanner.scan(options)).get(pids.sleep)!;
	assert.equal(third.cmdline, 'cat -', 'and it is tracked from then on');
});

test('sameProcesses: the last listing of /proc is reused, so a pid that appeared since waits for a scan without it', t => {
	const {root, scanner} = scannerOnCopy(t);
	const before = scanner.scan(options).processes.length;
	// A copy of the sleeper under a new pid: what a birth looks like to readdir.
	const born = 4_000_000;
	cpSync(join(root, String(pids.sleep)), join(root, String(born)), {recursive: true});
	assert.equal(byPid(scanner.scan({...options, sameProcesses: true})).has(born), false, 'the counters said nothing changed: no readdir');
	const relisted = scanner.scan(options);
	assert.equal(byPid(relisted).has(born), true);
	assert.equal(relisted.processes.length, before + 1);
});

test('a new listing of /proc: births and deaths between scans, in the order readdir names pids (10 before 9), each row its own process\'s', t => {
	const {root, scanner} = scannerOnCopy(t);
	const sleeper = join(root, String(pids.sleep));
	/** A copy of the sleeper under a new pid, told apart by its resident pages (and its start time). */
	const birth = (pid: number, residentPages: number, startTime = 143761) => {
		const dir = join(root, String(pid));
		rmSync(dir, {recursive: true, force: true});
		cpSync(sleeper, dir, {recursive: true});
		writeFileSync(join(dir, 'statm'), `2000 ${residentPages} 100 10 0 200 0\n`);
		writeFileSync(join(dir, 'stat'), readFileSync(join(dir, 'stat'), 'utf8').replace(' 143761 ', ` ${startTime} `));
	};
	const rss = (scan: ReturnType<ProcessScanner['scan']>) => new Map(scan.processes.map(p => [p.pid, p.rssBytes / PAGE]));
	for (const [pid, pages] of [[7, 1007], [70, 1070], [700, 1700], [4_000_000, 4000]] as const) birth(pid, pages);
	const first = rss(scanner.scan(options));
	assert.deepEqual([7, 70, 700, 4_000_000].map(pid => first.get(pid)), [1007, 1070, 1700, 4000]);
	rmSync(join(root, '70'), {recursive: true});
	birth(71, 1071);
	writeFileSync(join(root, '700', 'statm'), '2000 1701 100 10 0 200 0\n');
	const second = rss(scanner.scan(options));
	assert.equal(second.has(70), false, 'gone');
	assert.deepEqual([7, 71, 700, 4_000_000].map(pid => second.get(pid)), [1007, 1071, 1701, 4000]);
	assert.equal(second.size, first.size);
	birth(70, 1170, 200_000);
	const third = scanner.scan(options);
	const reborn = third.processes.find(p => p.pid === 70)!;
	assert.deepEqual([reborn.rssBytes / PAGE, reborn.startTime], [1170, 200_000], 'the pid back is a new process, read afresh');
	assert.deepEqual([7, 71, 700, 4_000_000].map(pid => rss(third).get(pid)), [1007, 1071, 1701, 4000]);
});

test('status of a process whose RSS stands still is carried between scans, and read again once RSS moves', t => {
	const {root, scanner} = scannerOnCopy(t);
	const anonOf = () => byPid(scanner.scan(options)).get(pids.paren)!.anonBytes;
	assert.equal(anonOf(), 7008 * KiB);
	const dir = join(root, String(pids.paren));
	writeFileSync(join(dir, 'status'), readFileSync(join(dir, 'status'), 'utf8').replace(/RssAnon:\s+7008 kB/, 'RssAnon:\t   9000 kB'));
	assert.equal(anonOf(), 7008 * KiB, 'same RSS: the last status stands');
	// Rewritten in place, so the scanner's kept statm fd sees it, as /proc would.
	writeFileSync(join(dir, 'statm'), '4700 3985 1719 1 0 2538 0\n');
	assert.equal(anonOf(), 9000 * KiB, 'RSS moved: status read again');
	const focused = () => byPid(scanner.scan({...options, detailPids: new Set([pids.paren])})).get(pids.paren)!.anonBytes;
	writeFileSync(join(dir, 'status'), readFileSync(join(dir, 'status'), 'utf8').replace(/RssAnon:\s+9000 kB/, 'RssAnon:\t   9100 kB'));
	assert.equal(focused(), 9100 * KiB, 'a focused process is read every scan');
});

test('a quiet process is read every 4th tick after 10 reads of the same size, every 8th after 40 more, and every tick once it moves', t => {
	const {root, scanner} = scannerOnCopy(t);
	const pid = pids.sleep;
	const statm = join(root, String(pid), 'statm');
	const undetailed = {...options, detailTop: 0};
	let tick = 0;
	const rss = () => {
		tick++;
		return byPid(scanner.scan(undetailed)).get(pid)!.rssBytes / PAGE;
	};
	/** Scans until RSS reads `pages`, and how many scans went by without it. */
	const waitFor = (pages: number) => {
		let missed = 0;
		while (rss() !== pages) assert.ok(++missed < 20, 'never seen');
		return missed;
	};
	// Each change written just after a tick it would be read on, so the next read is a whole period away.
	for (let i = 0; i < 30 || (tick + pid) % 4 !== 0; i++) rss();
	writeFileSync(statm, '4700 3001 1719 1 0 2538 0\n');
	assert.equal(waitFor(3001), 3, 'three ticks show the last size, the fourth reads it');
	writeFileSync(statm, '4700 3002 1719 1 0 2538 0\n');
	assert.equal(rss(), 3002, 'once it moved, it is read every tick');
	// 10 reads to count as quiet, then 30 more 4 ticks apart: long quiet after ~130 ticks.
	for (let i = 0; i < 200 || (tick + pid) % 8 !== 0; i++) rss();
	writeFileSync(statm, '4700 3003 1719 1 0 2538 0\n');
	assert.equal(waitFor(3003), 7, 'long quiet: seven ticks show the last size, the eighth reads it');
	writeFileSync(statm, '4700 3004 1719 1 0 2538 0\n');
	assert.equal(rss(), 3004);
	const focused = byPid(scanner.scan({...undetailed, detailPids: new Set([pid])}));
	writeFileSync(statm, '4700 3005 1719 1 0 2538 0\n');
	assert.equal(focused.get(pid)!.rssBytes, 3004 * PAGE);
	assert.equal(byPid(scanner.scan({...undetailed, detailPids: new Set([pid])})).get(pid)!.rssBytes, 3005 * PAGE, 'a focused process is read every tick');
});

test('the first scan reads who the largest processes are and no PSS; the next scans fill in the rest, largest first', t => {
	const scanner = new ProcessScanner(realFiles(), PAGE);
	t.after(() => scanner.close());
	const small = {...options, detailTop: 1};
	const first = scanner.scan(small).processes;
	const users = first.filter(p => !p.kernelThread);
	const largest = [...users].sort((a, b) => b.rssBytes - a.rssBytes)[0]!;
	assert.equal(largest.user, 'root');
	assert.notEqual(largest.cmdline, '');
	assert.ok(users.filter(p => p.pid !== largest.pid).every(p => p.user === '?' && p.cmdline === '' && p.cgroup === null), 'the others wait');
	assert.ok(first.every(p => p.pssBytes === null), 'no PSS before the first frame');
	const second = byPid(scanner.scan(small));
	assert.equal(second.get(pids.paren)!.cmdline, readFileSync(join(realRoots.procRoot, String(pids.paren), 'cmdline'), 'utf8').split('\0').filter(Boolean).join(' '));
	assert.ok([...second.values()].filter(p => !p.kernelThread).every(p => p.user !== '?'), 'all read by the second scan');
	assert.notEqual(second.get(largest.pid)!.pssBytes, null);
});

test('a row handed out once is never changed afterwards, and a process that did not change hands out the same row', t => {
	const {root, scanner} = scannerOnCopy(t);
	const small = {...options, detailTop: 1};
	const first = scanner.scan(small).processes;
	const firstFrozen = JSON.stringify(first);
	const before = scanner.scan(small).processes;
	assert.equal(JSON.stringify(first), firstFrozen, 'reading who they are (second scan) made new rows');
	const frozen = JSON.stringify(before);
	const dir = join(root, String(pids.paren));
	writeFileSync(join(dir, 'status'), readFileSync(join(dir, 'status'), 'utf8').replace(/RssAnon:\s+7008 kB/, 'RssAnon:\t   9000 kB'));
	writeFileSync(join(dir, 'statm'), '4700 3985 1719 1 0 2538 0\n');
	const after = byPid(scanner.scan({...small, detailPids: new Set([pids.paren])}));
	assert.equal(after.get(pids.paren)!.anonBytes, 9000 * KiB);
	assert.equal(JSON.stringify(before), frozen, 'the earlier scan\'s rows are as they were');
	const sleepBefore = before.find(p => p.pid === pids.sleep)!;
	assert.equal(after.get(pids.sleep), sleepBefore, 'nothing changed for sleep: the same object');
});

test('PSS budget: one read always goes ahead, the focused process first, even when it costs more than the whole budget', t => {
	const scanner = new ProcessScanner(realFiles(), PAGE);
	t.after(() => scanner.close());
	const starved = {...options, pssBudgetMs: 0, detailPids: new Set([pids.sleep])};
	scanner.scan(starved);
	const second = scanner.scan(starved).processes.filter(p => p.pssBytes !== null);
	assert.deepEqual(second.map(p => p.pid), [pids.sleep], 'the focused one, and only it');
	const third = scanner.scan(starved).processes.filter(p => p.pssBytes !== null);
	assert.equal(third.length, 2, 'the next in line the scan after (the first keeps its reading)');
});

test('an unreadable /proc listing: no processes, the reason says why', () => {
	const scan = scanWith(new Files({procRoot: '/nonexistent-proc-root'}));
	assert.deepEqual(scan, {processes: [], hidden: 0, sources: {processes: 'ENOENT', pss: 'ENOENT'}});
});

const spawned: Spawned[] = [];
after(async () => {
	for (const s of spawned) await s.kill();
});

test('live: a real process is read through a kept fd, and when it exits its fd is released', async () => {
	const sleeper = spawnSleep();
	spawned.push(sleeper);
	const scanner = new ProcessScanner(new Files(), PAGE);
	try {
		const keptFor = (pid: number) =>
			readdirSync('/proc/self/fd').filter(fd => {
				try {
					return readlinkSync(`/proc/self/fd/${fd}`) === `/proc/${pid}/stat`;
				} catch {
					return false;
				}
			}).length;
		// Focused, as the store focuses the selected and the growing: who it is is read at once,
		// not after the larger processes (the machine may have thousands).
		const focused = {...options, detailPids: new Set([sleeper.pid])};
		let row = undefined;
		for (let i = 0; i < 50 && row?.comm !== 'sleep'; i++) {
			row = byPid(scanner.scan(focused)).get(sleeper.pid);
			if (row?.comm !== 'sleep') await new Promise(resolve => setTimeout(resolve, 20));
		}
		assert.equal(row?.comm, 'sleep', 'the child has exec()ed sleep');
		assert.equal(row.cmdline, 'sleep 600');
		assert.equal(row.user, 'root');
		assert.ok(row.rssBytes > 0);
		assert.equal(keptFor(sleeper.pid), 1);
		scanner.scan(options);
		assert.equal(keptFor(sleeper.pid), 1, 'still one fd after another tick');
		await sleeper.kill();
		const after = scanner.scan(options);
		assert.equal(byPid(after).has(sleeper.pid), false);
		assert.equal(keptFor(sleeper.pid), 0, 'the kept fd was closed');
	} finally {
		scanner.close();
	}
});

test('live: the fd count of a real process follows its open descriptors (stat of /proc/PID/fd, or a listing)', async t => {
	const leaker: Child = await eventfdLeaker(25, 100, 50);
	t.after(leaker.kill);
	const scanner = new ProcessScanner(new Files(), PAGE);
	t.after(() => scanner.close());
	const focused = {...options, detailPids: new Set([leaker.pid])};
	let row = byPid(scanner.scan(focused)).get(leaker.pid);
	for (let i = 0; i < 100 && (row?.fdCount ?? 0) < 53; i++) {
		await new Promise(resolve => setTimeout(resolve, 20));
		row = byPid(scanner.scan(focused)).get(leaker.pid);
	}
	// stdin, stdout, stderr and 50 eventfds: what ls /proc/PID/fd shows.
	assert.equal(row?.fdCount, readdirSync(`/proc/${leaker.pid}/fd`).length);
	assert.ok(row!.fdCount! >= 53, `fdCount ${row!.fdCount}`);
});

test('chooseDetail picks the rows a stable sort of all by RSS would: the largest detailTop, the focused, in that order', () => {
	// The reference: every live user row sorted by RSS (ties in listing order), then cut.
	const reference = (rows: ProcessSample[], o: Pick<ScanOptions, 'detailTop' | 'detailPids' | 'pssAll'>) => {
		const indices = rows.map((_, i) => i).filter(i => !rows[i]!.kernelThread && rows[i]!.state !== 'Z');
		const byRss = [...indices].sort((a, b) => rows[b]!.rssBytes - rows[a]!.rssBytes);
		return o.pssAll ? byRss : byRss.filter((i, rank) => rank < o.detailTop || o.detailPids.has(rows[i]!.pid));
	};
	const row = fc.record({rss: fc.integer({min: 0, max: 12}), kernelThread: fc.boolean(), zombie: fc.boolean(), focused: fc.boolean()});
	fc.assert(
		fc.property(fc.array(row, {maxLength: 60}), fc.nat(25), fc.boolean(), (spec, detailTop, pssAll) => {
			const rows = spec.map((r, i) => ({pid: 100 + i, rssBytes: r.rss * PAGE, kernelThread: r.kernelThread && !r.zombie, state: r.zombie ? 'Z' : 'S'}) as ProcessSample);
			const o = {detailTop, pssAll, detailPids: new Set(spec.flatMap((r, i) => (r.focused ? [100 + i] : [])))};
			assert.deepEqual(chooseDetail(rows, o), reference(rows, o));
		}),
		{numRuns: 2000},
	);
});
