import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {Finding} from '../../source/diagnose/finding.js';
import {analyze, sortFindings, LEAK_RULES} from '../../source/diagnose/rules.js';
import {Store} from '../../source/store/store.js';
import {anonTaken, GiB, KiB, MiB, noise, play, ScriptedSource, slabTaken, timeline} from './timeline.js';

const MIN = 60_000;
const leakRules = (findings: Finding[]) => findings.filter(f => LEAK_RULES.has(f.rule));

describe('no false alarms', () => {
	it('an idle machine (noise only) for 10 minutes at 2 s gives no finding at all', () => {
		const played = play(timeline(10 * MIN, 2000, () => ({})));
		assert.deepEqual([...played.rules()], []);
	});

	it('an idle machine at 0.5 s and at 60 s intervals gives no finding either', () => {
		for (const interval of [500, 60_000]) {
			const played = play(timeline(10 * MIN, interval, () => ({})));
			assert.deepEqual([...played.rules()], [], `interval ${interval}`);
		}
	});

	it('a churning working set (rises 80 MiB over 15 s, frees it, again and again) is not a leak', () => {
		const jitter = noise(3);
		const played = play(
			timeline(10 * MIN, 2000, tMs => {
				const phase = tMs % 30_000;
				const rss = 50 * MiB + (phase < 15_000 ? (phase / 15_000) * 80 * MiB : 0) + Math.round(jitter() * 4) * 4096;
				return {processes: [{pid: 4242, comm: 'churner', rssBytes: rss, anonBytes: rss - 10 * MiB}], meminfo: anonTaken(rss)};
			}),
		);
		assert.equal(played.firstSeen('process-leak'), null);
		assert.equal(played.firstSeen('pinned-memory'), null);
	});

	it('one spike of 500 MiB for one tick on a flat process is not a leak', () => {
		const played = play(
			timeline(6 * MIN, 2000, tMs => ({processes: [{pid: 4242, comm: 'spiky', rssBytes: 100 * MiB + (tMs === 120_000 ? 500 * MiB : 0)}]})),
		);
		assert.deepEqual([...played.rules()], []);
	});

	it('a process that allocated its working set at start and then plateaus is not a leak', () => {
		const played = play(
			timeline(6 * MIN, 2000, tMs => ({processes: [{pid: 4242, comm: 'warmup', rssBytes: 20 * MiB + Math.min(tMs, 8000) * 25 * KiB}]})),
		);
		assert.equal(played.firstSeen('process-leak'), null);
	});

	it('RSS growing from a mapped file while anonymous memory stays flat is not a leak', () => {
		const played = play(
			timeline(5 * MIN, 2000, tMs => ({processes: [{pid: 4242, comm: 'mmapreader', rssBytes: 10 * MiB + (tMs / MIN) * 20 * MiB, anonBytes: 4 * MiB}]})),
		);
		assert.equal(played.firstSeen('process-leak'), null);
	});
});

