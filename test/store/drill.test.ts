import assert from 'node:assert/strict';
import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {test} from 'node:test';
import {LiveSource} from '../../source/source/live.js';
import type {ProcessDrillSnapshot, SlabDrillSnapshot} from '../../source/store/drill.js';
import {Store} from '../../source/store/store.js';

const MiB = 1024 * 1024;

/** A python3 child running `code`; it prints "ready" once set up and ends when its stdin closes. */
async function child(code: string): Promise<ChildProcess> {
	const script = `import sys, os, select, time\n${code}\nsys.stdout.write('ready\\n'); sys.stdout.flush()\nwhile True:\n    r, _, _ = select.select([sys.stdin], [], [], 0.1)\n    if r and not os.read(sys.stdin.fileno(), 1): break\n    step()\n`;
	const process = spawn('python3', ['-c', script], {stdio: ['pipe', 'pipe', 'inherit']});
	const [chunk] = (await once(process.stdout!, 'data')) as [Buffer];
	assert.match(chunk.toString(), /ready/);
	return process;
}

async function end(process: ChildProcess): Promise<void> {
	if (process.exitCode !== null || process.signalCode !== null) return;
	const exited = once(process, 'exit');
	process.kill('SIGKILL');
	await exited;
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

function liveStore(): {store: Store; source: LiveSource} {
	const source = new LiveSource({detailTop: 5});
	return {store: new Store({source, intervalMs: 250}), source};
}

async function ticks(store: Store, n: number): Promise<void> {
	for (let i = 0; i < n; i++) {
		await sleep(250);
		store.tick();
	}
}

const processDrill = (store: Store) => store.current().drill as ProcessDrillSnapshot;

test('a process growing one private anonymous mapping shows that mapping growing', async () => {
	// 256 MiB reserved once, 2 MiB more touched every 0.1 s: one mapping whose Anonymous grows.
	const grower = await child(
		'import mmap\nm = mmap.mmap(-1, 256 << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)\nat = 0\ndef step():\n    global at\n    for _ in range(512):\n        if at < (256 << 20): m[at] = 1; at += 4096\n',
	);
	const {store, source} = liveStore();
	try {
		store.tick();
		store.setDrill({kind: 'process', pid: grower.pid!});
		await ticks(store, 8);
		const drill = processDrill(store);
		assert.equal(drill.key?.startsWith(`${grower.pid}:`), true);
		assert.equal(drill.smapsProblem, null);
		assert.ok(drill.readMs !== null && drill.readings >= 7);
		const top = drill.mappings[0]!;
		assert.equal(top.mapping.kind, 'anon');
		assert.equal(top.mapping.sizeBytes, 256 * MiB);
		assert.equal(top.status, 'kept');
		assert.ok(top.anonDeltaBytes >= 8 * MiB, `anonymous grew ${top.anonDeltaBytes} bytes`);
		assert.ok((top.anonGrowthPerMin ?? 0) > 0);
		assert.ok((drill.anon.growthPerMin ?? 0) > 0);
	} finally {
		await end(grower);
		source.close();
	}
});

test('the drill totals of an idle process agree with pmap -x; killing it freezes the view with the exit time', async () => {
	const idle = await child('b = bytearray(32 << 20)\nfor i in range(0, len(b), 4096): b[i] = 1\ndef step(): pass\n');
	const {store, source} = liveStore();
	try {
		store.tick();
		store.setDrill({kind: 'process', pid: idle.pid!});
		await ticks(store, 2);
		const pmap = execFileSync('pmap', ['-x', String(idle.pid)]).toString().trim().split('\n').at(-1)!;
		await ticks(store, 1);
		const [, sizeKib, rssKib, dirtyKib] = /^total kB\s+(\d+)\s+(\d+)\s+(\d+)/.exec(pmap)!.map(Number);
		const {totals} = processDrill(store);
		assert.ok(totals);
		assert.equal(totals.sizeBytes / 1024, sizeKib);
		// An idle process still faults a page or two between two reads: a few pages of slack.
		assert.ok(Math.abs(totals.rssBytes / 1024 - rssKib!) <= 64, `RSS ${totals.rssBytes / 1024} kB vs pmap ${rssKib} kB`);
		assert.ok(Math.abs(totals.dirtyBytes / 1024 - dirtyKib!) <= 64, `dirty ${totals.dirtyBytes / 1024} kB vs pmap ${dirtyKib} kB`);

		const mappings = processDrill(store).mappings.length;
		await end(idle);
		await ticks(store, 2);
		const drill = processDrill(store);
		assert.ok(drill.exitedAtMs !== null, 'the exit is noted');
		assert.equal(drill.mappings.length, mappings, 'what was collected is kept');
		assert.ok(drill.totals);
	} finally {
		await end(idle);
		source.close();
	}
});

test('a child holding more and more eventfds shows rising objects in the filp slab drill', async () => {
	const holder = await child(
		'import resource\nsoft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\nresource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))\nheld = []\ndef step():\n    if len(held) < 20000:\n        held.extend(os.eventfd(0) for _ in range(500))\n',
	);
	const {store, source} = liveStore();
	try {
		store.tick();
		store.setDrill({kind: 'slab', name: 'filp'});
		await ticks(store, 8);
		const drill = store.current().drill as SlabDrillSnapshot;
		assert.equal(drill.detailProblem, null);
		assert.ok(drill.detail?.attributes.objects.ok);
		assert.ok(drill.row, 'the slabinfo row is there');
		assert.ok((drill.objectsDelta ?? 0) >= 2000, `filp objects rose by ${drill.objectsDelta}`);
		assert.ok((drill.objects.growthPerMin ?? 0) > 0);
		assert.ok((drill.bytesDelta ?? 0) > 0);
	} finally {
		await end(holder);
		source.close();
	}
});
