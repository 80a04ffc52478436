import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {after, before, test} from 'node:test';
import {execa} from 'execa';
import {LiveSource} from '../../source/source/live.js';
import {assertBuilt, cliJson, runCli} from '../helpers/cli.js';
import {spawnIdle, spawnLeaker, type Spawned} from '../helpers/processes.js';

// The built CLI against the tools people already trust, on this live machine.

before(assertBuilt);
const MiB = 1024 * 1024;
const spawned: Spawned[] = [];
after(async () => {
	for (const s of spawned) await s.kill();
});

/** `free -b`'s Mem: and Swap: rows as numbers. */
async function freeBytes() {
	const {stdout} = await execa('free', ['-b']);
	const row = (label: string) => stdout.split('\n').find(l => l.startsWith(label))!.trim().split(/\s+/).slice(1).map(Number);
	const [total, used, free, shared, buffCache, available] = row('Mem:');
	const [swapTotal, swapUsed, swapFree] = row('Swap:');
	return {total, used, free, shared, buffCache, available, swapTotal, swapUsed, swapFree} as Record<string, number>;
}

test('memory agrees with `free -b`: total exactly, the moving figures within max(64 MiB, 2% of total)', async () => {
	const report = await cliJson(['snapshot', '--json']);
	const free = await freeBytes();
	assert.equal(report.memory.total, free.total);
	assert.equal(report.memory.swapTotal, free.swapTotal);
	const tolerance = Math.max(64 * MiB, 0.02 * free.total!);
	for (const key of ['used', 'available', 'free', 'buffCache', 'shared', 'swapUsed', 'swapFree']) {
		const diff = Math.abs(report.memory[key] - free[key]!);
		assert.ok(diff <= tolerance, `${key}: leaktop ${report.memory[key]} vs free ${free[key]} (diff ${(diff / MiB).toFixed(1)} MiB)`);
	}
	assert.equal(report.memory.used, report.memory.total - report.memory.available, 'procps-ng 4 definition');
});

test('RSS of a real process equals `ps -o rss=` (×1024) within 2% or 512 KiB', async () => {
	const idle = await spawnIdle();
	spawned.push(idle);
	const report = await cliJson(['snapshot', '--json', '--top', '100000']);
	const {stdout} = await execa('ps', ['-o', 'rss=', '-p', String(idle.pid)]);
	const psBytes = Number(stdout.trim()) * 1024;
	const row = report.processes.find((p: {pid: number}) => p.pid === idle.pid);
	assert.ok(row, '--top with a large value lists every process');
	assert.equal(row.comm, 'python3');
	assert.match(row.cmdline, /python3 -c +import sys, select, os, socket, resource soft, hard = /, 'newlines in argv read as spaces');
	const diff = Math.abs(row.rss - psBytes);
	assert.ok(diff <= Math.max(512 * 1024, 0.02 * psBytes), `leaktop ${row.rss} vs ps ${psBytes}`);
	assert.ok(row.anon !== null && row.anon <= row.rss, 'anon read from status');
	const self = report.processes.find((p: {cmdline: string}) => p.cmdline.includes('snapshot --json --top 100000'));
	assert.ok(self, 'leaktop sees itself');
});

/** /proc/slabinfo rows by name: [active, num, objsize, objperslab, pagesperslab, num_slabs]. */
function slabinfoRows(): Map<string, number[]> {
	const rows = new Map<string, number[]>();
	for (const line of readFileSync('/proc/slabinfo', 'utf8').split('\n').slice(2)) {
		const f = line.trim().split(/\s+/);
		if (f.length >= 15) rows.set(f[0]!, [f[1], f[2], f[3], f[4], f[5], f[14]].map(Number));
	}
	return rows;
}

