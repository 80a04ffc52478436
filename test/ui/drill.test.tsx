import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {cleanup, render} from 'ink-testing-library';
import type {KmemReport} from '../../source/kmem/match.js';
import {ok, fail} from '../../source/probe/result.js';
import type {DrillTarget, Sample} from '../../source/probe/sample.js';
import {SLAB_DETAIL_ATTRIBUTES} from '../../source/probe/slabDetail.js';
import {mappingKey, mappingKind, type Mapping, type SmapsTotals} from '../../source/probe/smaps.js';
import type {Source} from '../../source/source/live.js';
import {Store} from '../../source/store/store.js';
import {App} from '../../source/ui/App.js';
import type {KmemState, KmemTracer} from '../../source/ui/kmemTracer.js';
import {makeTheme} from '../../source/ui/theme.js';
import {ThemeContext} from '../../source/ui/ThemeContext.js';
import {machineAt} from './synthetic.js';
import {eventually as within} from '../helpers/eventually.js';

const KEYS = {down: '\u001B[B', enter: '\r', tab: '\t', escape: '\u001B'};
const MiB = 1024 * 1024;

afterEach(() => cleanup());

function mapping(start: string, path: string, rssBytes: number, anonymousBytes: number, perms = 'rw-p'): Mapping {
	return {
		key: mappingKey(start, path),
		start,
		end: start,
		perms,
		offset: '00000000',
		dev: '00:00',
		inode: 0,
		path,
		kind: mappingKind(path, perms),
		deleted: false,
		sizeBytes: 64 * MiB,
		rssBytes,
		pssBytes: rssBytes,
		sharedCleanBytes: 0,
		sharedDirtyBytes: 0,
		privateCleanBytes: 0,
		privateDirtyBytes: anonymousBytes,
		anonymousBytes,
		swapBytes: 0,
		swapPssBytes: 0,
		lockedBytes: 0,
	};
}

function totals(mappings: Mapping[]): SmapsTotals {
	const sum = (field: keyof Mapping) => mappings.reduce((n, m) => n + (m[field] as number), 0);
	return {
		mappings: mappings.length,
		sizeBytes: sum('sizeBytes'),
		rssBytes: sum('rssBytes'),
		pssBytes: sum('pssBytes'),
		ussBytes: sum('privateDirtyBytes'),
		dirtyBytes: sum('privateDirtyBytes'),
		sharedCleanBytes: 0,
		sharedDirtyBytes: 0,
		privateCleanBytes: 0,
		privateDirtyBytes: sum('privateDirtyBytes'),
		anonymousBytes: sum('anonymousBytes'),
		swapBytes: 0,
		swapPssBytes: 0,
		lockedBytes: 0,
	};
}

/**
 * The synthetic machine through the Source interface, with drill readings for whatever the store
 * asks to drill: pid 202's heap-like mapping grows 10 MiB a tick, a mapping appears at tick 4 and
 * one vanishes at tick 5; pid 202 exits after `exitAt` ticks.
 */
class SyntheticSource implements Source {
	readonly kind = 'replay';
	tick = 0;
	target: DrillTarget | null = null;
	constructor(private readonly exitAt = Infinity) {}
	drill(target: DrillTarget | null): void {
		this.target = target;
	}
	next(): Sample {
		const i = this.tick++;
		const sample = machineAt(i);
		if (i >= this.exitAt) sample.processes = sample.processes.filter(p => p.pid !== 202);
		const target = this.target;
		if (target?.kind === 'process') {
			const process = sample.processes.find(p => p.pid === target.pid) ?? null;
			const mappings = [
				mapping('55d0a0000000', '[heap]', 2 * MiB, 2 * MiB),
				mapping('7f0000000000', '', 100 * MiB + i * 10 * MiB, 100 * MiB + i * 10 * MiB),
				mapping('7f1000000000', '/usr/lib/x86_64-linux-gnu/a-very-long-directory-name/libsomething-with-a-long-name.so.1.2.3', 3 * MiB, 0, 'r-xp'),
			];
			if (i >= 4) mappings.push(mapping('7f2000000000', '', 8 * MiB, 8 * MiB));
			if (i < 5) mappings.push(mapping('7f3000000000', '/memfd:cache (deleted)', MiB, 0, 'rw-s'));
			sample.drill = {
				kind: 'process',
				pid: target.pid,
				process,
				smaps: process ? ok({mappings, totals: totals(mappings), truncated: false, badLines: 0, readMs: 3, bytes: 4096}) : fail('ENOENT'),
				smapsMonoMs: sample.monoMs,
				warning: null,
			};
		} else if (target?.kind === 'slab') {
			const attributes = Object.fromEntries(SLAB_DETAIL_ATTRIBUTES.map(name => [name, ok(name === 'objects' ? 10_000 + i * 2000 : 64)]));
			attributes.cpu_slabs = fail('ENOENT');
			sample.drill = {
				kind: 'slab',
				name: target.name,
				detail: ok({name: target.name, dir: ':0000064', aliases: ['eventpoll_pwq'], merged: true, attributes: attributes as never}),
			};
		}
		return sample;
	}
	close(): void {}
}

