import assert from 'node:assert/strict';
import {join} from 'node:path';
import {afterEach, test} from 'node:test';
import {cleanup, render} from 'ink-testing-library';
import {Files} from '../../source/probe/files.js';
import {LiveSource} from '../../source/source/live.js';
import {Store} from '../../source/store/store.js';
import {App} from '../../source/ui/App.js';
import {makeTheme} from '../../source/ui/theme.js';
import {ThemeContext} from '../../source/ui/ThemeContext.js';
import {arraySource, machineAt} from './synthetic.js';
import {cgroupStoreWith, DOCKER_ID} from './cgroupSynthetic.js';
import {eventually} from '../helpers/eventually.js';

const KEYS = {down: '\u001B[B', up: '\u001B[A', enter: '\r', escape: '\u001B', tab: '\t'};
const MiB = 1024 * 1024;

afterEach(() => cleanup());

const settle = () => new Promise(resolve => setTimeout(resolve, 100));

function mount(store: Store) {
	return render(
		<ThemeContext.Provider value={makeTheme(false)}>
			<App store={store} />
		</ThemeContext.Provider>,
	);
}

/** Paths of the cgroup table's rows, in order (the column is cut in the middle when long). */
function cgroupOrder(frame: string): string[] {
	const lines = frame.split('\n');
	const start = lines.findIndex(line => line.startsWith('PATH '));
	return lines
		.slice(start + 1)
		.filter(line => /^\/\S*\s+\S+\s+(max|\S+)\s/.test(line))
		.map(line => line.split(/\s+/)[0]!);
}

/** Pids in the process table shown, in order. */
function pids(frame: string): string[] {
	return frame
		.split('\n')
		.filter(line => /^\s+\d+ (alice|root)/.test(line))
		.map(line => line.trim().split(/\s+/)[0]!);
}

test('g shows the memory cgroups in the bottom pane with usage, limit, % of limit, growth and OOM kills; g again the slab caches', async () => {
	const {lastFrame, stdin} = mount(cgroupStoreWith(12));
	assert.match(lastFrame()!, /Slab caches/);
	stdin.write('g');
	await eventually(() => assert.match(lastFrame()!, /▶ Memory cgroups 5\/5 \(v2\)\s+sort: USAGE/));
	const frame = lastFrame()!;
	assert.match(frame, /PATH\s+USAGE\s+LIMIT %LIM\s+ANON\s+FILE\s+OOM\s+PEAK\s+KERNEL\s+SLAB\s+Δ\s+GROWTH/);
	assert.deepEqual(cgroupOrder(frame).slice(0, 2), ['/', '/system.slice']);
	// The docker scope: 310 MiB of a 512 MiB limit, 10 MiB every 2 s tick, one OOM kill; its long path is cut in the middle.
	assert.match(frame, /\/system\.sli…f0a1b\.scope\s+310M\s+512M\s+61\s+186M\s+93\.0M\s+1\s+318M\s+31\.0M\s+15\.5M\s+\+110M\s+\+300M\/m/);
	assert.match(frame, /^\/\s+6\.11G\s+max\s+-\s/m);
	assert.match(frame, /g cgroups/);
	stdin.write('g');
	await eventually(() => assert.match(lastFrame()!, /▶ Slab caches/));
});

test('Tab moves focus between processes and the cgroup pane; G sorts cgroups by growth, M by usage', async () => {
	const {lastFrame, stdin} = mount(cgroupStoreWith(12));
	stdin.write('g');
	await eventually(() => assert.match(lastFrame()!, /▶ Memory cgroups/));
	stdin.write(KEYS.tab);
	await eventually(() => assert.match(lastFrame()!, /▶ Processes/));
	stdin.write(KEYS.tab);
	await eventually(() => assert.match(lastFrame()!, /▶ Memory cgroups/));
	stdin.write('G');
	await eventually(() => assert.match(lastFrame()!, /sort: GROWTH/));
	// Three cgroups grow 300M/min; the flat ones go last.
	const growing = cgroupOrder(lastFrame()!);
	assert.ok(growing.indexOf('/user.slice') > 2, growing.join(' '));
	assert.match(lastFrame()!, /Processes 4\/4\s+sort: RSS/);
	stdin.write('M');
	await eventually(() => assert.match(lastFrame()!, /sort: USAGE/));
	assert.deepEqual(cgroupOrder(lastFrame()!).slice(0, 3), ['/', '/system.slice', '/user.slice']);
});