test('slab rows agree with /proc/slabinfo and `slabtop -o` for caches that stayed still', async () => {
	// Read in this process, not by spawning the CLI: a new node process allocates kernel objects
	// itself (kmalloc-cg-4k and friends) and frees them on exit, so a cache can change and change
	// back between two reads around it. The CLI prints the same rows (the JSON test checks that).
	const live = new LiveSource();
	const beforeRows = slabinfoRows();
	const sample = live.next();
	const afterRows = slabinfoRows();
	live.close();
	const report = {slabs: sample.slabs!};
	const {stdout} = await execa('slabtop', ['-o', '-s', 'c']);
	const slabtop = new Map<string, string[]>();
	for (const line of stdout.split('\n')) {
		const f = line.trim().split(/\s+/);
		if (f.length === 8 && /^\d+$/.test(f[0]!)) slabtop.set(f[7]!, f);
	}
	assert.equal(report.slabs.length, afterRows.size, 'every cache, as root');
	let compared = 0;
	for (const slab of report.slabs) {
		const a = beforeRows.get(slab.name);
		const b = afterRows.get(slab.name);
		if (!a || !b || a.join() !== b.join() || a[1] === 0) continue;
		const [active, num, objSize, , pagesPerSlab, numSlabs] = b as [number, number, number, number, number, number];
		assert.deepEqual([slab.activeObjs, slab.numObjs, slab.objSize, slab.sizeBytes], [active, num, objSize, numSlabs * pagesPerSlab * 4096], slab.name);
		const top = slabtop.get(slab.name);
		if (top && Number(top[0]) === num) {
			assert.equal(top[6], `${(numSlabs * pagesPerSlab * 4096) / 1024}K`, `slabtop CACHE SIZE of ${slab.name}`);
			assert.equal(Number(top[4]), numSlabs, `slabtop SLABS of ${slab.name}`);
		}
		compared++;
	}
	assert.ok(compared >= 20, `compared ${compared} stable caches`);
});

test('vmstat columns line up with `vmstat 1 2` (units and magnitude, not exact values)', async () => {
	const [ours, theirs] = await Promise.all([cliJson(['batch', '--json', '-d', '1', '-n', '1']), execa('vmstat', ['1', '2'])]);
	const header = theirs.stdout.split('\n')[1]!.trim().split(/\s+/);
	const values = theirs.stdout.trim().split('\n').at(-1)!.trim().split(/\s+/).map(Number);
	const vmstat = Object.fromEntries(header.map((h, i) => [h, values[i]!]));
	const v = ours.vmstat;
	const swapTotal = ours.memory.swapTotal;
	if (swapTotal === 0) assert.deepEqual([v.si, v.so, vmstat.si, vmstat.so], [0, 0, 0, 0], 'no swap: si/so are 0');
	for (const key of ['in', 'cs']) {
		assert.ok(v[key] > 0 && vmstat[key]! > 0, key);
		const ratio = v[key] / vmstat[key]!;
		assert.ok(ratio > 0.1 && ratio < 10, `${key}: leaktop ${v[key]}/s vs vmstat ${vmstat[key]}/s — same order of magnitude`);
	}
	const cpu = v.us + v.sy + v.id + v.wa + v.st;
	assert.ok(Math.abs(cpu - 100) <= 3, `us+sy+id+wa+st = ${cpu}`);
	for (const key of ['bi', 'bo', 'sr', 'r', 'b']) assert.ok(Number.isFinite(v[key]) && v[key] >= 0, key);
});

test('a process leaking 4 MiB every 200 ms grows in `batch --json`; an idle one does not', async () => {
	const [leaker, idle] = await Promise.all([spawnLeaker(4, 200), spawnIdle()]);
	spawned.push(leaker, idle);
	const result = await runCli(['batch', '--json', '-d', '0.3', '-n', '8', '--top', '100000']);
	assert.equal(result.exitCode, 0, String(result.stderr));
	const reports = String(result.stdout).trim().split('\n').map(line => JSON.parse(line));
	assert.equal(reports.length, 8);
	const last = reports.at(-1)!;
	const row = (pid: number) => last.processes.find((p: {pid: number}) => p.pid === pid);
	const leaking = row(leaker.pid).rssGrowthPerMin;
	const quiet = row(idle.pid).rssGrowthPerMin;
	// 4 MiB per 200 ms is 1200 MiB/min; scheduling on a busy box may slow it, never make it shrink.
	assert.ok(leaking > 100 * MiB, `leaker grows ${(leaking / MiB).toFixed(0)} MiB/min`);
	assert.ok(quiet !== null && Math.abs(quiet) < 1 * MiB, `idle grows ${quiet} B/min`);
	assert.equal(reports[0].processes.find((p: {pid: number}) => p.pid === leaker.pid).rssGrowthPerMin, null, 'no slope from the first two samples');
});
