import assert from 'node:assert/strict';
import {test} from 'node:test';
import {toJsonReport} from '../../source/batch/json.js';
import {toTextReport} from '../../source/batch/text.js';
import {Store} from '../../source/store/store.js';
import {ListSource, processSample, sampleAt, slabSample} from '../helpers/samples.js';

const MiB = 1024 * 1024;

function storeWith(ticks: number) {
	const store = new Store({source: new ListSource([])});
	for (let i = 0; i < ticks; i++) {
		const sample = sampleAt({
			sec: i * 2,
			vmstat: {pgpgin: i * 1001, pgpgout: 0, pswpin: 0, pswpout: 0},
			intr: i * 333,
			ctxt: i * 777,
			cpu: {user: i * 10, idle: i * 30},
			processes: [processSample(1, {rssBytes: (10 + i) * MiB, pssBytes: null, ussBytes: null}), processSample(2, {rssBytes: 50 * MiB, cmdline: '', comm: 'kworker/0:1', kernelThread: true})],
			slabs: [slabSample('dentry', 10 + i), slabSample('big', 1000)],
		});
		store.ingest(sample);
	}
	return store;
}

test('JSON report: top limits processes, missing PSS is null, rates rounded, slabs by size', () => {
	const report = toJsonReport(storeWith(6).getSnapshot(), 1)!;
	assert.equal(report.processes.length, 1);
	assert.equal(report.processes[0]!.pid, 2, 'largest RSS first');
	const all = toJsonReport(storeWith(6).getSnapshot(), Infinity)!;
	const grower = all.processes.find(p => p.pid === 1)!;
	assert.equal(grower.pss, null);
	assert.equal(grower.uss, null);
	assert.equal(grower.rssGrowthPerMin, 30 * MiB);
	assert.equal(all.vmstat.bi, 501, 'rounded to whole KiB/s');
	assert.equal(all.vmstat.in, 167);
	assert.deepEqual([all.vmstat.us, all.vmstat.id], [25, 75]);
	assert.deepEqual(all.slabs.map(s => s.name), ['big', 'dentry']);
	assert.equal(all.slabs[1]!.growthPerMin, 4096 * 30);
	assert.equal(all.time, new Date(1_700_000_000_000 + 10_000).toISOString());
	assert.equal(toJsonReport(new Store({source: new ListSource([])}).getSnapshot(), 5), null, 'no sample, no report');
});

test('JSON report: one sample has no rates (null, never 0) and no slopes', () => {
	const report = toJsonReport(storeWith(1).getSnapshot(), 5)!;
	for (const key of ['si', 'so', 'bi', 'bo', 'in', 'cs', 'us', 'sy', 'id', 'wa', 'st', 'sr'] as const) assert.equal(report.vmstat[key], null, key);
	assert.equal(report.vmstat.r, 1, 'r and b are instantaneous');
	assert.ok(report.processes.every(p => p.rssGrowthPerMin === null));
});

test('text report: free-style rows, "no swap", n/a for missing values, reasons in words, kernel threads in brackets', () => {
	const store = storeWith(6);
	const snapshot = store.getSnapshot();
	snapshot.sample!.sources.pss = 'EACCES';
	const text = toTextReport(snapshot, 5);
	assert.match(text, /^Mem: +8\.00G +2\.00G +4\.00G/m);
	assert.match(text, /^Swap: +no swap$/m);
	assert.match(text, /^ {2}pss: needs root$/m);
	assert.match(text, /^ +1 root +15\.0M +n\/a .*\+30\.0M\/min {2}\/usr\/bin\/proc1$/m);
	assert.match(text, /\[kworker\/0:1\]$/m);
	assert.match(text, /^dentry +/m);
	assert.equal(toTextReport(new Store({source: new ListSource([])}).getSnapshot(), 5), 'leaktop: no sample yet\n');
	const zombie = new Store({source: new ListSource([])});
	zombie.ingest(sampleAt({sec: 0, processes: [processSample(9, {state: 'Z', cmdline: '', comm: 'python3', rssBytes: 0})]}));
	assert.match(toTextReport(zombie.getSnapshot(), 5), /\[python3\] <defunct>$/m);
});