const settle = () => new Promise(resolve => setTimeout(resolve, 100));

/**
 * Waits for a frame or an effect. A loaded 2-core machine can take a second or more to draw
 * one; the wait ends as soon as the check holds.
 */
const eventually = (check: () => void) => within(check, 10_000);

/** Types keys one at a time, as a person does. */
async function type(stdin: {write: (data: string) => void}, ...keys: string[]): Promise<void> {
	for (const key of keys) {
		stdin.write(key);
		await settle();
	}
}

/**
 * Types a key and waits for the frame it draws. The app handles a key with the state its last
 * frame was drawn from, so a key whose meaning depends on the one before (Enter after a move)
 * must wait for that frame, as a person who looks at the screen does; a fixed pause is not enough
 * when the machine is busy.
 */
async function press(app: {stdin: {write: (data: string) => void}; frames: string[]}, key: string): Promise<void> {
	const drawn = app.frames.length;
	app.stdin.write(key);
	await eventually(() => assert.ok(app.frames.length > drawn, `no frame drawn after ${JSON.stringify(key)}`));
}

async function mount(store: Store, kmem?: KmemTracer) {
	const app = render(
		<ThemeContext.Provider value={makeTheme(false)}>
			<App store={store} kmem={kmem} />
		</ThemeContext.Provider>,
	);
	await settle();
	return app;
}

function started(source: SyntheticSource, ticks = 2): Store {
	const store = new Store({source, intervalMs: 2000});
	for (let i = 0; i < ticks; i++) store.tick();
	return store;
}

test('Enter on a process opens its mappings; they grow tick by tick; new and gone are marked; Esc returns with the selection kept', async () => {
	const source = new SyntheticSource();
	const store = started(source);
	const app = await mount(store);
	const {lastFrame, stdin} = app;
	await press(app, KEYS.down);
	await eventually(() => assert.match(lastFrame()!, /Processes/));
	await type(stdin, KEYS.enter);
	await eventually(() => assert.match(lastFrame()!, /pid 202\s+alice\s+\/usr\/bin\/leaky --serve/));
	// The store hears of the drill from an effect, which runs after the frame is drawn.
	await eventually(() => assert.deepEqual(source.target, {kind: 'process', pid: 202, key: '202:1202'}));
	for (let i = 0; i < 5; i++) store.tick();
	await eventually(() => {
		const frame = lastFrame()!;
		// The growing anonymous mapping leads: +40 MiB since the first reading, 300 MiB a minute.
		assert.match(frame, /7f0000000000 rw-p\s+160M\s+160M\s+0B\s+\+40\.0M\s+\+300M\s+\[ anon \]/);
		assert.match(frame, /7f2000000000 .* new /);
		assert.match(frame, /7f3000000000 .* gone /);
		assert.match(frame, /\/usr\/lib\/x86_64-l\S*…\S*long-name\.so\.1\.2\.3/, 'long paths are cut in the middle, keeping their end');
		assert.match(frame, /total kB\s+size \d+\s+RSS \d+/);
		assert.match(frame, /Mappings 5\/5 \(1 new, 1 gone\)\s+sort: ANON GROWTH/);
	});
	await type(stdin, 'N');
	await eventually(() => assert.match(lastFrame()!, /sort: ADDRESS/));
	await type(stdin, '/');
	await type(stdin, ...'libsome');
	await type(stdin, KEYS.enter);
	await eventually(() => assert.match(lastFrame()!, /Mappings 1\/5/));
	await type(stdin, '?');
	await eventually(() => assert.match(lastFrame()!, /leaktop keys/));
	await type(stdin, KEYS.escape);
	await eventually(() => assert.match(lastFrame()!, /Mappings 1\/5/));
	await type(stdin, KEYS.escape);
	await eventually(() => assert.match(lastFrame()!, /Processes 4\/4/));
	// The store hears of it from an effect, which runs after the frame is drawn.
	await eventually(() => assert.equal(source.target, null, 'leaving the view stops the close sampling'));
	await type(stdin, KEYS.enter);
	await eventually(() => assert.match(lastFrame()!, /pid 202\s+alice/));
});