describe('process leak suspect', () => {
	const leaker = (ratePerMin: number, startMs = 0) => (tMs: number) => {
		const grown = Math.max(0, tMs - startMs) / MIN * ratePerMin;
		// A leak grows in whole pages, unevenly: a chunk some ticks, nothing on others.
		const rss = 30 * MiB + Math.floor(grown / 4096) * 4096;
		return {processes: [{pid: 31337, comm: 'leaker', rssBytes: rss}], meminfo: anonTaken(grown)};
	};

	it('~1 MiB/min is flagged within 2 minutes at the default 2 s interval, naming the process', () => {
		const played = play(timeline(4 * MIN, 2000, leaker(1 * MiB)));
		const first = played.firstSeen('process-leak', 'pid 31337 (leaker)');
		assert.ok(first !== null && first <= 2 * MIN, `flagged at ${first}`);
		assert.ok(first >= 40_000, `not before the minimum window (${first})`);
		const finding = played.ticks.at(-1)!.findings.find(f => f.rule === 'process-leak')!;
		assert.equal(finding.target?.kind, 'process');
		assert.ok(Math.abs(Number(finding.evidence.rssGrowthBytesPerMin) - MiB) < 0.1 * MiB, String(finding.evidence.rssGrowthBytesPerMin));
		assert.ok(Number(finding.evidence.monotonicity) >= 0.9);
		assert.match(finding.message, /leaker/);
	});

	it("leaktop's own process (the sample's selfPid) is never judged: its heap fills before V8 collects it", () => {
		const samples = timeline(4 * MIN, 2000, leaker(10 * MiB)).map(sample => ({...sample, selfPid: 31337}));
		assert.equal(play(samples).firstSeen('process-leak', 'leaker'), null);
	});

	it('~10 MiB/min is flagged within 60 s', () => {
		const first = play(timeline(2 * MIN, 2000, leaker(10 * MiB))).firstSeen('process-leak', 'leaker');
		assert.ok(first !== null && first <= MIN, `flagged at ${first}`);
	});

	it('the same time-based bar holds at 0.5 s and at 10 s intervals', () => {
		assert.ok((play(timeline(3 * MIN, 500, leaker(1 * MiB))).firstSeen('process-leak', 'leaker') ?? Infinity) <= 2 * MIN);
		assert.ok((play(timeline(3 * MIN, 10_000, leaker(1 * MiB))).firstSeen('process-leak', 'leaker') ?? Infinity) <= 2 * MIN);
	});

	it('at a 60 s interval it still speaks, once three samples span the minimum window', () => {
		const first = play(timeline(10 * MIN, 60_000, leaker(2 * MiB))).firstSeen('process-leak', 'leaker');
		assert.ok(first !== null && first <= 4 * MIN, `flagged at ${first}`);
	});

	it('a leak starting after 4 flat minutes is flagged within 2 minutes of its start', () => {
		const first = play(timeline(8 * MIN, 2000, leaker(1 * MiB, 4 * MIN))).firstSeen('process-leak', 'leaker');
		assert.ok(first !== null && first - 4 * MIN <= 2 * MIN, `flagged ${first === null ? 'never' : (first - 4 * MIN) / 1000 + ' s after start'}`);
	});

	it('ranks two leakers by slope, fastest first, and ignores the flat one', () => {
		const played = play(
			timeline(3 * MIN, 2000, tMs => ({
				processes: [
					{pid: 100, comm: 'slow', rssBytes: 10 * MiB + Math.floor((tMs / MIN) * MiB / 4096) * 4096},
					{pid: 200, comm: 'fast', rssBytes: 10 * MiB + Math.floor((tMs / MIN) * 8 * MiB / 4096) * 4096},
					{pid: 300, comm: 'flat', rssBytes: 50 * MiB},
				],
			})),
		);
		const leaks = played.ticks.at(-1)!.findings.filter(f => f.rule === 'process-leak');
		assert.deepEqual(leaks.map(f => f.evidence.comm), ['fast', 'slow']);
	});

	it('reports anon and PSS growth where they are read', () => {
		const played = play(
			timeline(3 * MIN, 2000, tMs => {
				const grown = Math.floor((tMs / MIN) * 4 * MiB / 4096) * 4096;
				return {processes: [{pid: 7, comm: 'detailed', rssBytes: 40 * MiB + grown, anonBytes: 20 * MiB + grown, pssBytes: 30 * MiB + grown}]};
			}),
		);
		const finding = played.ticks.at(-1)!.findings.find(f => f.rule === 'process-leak')!;
		assert.ok(Number(finding.evidence.anonGrowthBytesPerMin) > 3.5 * MiB);
		assert.ok(Number(finding.evidence.pssGrowthBytesPerMin) > 3.5 * MiB);
		assert.match(finding.message, /anon \+4\.00M\/min, PSS \+4\.00M\/min/);
	});

	it('does not flap: raised once, kept while the leak goes on, cleared after clearMs once it stops', () => {
		// Leaks 1 MiB/min for 4 minutes with a noisy RSS, then stops.
		const jitter = noise(11);
		const played = play(
			timeline(9 * MIN, 2000, tMs => {
				const grown = (Math.min(tMs, 4 * MIN) / MIN) * MiB;
				return {processes: [{pid: 9, comm: 'stopper', rssBytes: 30 * MiB + Math.floor(grown / 4096) * 4096 + Math.round(jitter() * 3) * 4096}]};
			}),
		);
		const present = played.ticks.map(tick => tick.findings.some(f => f.rule === 'process-leak'));
		const transitions = present.filter((p, i) => i > 0 && p !== present[i - 1]).length;
		assert.equal(transitions, 2, 'raised once and cleared once');
		const cleared = played.ticks[present.lastIndexOf(true) + 1]!.tMs;
		assert.ok(cleared >= 4 * MIN + 30_000, `kept at least clearMs after the leak stopped (cleared at ${cleared})`);
	});

	it('a process that exits takes its finding with it', () => {
		const played = play(
			timeline(4 * MIN, 2000, tMs => (tMs < 3 * MIN ? {processes: [{pid: 5, comm: 'dies', rssBytes: 10 * MiB + Math.floor((tMs / MIN) * 4 * MiB / 4096) * 4096}]} : {})),
		);
		assert.ok(played.firstSeen('process-leak', 'dies') !== null);
		assert.equal(played.ticks.at(-1)!.findings.some(f => f.rule === 'process-leak'), false);
	});
});

