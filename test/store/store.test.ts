import assert from 'node:assert/strict';
import {test} from 'node:test';
import fc from 'fast-check';
import {SYSTEM_METRICS, Store} from '../../source/store/store.js';
import {ListSource, processSample, sampleAt, slabSample} from '../helpers/samples.js';

const MiB = 1024 * 1024;
const newStore = (options: Partial<ConstructorParameters<typeof Store>[0]> = {}) => new Store({source: new ListSource([]), ...options});

test('before any sample: an empty snapshot, nothing derived', () => {
	const snapshot = newStore().getSnapshot();
	assert.equal(snapshot.sample, null);
	assert.equal(snapshot.ticks, 0);
	assert.equal(snapshot.rates, null);
	assert.deepEqual(snapshot.processes, []);
});

test('memory summary and vmstat rates per second from ingested samples', () => {
	const store = newStore();
	store.ingest(sampleAt({sec: 0, vmstat: {pgpgin: 0, pgpgout: 0, pswpin: 0, pswpout: 0}, intr: 0, ctxt: 0}));
	assert.equal(store.getSnapshot().rates, null, 'one sample has no rates');
	store.ingest(sampleAt({sec: 2, vmstat: {pgpgin: 4000, pgpgout: 0, pswpin: 0, pswpout: 0}, intr: 3000, ctxt: 1000, cpu: {user: 50, idle: 150}}));
	const s = store.getSnapshot();
	assert.equal(s.ticks, 2);
	assert.equal(s.rates!.bi, 2000);
	assert.equal(s.rates!.in, 1500);
	assert.equal(s.rates!.cs, 500);
	assert.deepEqual([s.rates!.us, s.rates!.id], [25, 75]);
	assert.equal(s.free!.totalBytes, 8192 * MiB);
	assert.equal(s.free!.usedBytes, 2048 * MiB);
	assert.deepEqual(store.systemSeries('in').map(p => p.value).slice(1), [1500]);
	assert.ok(Number.isNaN(store.systemSeries('in')[0]!.value), 'no rate for the first tick is NaN (a gap), not 0');
});

test('growth slopes: a process growing 1 MiB every 2 s grows 30 MiB/min; a flat one 0; two points are not a trend', () => {
	const store = newStore();
	for (let i = 0; i < 10; i++) {
		store.ingest(
			sampleAt({
				sec: i * 2,
				processes: [
					processSample(100, {rssBytes: (50 + i) * MiB, anonBytes: (40 + i) * MiB, pssBytes: (45 + i) * MiB, fdCount: 4 + i}),
					processSample(200, {rssBytes: 10 * MiB}),
				],
			}),
		);
		if (i === 1) assert.equal(store.getSnapshot().processes.find(r => r.sample.pid === 100)!.rssGrowthPerMin, null);
	}
	const [leaker, flat] = store.getSnapshot().processes;
	assert.equal(leaker!.sample.pid, 100, 'largest RSS first');
	assert.equal(leaker!.rssGrowthPerMin, 30 * MiB);
	assert.equal(leaker!.anonGrowthPerMin, 30 * MiB);
	assert.equal(leaker!.pssGrowthPerMin, 30 * MiB);
	assert.equal(leaker!.fdGrowthPerMin, 30);
	assert.equal(leaker!.rssDeltaBytes, 9 * MiB);
	assert.deepEqual(leaker!.rssHistory.slice(-3), [57 * MiB, 58 * MiB, 59 * MiB]);
	assert.equal(flat!.rssGrowthPerMin, 0);
	assert.equal(flat!.rssDeltaBytes, 0);
});

test('no slope until the points span 4 intervals (capped at 20 s): three samples a second apart say nothing', () => {
	const fast = newStore({intervalMs: 500});
	for (let i = 0; i < 5; i++) {
		fast.ingest(sampleAt({sec: i * 0.5, processes: [processSample(1, {rssBytes: (1 + i) * MiB})]}));
		assert.equal(fast.getSnapshot().processes[0]!.rssGrowthPerMin === null, i < 4, `tick ${i}`);
	}
	assert.equal(fast.getSnapshot().processes[0]!.rssGrowthPerMin, 120 * MiB);
	const slow = newStore({intervalMs: 60_000});
	for (let i = 0; i < 3; i++) slow.ingest(sampleAt({sec: i * 10, processes: [processSample(1, {rssBytes: (1 + i) * MiB})]}));
	assert.equal(slow.getSnapshot().processes[0]!.rssGrowthPerMin, 6 * MiB, 'a 20 s span is enough even at a 60 s interval');
});