test('a drilled process that exits freezes with the exit time and keeps what was collected', async () => {
	const source = new SyntheticSource(4);
	const store = started(source);
	const app = await mount(store);
	const {lastFrame, stdin} = app;
	await press(app, KEYS.down);
	await type(stdin, KEYS.enter);
	await eventually(() => assert.match(lastFrame()!, /pid 202\s+alice/));
	await eventually(() => assert.equal(source.target?.kind, 'process'));
	for (let i = 0; i < 4; i++) store.tick();
	await eventually(() => {
		const frame = lastFrame()!;
		assert.match(frame, /exited at \d\d:\d\d:\d\d/);
		assert.match(frame, /7f0000000000 rw-p/);
	});
	await type(stdin, KEYS.down);
	await eventually(() => assert.match(lastFrame()!, /exited at/));
});

test('permission denied says per-mapping detail needs root and shows status figures', async () => {
	const source = new SyntheticSource();
	const denied: Source = {
		kind: 'replay',
		drill: target => source.drill(target),
		next: () => {
			const sample = source.next();
			if (sample.drill?.kind === 'process') sample.drill = {...sample.drill, smaps: fail('EACCES')};
			return sample;
		},
		close() {},
	};
	const store = new Store({source: denied, intervalMs: 2000});
	store.tick();
	store.tick();
	const app = await mount(store);
	const {lastFrame, stdin} = app;
	await press(app, KEYS.down);
	await type(stdin, KEYS.enter);
	await eventually(() => assert.equal(source.target?.kind, 'process'));
	store.tick();
	await eventually(() => {
		const frame = lastFrame()!;
		assert.match(frame, /per-mapping detail needs root/);
		assert.match(frame, /RSS\s+1\d\dM/);
	});
});

test('Enter on a slab cache opens its attributes, aliases, slabinfo row and growth; t traces and lists call sites; Esc cancels', async () => {
	const source = new SyntheticSource();
	const store = started(source, 6);
	const calls: string[] = [];
	const kmem: KmemTracer = {
		start(cache, durationSec, onState: (state: KmemState) => void) {
			calls.push(`start ${cache} ${durationSec}`);
			onState({phase: 'tracing', cache, durationSec, startedMs: Date.now()});
			setTimeout(() => onState({phase: 'done', cache, report: report(cache)}), 50);
		},
		stop: () => calls.push('stop'),
		cancel: () => calls.push('cancel'),
	};
	const {lastFrame, stdin} = await mount(store, kmem);
	await type(stdin, KEYS.tab);
	await eventually(() => assert.match(lastFrame()!, /▶ Slab caches/));
	await type(stdin, 'G');
	// Enter drills the row the last frame selected: the growth sort must be on screen first.
	await eventually(() => assert.match(lastFrame()!, /▶ Slab caches \d+\/\d+\s+sort: GROWTH/));
	await type(stdin, KEYS.enter);
	await eventually(() => assert.match(lastFrame()!, /slab cache kmalloc-64\s+\(merged with eventpoll_pwq\)/));
	await eventually(() => assert.deepEqual(source.target, {kind: 'slab', name: 'kmalloc-64'}));
	for (let i = 0; i < 5; i++) store.tick();
	await eventually(() => {
		const frame = lastFrame()!;
		assert.match(frame, /slab_nomerge/);
		assert.match(frame, /slabinfo\s+kmalloc-64 \d+ \d+ 64 64 1 : slabdata \d+ \d+/);
		assert.match(frame, /missing: cpu_slabs \(ENOENT\)/);
		// 2000 objects per 2 s tick.
		assert.match(frame, /growth objects \+60000\/min/);
		assert.match(frame, /since opened \+10000/);
	});
	await type(stdin, 'T');
	await eventually(() => assert.match(lastFrame()!, /for 30 s/));
	await type(stdin, 't');
	await eventually(() => assert.match(lastFrame()!, /do_eventfd\+0x34/));
	assert.deepEqual(calls, ['start kmalloc-64 30']);
	assert.match(lastFrame()!, /1 call sites still hold memory/);
	await type(stdin, KEYS.escape);
	await eventually(() => assert.match(lastFrame()!, /Slab caches/));
	// The drill view stops perf as it unmounts, in an effect's cleanup: after the frame.
	await eventually(() => assert.ok(calls.includes('cancel'), 'perf is stopped when the view is left'));
});

function report(cache: string): KmemReport {
	return {
		traceSec: 30,
		graceSec: 1,
		cache,
		events: 100,
		allocs: 60,
		frees: 10,
		ignoredTracerAllocs: 0,
		nullFrees: 0,
		unmatchedFrees: 0,
		lostFrees: 0,
		lostEvents: 0,
		unparsedLines: 0,
		youngOutstanding: 0,
		incomplete: false,
		incompleteReasons: [],
		outstanding: [
			{callSite: '0xffffffff81455e04', symbol: 'do_eventfd+0x34', cache, cacheInferred: false, count: 50, requestedBytes: 50 * 48, allocatedBytes: 50 * 64, oldestAgeSec: 20, comms: ['python3']},
		],
	};
}