describe('fd leak suspect', () => {
	it('open fds growing 100/min is flagged; a steady fd count is not', () => {
		const played = play(
			timeline(3 * MIN, 2000, tMs => ({
				processes: [
					{pid: 11, comm: 'fdleak', rssBytes: 10 * MiB, fdCount: 20 + Math.floor((tMs / MIN) * 100)},
					{pid: 12, comm: 'fdsteady', rssBytes: 10 * MiB, fdCount: 200 + (tMs % 4000 === 0 ? 1 : 0)},
				],
			})),
		);
		assert.ok(played.firstSeen('fd-leak', 'fdleak') !== null);
		assert.equal(played.firstSeen('fd-leak', 'fdsteady'), null);
		const finding = played.ticks.at(-1)!.findings.find(f => f.rule === 'fd-leak')!;
		assert.ok(Math.abs(Number(finding.evidence.fdGrowthPerMin) - 100) < 10);
	});
});

describe('kernel slab leak suspect', () => {
	// What a process leaking eventfds does on this kernel (measured): per 1000 fds, filp +190 KiB,
	// kmalloc-64 +62 KiB (unreclaimable), dentry +190 KiB (reclaimable, pinned by the open files).
	const eventfdLeak = (fdsPerMin: number) => (tMs: number) => {
		const fds = (tMs / MIN) * fdsPerMin;
		const filp = (fds / 1000) * 190 * KiB;
		const kmalloc = (fds / 1000) * 62 * KiB;
		const dentry = (fds / 1000) * 190 * KiB;
		return {
			meminfo: {...slabTaken(filp + kmalloc + dentry), SUnreclaim: filp + kmalloc, SReclaimable: dentry},
			slabs: [
				{name: 'filp', sizeBytes: 2 * MiB + Math.floor(filp / 4096) * 4096, reclaimable: false},
				{name: 'kmalloc-64', sizeBytes: MiB + Math.floor(kmalloc / 4096) * 4096, reclaimable: false},
				{name: 'dentry', sizeBytes: 8 * MiB + Math.floor(dentry / 4096) * 4096, reclaimable: true},
			],
			processes: [{pid: 77, comm: 'fdhog', rssBytes: 9 * MiB}],
		};
	};

	it('SUnreclaim growing names the growing caches, unreclaimable first, and blames no process', () => {
		const played = play(timeline(3 * MIN, 2000, eventfdLeak(10_000)));
		const first = played.firstSeen('slab-leak');
		assert.ok(first !== null && first <= 90_000, `flagged at ${first}`);
		const finding = played.ticks.at(-1)!.findings.find(f => f.rule === 'slab-leak')!;
		assert.equal(finding.evidence.caches, 'filp,kmalloc-64,dentry');
		assert.deepEqual(finding.target, {kind: 'slab', name: 'filp'});
		assert.match(finding.message, /filp \+1\.8\dM\/min, kmalloc-64 \+\d+K\/min, dentry \+1\.8\dM\/min \(reclaimable\)/);
		assert.equal(played.firstSeen('process-leak'), null);
	});

	it('says the caches are unknown when slab caches cannot be read', () => {
		const samples = timeline(3 * MIN, 2000, eventfdLeak(10_000)).map(s => ({...s, slabs: null}));
		const finding = play(samples).ticks.at(-1)!.findings.find(f => f.rule === 'slab-leak')!;
		assert.match(finding.message, /caches are unknown \(reading slab caches needs root\)/);
		assert.equal(finding.subject, 'kernel slab');
	});

	it('reclaimable slab growing alone (dentries from listing files) is not a slab leak', () => {
		const played = play(timeline(4 * MIN, 2000, tMs => ({meminfo: {Slab: (tMs / MIN) * 8 * MiB, SReclaimable: (tMs / MIN) * 8 * MiB}})));
		assert.equal(played.firstSeen('slab-leak'), null);
	});
});