test('slopes only use the growth window; details read on some ticks leave gaps, not zeros', () => {
	const store = newStore({growthWindowMs: 18_000});
	for (let i = 0; i < 30; i++) {
		// Grows for the first 40 s, flat afterwards: the 18 s window sees only the flat part.
		const rss = (100 + Math.min(i, 20)) * MiB;
		store.ingest(sampleAt({sec: i * 2, processes: [processSample(7, {rssBytes: rss, anonBytes: i % 2 ? null : rss, pssBytes: i % 3 ? null : rss})]}));
	}
	const row = store.getSnapshot().processes[0]!;
	assert.equal(row.rssGrowthPerMin, 0);
	assert.equal(row.anonGrowthPerMin, 0);
	assert.equal(row.pssGrowthPerMin, 0, 'only the ticks where PSS was read count');
	assert.equal(store.processSeries(row.key)!.pss.length, 10);
});

test('slab caches: growth per minute, delta since start, sorted by size', () => {
	const store = newStore();
	for (let i = 0; i < 5; i++) store.ingest(sampleAt({sec: i * 2, slabs: [slabSample('dentry', 100 + i * 10), slabSample('kmalloc-64', 500)]}));
	const [big, growing] = store.getSnapshot().slabs;
	assert.equal(big!.sample.name, 'kmalloc-64');
	assert.equal(big!.growthPerMin, 0);
	assert.equal(growing!.sample.name, 'dentry');
	assert.equal(growing!.growthPerMin, 10 * 4096 * 30);
	assert.equal(growing!.objsGrowthPerMin, 10 * 21 * 30);
	assert.equal(growing!.sizeDeltaBytes, 40 * 4096);
	assert.equal(growing!.objsDelta, 40 * 21);
	assert.equal(store.slabSeries('dentry')!.size.length, 5);
	store.ingest(sampleAt({sec: 10, slabs: [slabSample('kmalloc-64', 500)]}));
	assert.deepEqual(store.getSnapshot().slabs.map(r => r.sample.name), ['kmalloc-64'], 'a destroyed cache goes away');
});

test('available memory trend: falling 6 MiB a second is −360 MiB/min', () => {
	const store = newStore();
	for (let i = 0; i < 6; i++) store.ingest(sampleAt({sec: i * 2, meminfo: {MemTotal: 8192 * MiB, MemFree: 1024 * MiB, MemAvailable: (4096 - 12 * i) * MiB}}));
	assert.equal(store.getSnapshot().availableTrendPerMin, -360 * MiB);
});

test('pid reuse: the same pid with a new start time is a new process with its own series', () => {
	const store = newStore();
	for (let i = 0; i < 4; i++) store.ingest(sampleAt({sec: i * 4, processes: [processSample(42, {startTime: 500, rssBytes: (10 + i) * MiB})]}));
	for (let i = 4; i < 8; i++) store.ingest(sampleAt({sec: i * 4, processes: [processSample(42, {startTime: 900, rssBytes: 100 * MiB, comm: 'other'})]}));
	const s = store.getSnapshot();
	assert.equal(s.processes.length, 1);
	const now = s.processes[0]!;
	assert.equal(now.key, '42:900');
	assert.equal(now.rssDeltaBytes, 0, 'not +87 MiB against the old process');
	assert.equal(now.rssGrowthPerMin, 0);
	assert.equal(now.sample.comm, 'other');
	assert.deepEqual(s.exited.map(r => [r.key, r.sample.rssBytes]), [['42:500', 13 * MiB]], 'the old one exited with its last values');
	assert.equal(store.processSeries('42:500')!.rss.length, 4);
});

test('exited processes keep their last values for a minute, then are forgotten', () => {
	const store = newStore();
	store.ingest(sampleAt({sec: 0, processes: [processSample(1), processSample(2, {rssBytes: 77})]}));
	store.ingest(sampleAt({sec: 2, processes: [processSample(1)]}));
	let s = store.getSnapshot();
	assert.deepEqual(s.processes.map(r => r.sample.pid), [1]);
	assert.equal(s.exited.length, 1);
	assert.equal(s.exited[0]!.sample.rssBytes, 77);
	assert.equal(s.exited[0]!.exitedAtMs, sampleAt({sec: 2}).timeMs);
	store.ingest(sampleAt({sec: 60, processes: [processSample(1)]}));
	assert.equal(store.getSnapshot().exited.length, 1, 'still shown 58 s later');
	store.ingest(sampleAt({sec: 63, processes: [processSample(1)]}));
	s = store.getSnapshot();
	assert.equal(s.exited.length, 0);
	assert.equal(store.processSeries('2:1002'), null);
});