test('/ filters cgroups by path or container id; Esc clears', async () => {
	const {lastFrame, stdin} = mount(cgroupStoreWith(6));
	stdin.write('g');
	await eventually(() => assert.match(lastFrame()!, /▶ Memory cgroups/));
	stdin.write('/');
	for (const char of DOCKER_ID.slice(0, 6)) stdin.write(char);
	stdin.write(KEYS.enter);
	await eventually(() => assert.match(lastFrame()!, /Memory cgroups 1\/5.*filter: 9c1e4b/));
	assert.deepEqual(cgroupOrder(lastFrame()!), ['/system.sli…f0a1b.scope']);
	stdin.write(KEYS.escape);
	await eventually(() => assert.match(lastFrame()!, /Memory cgroups 5\/5/));
	stdin.write('/');
	for (const char of 'nothing') stdin.write(char);
	stdin.write(KEYS.enter);
	await eventually(() => assert.match(lastFrame()!, /no cgroup matches the filter/));
});

test('Enter on a cgroup lists its processes (and those below it) under its figures; a process opened there returns to it; Esc back', async () => {
	const {lastFrame, stdin} = mount(cgroupStoreWith(12));
	stdin.write('g');
	await eventually(() => assert.match(lastFrame()!, /▶ Memory cgroups/));
	stdin.write('/');
	for (const char of 'docker') stdin.write(char);
	stdin.write(KEYS.enter);
	await eventually(() => assert.match(lastFrame()!, /Memory cgroups 1\/5/));
	stdin.write(KEYS.enter);
	await eventually(() => assert.match(lastFrame()!, /cgroup \/system\.slice\/docker-9c1e.*scope\s+1 process\s/));
	let frame = lastFrame()!;
	assert.match(frame, /usage 310M\s+limit 512M \(61%\)\s+growth \+300M\/min\s+Δ \+110M\s+oom kills 1\s+high 480M\s+peak 318M/);
	assert.match(frame, /\nanon 186M\s+file 93\.0M\s+kernel 31\.0M\s+slab 15\.5M/);
	assert.deepEqual(pids(frame), ['202']);
	assert.match(frame, /Esc back/);

	// Enter opens the process; Esc comes back to the cgroup, not to the panels.
	stdin.write(KEYS.enter);
	await eventually(() => assert.match(lastFrame()!, /opening pid 202|pid 202/));
	stdin.write(KEYS.escape);
	await eventually(() => assert.match(lastFrame()!, /cgroup \/system\.slice\/docker-/));
	stdin.write(KEYS.escape);
	await eventually(() => assert.match(lastFrame()!, /▶ Memory cgroups 1\/5/));

	// A parent cgroup holds the processes of its children; the root holds all.
	stdin.write(KEYS.escape);
	await eventually(() => assert.match(lastFrame()!, /Memory cgroups 5\/5/));
	stdin.write(KEYS.down);
	await settle();
	stdin.write(KEYS.enter);
	await eventually(() => assert.match(lastFrame()!, /cgroup \/system\.slice\s+3 processes/));
	frame = lastFrame()!;
	assert.deepEqual(pids(frame), ['101', '202', '303']);
	assert.match(frame, /limit max/);
	stdin.write('G');
	await eventually(() => assert.equal(pids(lastFrame()!)[0], '202'));
	stdin.write('/');
	for (const char of 'sshd') stdin.write(char);
	stdin.write(KEYS.enter);
	await eventually(() => assert.deepEqual(pids(lastFrame()!), ['303']));
});