describe('kernel memory with no owner', () => {
	it('vmalloc growing 4 MiB/min is named', () => {
		const played = play(timeline(4 * MIN, 2000, tMs => ({meminfo: {VmallocUsed: (tMs / MIN) * 4 * MiB, MemFree: -(tMs / MIN) * 4 * MiB, MemAvailable: -(tMs / MIN) * 4 * MiB}})));
		const finding = played.ticks.at(-1)!.findings.find(f => f.rule === 'kernel-no-owner')!;
		assert.match(finding.message, /vmalloc \+4\.00M\/min/);
		assert.ok(Number(finding.evidence.vmallocUsedGrowthBytesPerMin) > 3.9 * MiB);
		assert.equal(played.firstSeen('process-leak'), null);
	});

	it('memory gone that no counter explains is named as the unexplained remainder', () => {
		const played = play(timeline(4 * MIN, 2000, tMs => ({meminfo: {MemFree: -(tMs / MIN) * 40 * MiB, MemAvailable: -(tMs / MIN) * 40 * MiB}})));
		const finding = played.ticks.at(-1)!.findings.find(f => f.rule === 'kernel-no-owner')!;
		assert.match(finding.message, /unexplained \+(39\.9|40\.0)M\/min/);
	});
});

describe('pinned memory, cache, exhaustion', () => {
	it('available falling 20 MiB/min into anonymous memory is pinned, and says who holds it', () => {
		const played = play(timeline(4 * MIN, 2000, tMs => ({meminfo: anonTaken((tMs / MIN) * 20 * MiB)})));
		const finding = played.ticks.at(-1)!.findings.find(f => f.rule === 'pinned-memory')!;
		assert.match(finding.message, /most of it is anonymous memory of processes/);
		assert.ok(Number(finding.evidence.availableGrowthBytesPerMin) < -19 * MiB);
	});

	it('available falling then coming back is not pinned', () => {
		const played = play(timeline(6 * MIN, 2000, tMs => ({meminfo: anonTaken((tMs < 2 * MIN ? tMs : Math.max(0, 4 * MIN - tMs)) / MIN * 20 * MiB)})));
		const present = played.ticks.map(t => t.findings.some(f => f.rule === 'pinned-memory'));
		assert.equal(present.at(-1), false);
	});

	it('page cache filling 1.5 GiB from a file read is "not a leak — cache", with no leak finding', () => {
		const played = play(
			timeline(4 * MIN, 2000, tMs => {
				const read = Math.min(1, Math.max(0, (tMs - 60_000) / 20_000)) * 1.5 * GiB;
				return {meminfo: {Cached: read, 'Inactive(file)': read, MemFree: -read, MemAvailable: -read * 0.02}};
			}),
		);
		assert.ok(played.firstSeen('cache-not-leak') !== null);
		const finding = played.ticks.at(-1)!.findings.find(f => f.rule === 'cache-not-leak')!;
		assert.equal(finding.severity, 'info');
		assert.match(finding.message, /^Not a leak: buff\/cache grew by 1\.\d\dG/);
		assert.deepEqual(played.ticks.flatMap(t => leakRules(t.findings)), []);
	});

	it('cache growing while anonymous memory takes most of what left free is no "cache" verdict', () => {
		const played = play(
			timeline(4 * MIN, 2000, tMs => {
				const grown = (tMs / (4 * MIN)) * GiB;
				return {meminfo: {...anonTaken(grown), Cached: grown / 8, MemFree: -grown * (1 + 1 / 8)}};
			}),
		);
		assert.equal(played.firstSeen('cache-not-leak'), null);
		assert.ok(played.firstSeen('pinned-memory') !== null);
	});

	it('time to exhaustion: 100 MiB/min on 2 GiB available is critical within the hour', () => {
		const played = play(
			timeline(4 * MIN, 2000, tMs => ({meminfo: {...anonTaken((tMs / MIN) * 100 * MiB), MemAvailable: 2 * GiB - 23_531 * MiB - (tMs / MIN) * 100 * MiB}})),
		);
		const finding = played.ticks.at(-1)!.findings.find(f => f.rule === 'exhaustion')!;
		assert.equal(finding.severity, 'critical');
		assert.match(finding.message, /available memory \(1\.\d+G now\) runs out in about 1\d min/);
		assert.equal(played.ticks.at(-1)!.findings[0]!.rule, 'exhaustion', 'the most urgent finding comes first');
	});

	it('a cgroup limit from the limits hook gets its own time to exhaustion', () => {
		const played = play(timeline(3 * MIN, 2000, () => ({})), {
			limits: store => {
				const now = store.current().sample!.monoMs;
				const usage = store.systemSeries('availableBytes').map(p => ({tMs: p.tMs, value: 100 * MiB + (p.tMs / MIN) * 50 * MiB}));
				return now >= 0 ? [{subject: 'cgroup /app', limitBytes: 512 * MiB, usage, target: {kind: 'cgroup', path: '/app'}}] : [];
			},
		});
		const finding = played.ticks.at(-1)!.findings.find(f => f.rule === 'exhaustion' && f.subject === 'cgroup /app')!;
		assert.match(finding.message, /cgroup \/app reaches its limit of 512M \(250M used now\) in about 5 min/);
		assert.deepEqual(finding.target, {kind: 'cgroup', path: '/app'});
	});
});