test('memory stays flat: 10,000 ticks with pid churn never grow any history past its capacity', () => {
	const store = newStore({systemPoints: 100, detailPoints: 20});
	let maxRows = 0;
	for (let i = 0; i < 10_000; i++) {
		const churn = processSample(10_000 + i, {rssBytes: i});
		const steady = processSample(1, {rssBytes: i * 4096});
		store.ingest(sampleAt({sec: i * 2, processes: [steady, churn], slabs: [slabSample('dentry', i), slabSample(`cache-${i % 50}`, 1)]}));
		const s = store.getSnapshot();
		maxRows = Math.max(maxRows, s.processes.length + s.exited.length);
	}
	for (const metric of SYSTEM_METRICS) assert.ok(store.systemSeries(metric).length <= 100, metric);
	const steadyRow = store.getSnapshot().processes.find(r => r.sample.pid === 1)!;
	const series = store.processSeries(steadyRow.key)!;
	assert.equal(series.rss.length, 20);
	assert.equal(series.anon.length, 20);
	assert.ok(steadyRow.rssHistory.length <= 24);
	assert.equal(store.slabSeries('dentry')!.size.length, 20);
	assert.ok(maxRows <= 2 + 31, `a new pid every 2 s, exited kept 60 s: at most ~32 rows (saw ${maxRows})`);
	assert.deepEqual(store.getSnapshot().slabs.map(r => r.sample.name).sort(), ['cache-49', 'dentry'], 'caches absent from the latest sample are dropped');
	assert.equal(steadyRow.rssGrowthPerMin, 4096 * 30, 'slope over the window still right after wrap-around');
});

test('freeze keeps showing one moment while sampling goes on', () => {
	const store = newStore();
	let notified = 0;
	const unsubscribe = store.subscribe(() => notified++);
	store.ingest(sampleAt({sec: 0, processes: [processSample(1, {rssBytes: 1})]}));
	store.setFrozen(true);
	const frozen = store.getSnapshot();
	assert.equal(frozen.frozen, true);
	store.ingest(sampleAt({sec: 1, processes: [processSample(1, {rssBytes: 2})]}));
	assert.equal(store.getSnapshot(), frozen, 'the same object: React does not re-render');
	assert.equal(store.current().ticks, 2, 'but the store kept sampling');
	assert.equal(store.current().processes[0]!.sample.rssBytes, 2);
	store.setFrozen(false);
	assert.equal(store.getSnapshot().frozen, false);
	assert.equal(store.getSnapshot().processes[0]!.sample.rssBytes, 2);
	assert.equal(notified, 4, 'ingest, freeze, ingest, unfreeze');
	unsubscribe();
	store.ingest(sampleAt({sec: 2}));
	assert.equal(notified, 4);
});

test('tick() pulls from the source until it runs out; growers and the selected pid are asked for detail, the selected for PSS every tick', () => {
	const samples = Array.from({length: 5}, (_, i) =>
		sampleAt({sec: i * 2, processes: [processSample(10, {rssBytes: (1 + i) * MiB}), processSample(20), processSample(30)]}),
	);
	const source = new ListSource(samples);
	const store = new Store({source});
	let ticks = 0;
	while (store.tick()) ticks++;
	assert.equal(ticks, 5);
	assert.equal(store.tick(), false);
	assert.deepEqual([...source.focused.detail], [10], 'the grower');
	assert.deepEqual([...source.focused.pss], [], 'its PSS follows the budget');
	store.setSelected([30]);
	assert.deepEqual([...source.focused.detail].sort(), [10, 30]);
	assert.deepEqual([...source.focused.pss], [30]);
});