test('n shows the CGROUP column with container or unit names; n again hides it', async () => {
	const {lastFrame, stdin} = mount(cgroupStoreWith(3));
	assert.doesNotMatch(lastFrame()!, /CGROUP/); // 100 columns: not by itself.
	stdin.write('n');
	await eventually(() => assert.match(lastFrame()!, /HISTORY\s+CGROUP\s+COMMAND/));
	const frame = lastFrame()!;
	assert.match(frame, /\s202 alice.*9c1e4b7d2a5f\s/);
	assert.match(frame, /\s101 alice.*nginx\.service\s/);
	for (const line of frame.split('\n')) assert.ok(line.length <= 100, line);
	stdin.write('n');
	await eventually(() => assert.doesNotMatch(lastFrame()!, /CGROUP/));
});

test('the cgroup pane says why it is empty: no memory controller, with the probe\'s note', async () => {
	const samples = [0, 1].map(i => ({
		...machineAt(i),
		cgroups: null,
		cgroupMode: null,
		sources: {...machineAt(i).sources, cgroups: 'ENOENT' as const},
		self: {container: null, cgroupNote: 'the memory controller is disabled (cgroup_disable=memory)'},
	}));
	const store = new Store({source: arraySource(samples), intervalMs: 2000});
	store.tick();
	store.tick();
	const {lastFrame, stdin} = mount(store);
	stdin.write('g');
	await eventually(() => assert.match(lastFrame()!, /no memory cgroup controller: the memory controller is disabled \(cgroup_disable=memory\)/));
	assert.match(lastFrame()!, /Memory cgroups 0\/0/);
	stdin.write(KEYS.enter); // Nothing to open: stays.
	await eventually(() => assert.match(lastFrame()!, /▶ Memory cgroups 0\/0/));
});

test('inside a container the header says so and the memory panel shows the container\'s usage and limit', async () => {
	const self = {container: {kind: 'docker', name: '9c1e4b7d2a5f', cgroupPath: `/system.slice/docker-${DOCKER_ID}.scope`, limitBytes: 512 * MiB, usageBytes: 200 * MiB, lxcfs: true}, cgroupNote: null};
	const {lastFrame} = mount(cgroupStoreWith(12, self));
	const frame = lastFrame()!;
	assert.match(frame, /^leaktop\s+testbox\s+in docker 9c1e4b7d2a5f\s+6\.1\.0-test/);
	// The live cgroup row (310M now, growing), not the 200M read at start.
	assert.match(frame, /Ctr\s+docker 9c1e4b7d2a5f\s+used 310M\s+limit 512M \(61%\)\s+\+300M\/min\s+Mem above is lxcfs’s view/);
	assert.match(frame, /Mem\s+total 16\.0G/);
});

test('LiveSource on a docker + lxcfs fixture tree: the header names the container, the panel its limit and usage', async () => {
	const root = join(import.meta.dirname, '..', 'fixtures', 'cgroup-docker');
	const source = new LiveSource({files: new Files({procRoot: join(root, 'proc'), sysRoot: join(root, 'sys')})});
	const store = new Store({source, intervalMs: 2000});
	try {
		store.tick();
		assert.equal(store.current().sample?.self?.container?.kind, 'docker');
		const {lastFrame} = mount(store);
		const frame = lastFrame()!;
		assert.match(frame, /in docker 9c1e4b7d2a5f/);
		// memory.usage_in_bytes 304M of memory.limit_in_bytes 512M in the fixture.
		assert.match(frame, /Ctr\s+docker 9c1e4b7d2a5f\s+used 304M\s+limit 512M \(59%\)/);
		assert.match(frame, /lxcfs/);
	} finally {
		source.close();
	}
});

test('on a host no container line is drawn', () => {
	const {lastFrame} = mount(cgroupStoreWith(3, {container: null, cgroupNote: null}));
	assert.doesNotMatch(lastFrame()!, /Ctr |in docker/);
});