describe('pressure', () => {
	it('pages scanned on most samples is reclaim pressure; PSI full ≥ 10% makes it critical', () => {
		const played = play(timeline(3 * MIN, 2000, tMs => ({vmstat: {pgscan_kswapd: Math.round(tMs / 2000) * 500}, pressure: {some: 20, full: tMs > 2 * MIN ? 12 : 2}})));
		const finding = played.ticks.at(-1)!.findings.find(f => f.rule === 'reclaim-pressure')!;
		assert.equal(finding.severity, 'critical');
		assert.equal(finding.evidence.srMeanPerSec, 250);
	});

	it('one burst of reclaim is not pressure', () => {
		const played = play(timeline(3 * MIN, 2000, tMs => ({vmstat: {pgscan_kswapd: tMs >= 60_000 ? 10_000 : 0}})));
		assert.equal(played.firstSeen('reclaim-pressure'), null);
	});

	it('si/so non-zero on most samples is swapping', () => {
		const played = play(timeline(3 * MIN, 2000, tMs => ({vmstat: {pswpin: Math.round(tMs / 2000) * 10, pswpout: Math.round(tMs / 2000) * 30}})));
		const finding = played.ticks.at(-1)!.findings.find(f => f.rule === 'swapping')!;
		assert.equal(finding.evidence.siKibPerSec, 20);
		assert.equal(finding.evidence.soKibPerSec, 60);
	});

	it('an OOM kill is critical at once', () => {
		const played = play(timeline(MIN, 2000, tMs => ({vmstat: {oom_kill: tMs >= 20_000 ? 1 : 0}})));
		assert.equal(played.firstSeen('oom-kill'), 20_000);
	});
});

describe('analyze and ordering', () => {
	it('the module-level analyze keeps state per store', () => {
		const samples = timeline(3 * MIN, 2000, tMs => ({processes: [{pid: 1, comm: 'x', rssBytes: 10 * MiB + Math.floor((tMs / MIN) * 8 * MiB / 4096) * 4096}]}));
		const store = new Store({source: new ScriptedSource(samples), analyze});
		while (store.tick());
		assert.ok(store.current().findings.some(f => f.rule === 'process-leak'));
	});

	it('sortFindings: critical first, culprits before consequences, faster growers first', () => {
		const f = (rule: string, severity: Finding['severity'], rate = 0): Finding => ({rule, severity, confidence: 1, subject: rule + rate, message: '', evidence: {rssGrowthBytesPerMin: rate}});
		const sorted = sortFindings([f('cache-not-leak', 'info'), f('pinned-memory', 'warning'), f('process-leak', 'warning', 1), f('process-leak', 'warning', 5), f('exhaustion', 'critical')]);
		assert.deepEqual(sorted.map(x => x.subject), ['exhaustion0', 'process-leak5', 'process-leak1', 'pinned-memory0', 'cache-not-leak0']);
	});
});
