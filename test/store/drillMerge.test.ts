import assert from 'node:assert/strict';
import {test} from 'node:test';
import {parseSmaps} from '../../source/probe/smaps.js';
import type {Sample} from '../../source/probe/sample.js';
import {DrillHistory} from '../../source/store/drill.js';
import {machineAt, proc} from '../ui/synthetic.js';

const MiB = 1024 * 1024;

/** smaps text of one anonymous rw-p region [start, end) holding `kib` KiB. */
function smapsText(start: bigint, end: bigint, kib: number): string {
	const hex = (n: bigint) => n.toString(16);
	return [
		`${hex(start)}-${hex(end)} rw-p 00000000 00:00 0 `,
		`Size: ${Number(end - start) / 1024} kB`,
		`Rss: ${kib} kB`,
		`Pss: ${kib} kB`,
		'Shared_Clean: 0 kB',
		'Shared_Dirty: 0 kB',
		'Private_Clean: 0 kB',
		`Private_Dirty: ${kib} kB`,
		`Anonymous: ${kib} kB`,
		'Swap: 0 kB',
		'SwapPss: 0 kB',
		'Locked: 0 kB',
		'VmFlags: rd wr mr mw me ac',
		'',
	].join('\n');
}

/** The drilled process at tick i: its one region grows downwards by 10 MiB a tick (start moves, end stays). */
function tickWith(i: number): Sample {
	const end = 0x7f0000000000n;
	const size = BigInt((i + 1) * 10 * MiB);
	const parsed = parseSmaps(smapsText(end - size, end, (i + 1) * 10 * 1024));
	const base = machineAt(i);
	const process = proc(202, 'leaky', 100 * MiB + i * 10 * MiB);
	return {
		...base,
		drill: {kind: 'process', pid: 202, process, smaps: {ok: true, value: {...parsed, readMs: 1, bytes: 500}}, smapsMonoMs: base.monoMs, warning: null},
	};
}

test('a region that grows downwards (start moves, end stays) is one mapping growing, not a new one and a gone one each tick', () => {
	const drill = new DrillHistory({kind: 'process', pid: 202, key: '202:1202'}, machineAt(0).timeMs);
	for (let i = 0; i < 8; i++) drill.ingest(tickWith(i));
	const snapshot = drill.snapshot(4000, tickWith(7).monoMs);
	assert.equal(snapshot.kind, 'process');
	if (snapshot.kind !== 'process') return;
	assert.equal(snapshot.mappings.length, 1, snapshot.mappings.map(m => `${m.status} ${m.key}`).join('; '));
	const [row] = snapshot.mappings;
	assert.equal(row!.status, 'kept');
	assert.equal(row!.anonDeltaBytes, 70 * MiB);
	// 10 MiB every 2 s tick.
	assert.equal(Math.round(row!.anonGrowthPerMin! / MiB), 300);
});