test('start() ticks on a timer and stop() ends it (injectable source, short interval)', async () => {
	const source = new ListSource(Array.from({length: 3}, (_, i) => sampleAt({sec: i})));
	const store = new Store({source, intervalMs: 5});
	store.start();
	for (let waited = 0; store.getSnapshot().ticks < 3 && waited < 5000; waited += 10) await new Promise(resolve => setTimeout(resolve, 10));
	await new Promise(resolve => setTimeout(resolve, 30));
	assert.equal(store.getSnapshot().ticks, 3, 'stops by itself when the source runs out');
	store.stop();
	const stopped = new Store({source: new ListSource(Array.from({length: 100}, (_, i) => sampleAt({sec: i}))), intervalMs: 5});
	stopped.start();
	stopped.stop();
	await new Promise(resolve => setTimeout(resolve, 30));
	assert.equal(stopped.getSnapshot().ticks, 0, 'stop() before the first tick: no tick at all');
});

test('a sample without its processes (the first frame) is shown, then forgotten: the next one starts the history', () => {
	let analyzed = 0;
	const store = newStore({analyze: () => (analyzed++, [])});
	const light = sampleAt({sec: 0, slabs: [slabSample('kmalloc-cg-4k', 10)]});
	store.ingest({...light, sources: {...light.sources, processes: 'PENDING', pss: 'PENDING'}});
	assert.equal(store.getSnapshot().ticks, 1);
	assert.equal(store.getSnapshot().free!.totalBytes, 8192 * MiB, 'the first frame has its numbers');
	assert.equal(analyzed, 0, 'no verdicts from a sample without processes');
	// leaktop's own first scan of /proc grew a slab cache between the two samples.
	store.ingest(sampleAt({sec: 0.2, slabs: [slabSample('kmalloc-cg-4k', 500)], processes: [processSample(7, {rssBytes: 100 * MiB})]}));
	const s = store.getSnapshot();
	assert.equal(s.ticks, 1, 'history starts with the full sample');
	assert.equal(s.slabs[0]!.sizeDeltaBytes, 0, 'no growth "since start" from leaktop\'s own scan');
	assert.equal(s.processes.length, 1);
	assert.equal(s.rates, null, 'no rates across the forgotten sample');
	assert.equal(analyzed, 1);
});

test('property: with processes coming, going and sitting still, the rows are the live processes largest first and the exited ones gone within a minute', () => {
	// Ticks where no process came or went skip the pass over all histories, and a sample handed back
	// at its place skips the lookup by pid (processes forgotten and back again included): every tick
	// here is checked, those included.
	const tick = fc.record({dt: fc.constantFrom(2, 2, 2, 30), present: fc.array(fc.boolean(), {minLength: 6, maxLength: 6}), grow: fc.array(fc.constantFrom(0, 0, 0, 1, -1), {minLength: 6, maxLength: 6})});
	fc.assert(
		fc.property(fc.array(tick, {minLength: 5, maxLength: 30}), ticks => {
			const store = newStore({detailPoints: 8});
			const rss = [5, 5, 7, 9, 1, 3].map(n => n * MiB);
			const samples = rss.map((bytes, i) => processSample(i + 1, {rssBytes: bytes}));
			const goneAt = new Map<number, number>();
			let sec = 0;
			for (const t of ticks) {
				sec += t.dt;
				const present: typeof samples = [];
				t.present.forEach((here, i) => {
					if (!here) {
						if (!goneAt.has(i + 1) && store.processSeries(`${i + 1}:${samples[i]!.startTime}`)) goneAt.set(i + 1, sec);
						return;
					}
					goneAt.delete(i + 1);
					// A process that did not change hands back the same sample, as the scanner does.
					if (t.grow[i] !== 0) samples[i] = processSample(i + 1, {rssBytes: samples[i]!.rssBytes + t.grow[i]! * MiB});
					present.push(samples[i]!);
				});
				store.ingest(sampleAt({sec, processes: present}));
				const s = store.getSnapshot();
				assert.deepEqual(s.processes.map(r => r.sample.pid).sort(), present.map(p => p.pid).sort());
				for (let i = 1; i < s.processes.length; i++) assert.ok(s.processes[i - 1]!.sample.rssBytes >= s.processes[i]!.sample.rssBytes);
				for (const row of s.processes) assert.equal(row.sample, samples[row.sample.pid - 1]);
				for (const [pid, at] of goneAt) if (sec - at > 60) goneAt.delete(pid);
				assert.deepEqual(s.exited.map(r => r.sample.pid).sort(), [...goneAt.keys()].sort());
			}
		}),
		{numRuns: 300},
	);
});
