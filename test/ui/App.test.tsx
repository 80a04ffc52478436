import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {cleanup, render} from 'ink-testing-library';
import {App} from '../../source/ui/App.js';
import {makeTheme} from '../../source/ui/theme.js';
import {ThemeContext} from '../../source/ui/ThemeContext.js';
import {Store} from '../../source/store/store.js';
import {arraySource, machineAt, storeWith} from './synthetic.js';
import {eventually as within} from '../helpers/eventually.js';

const KEYS = {down: '\u001B[B', up: '\u001B[A', enter: '\r', tab: '\t', escape: '\u001B', end: '\u001B[F'};

afterEach(() => cleanup());

const settle = () => new Promise(resolve => setTimeout(resolve, 100));

/**
 * Waits for a frame. Ink draws a key's frame after the key is handled, and a loaded 2-core
 * machine can take a second or more to; the wait ends as soon as the check holds.
 */
const eventually = (check: () => void) => within(check, 10_000);

function mount(store: Store, onQuit?: () => void) {
	return render(
		<ThemeContext.Provider value={makeTheme(false)}>
			<App store={store} onQuit={onQuit} />
		</ThemeContext.Provider>,
	);
}

/** Rows of the process table, in order, by command name. */
function processOrder(frame: string): string[] {
	return frame
		.split('\n')
		.filter(line => /^\s+\d+ (alice|root)/.test(line))
		.map(line => line.trim().split(/\s+/)[0]!);
}

test('panels show the free summary, vmstat, kernel memory, processes and slab caches', () => {
	const {lastFrame} = mount(storeWith(12));
	const frame = lastFrame()!;
	assert.match(frame, /leaktop\s+testbox\s+6\.1\.0-test/);
	assert.match(frame, /Mem\s+total 16\.0G/);
	assert.match(frame, /avail 11\.9G \(74%\)/);
	assert.match(frame, /r\s+b\s+si\s+so\s+bi\s+bo\s+in\s+cs\s+us\s+sy\s+id\s+wa\s+st\s+sr/);
	// 2000 interrupts and 4000 context switches per 2 s tick.
	assert.match(frame, /\s1000\s+2000\s/);
	assert.match(frame, /Kernel Slab 311M \+11\.0M/);
	assert.match(frame, /leaky/);
	assert.match(frame, /kmalloc-64 \+1/);
	assert.match(frame, /q quit/);
	assert.deepEqual(processOrder(frame).slice(0, 3), ['101', '202', '303']);
});

test('G sorts processes by growth, M back by RSS, P by PSS', async () => {
	const {lastFrame, stdin} = mount(storeWith(12));
	stdin.write('G');
	await eventually(() => assert.match(lastFrame()!, /sort: GROWTH/));
	assert.equal(processOrder(lastFrame()!)[0], '202');
	assert.match(lastFrame()!, /\+300M\/m/); // 10 MiB per 2 s tick.
	stdin.write('M');
	await eventually(() => assert.equal(processOrder(lastFrame()!)[0], '101'));
	stdin.write('P');
	await eventually(() => assert.match(lastFrame()!, /sort: PSS/));
});

test('arrow keys move the selection and Enter drills into the selected process; Esc returns', async () => {
	const {lastFrame, stdin, frames} = mount(storeWith(6));
	const drawn = frames.length;
	stdin.write(KEYS.down);
	// Enter drills the row the last frame selected (the selection is not visible without colour).
	await eventually(() => assert.ok(frames.length > drawn, 'no frame drawn after the move'));
	stdin.write(KEYS.enter);
	await eventually(() => assert.match(lastFrame()!, /pid 202\s+alice/));
	stdin.write(KEYS.escape);
	await eventually(() => assert.match(lastFrame()!, /Processes 4\/4/));
});

test('Tab moves focus to slab caches; Enter there opens the slab cache', async () => {
	const {lastFrame, stdin} = mount(storeWith(6));
	stdin.write(KEYS.tab);
	await eventually(() => assert.match(lastFrame()!, /▶ Slab caches/));
	stdin.write('G');
	// Enter drills the row the last frame selected: the growth sort must be on screen first.
	await eventually(() => assert.match(lastFrame()!, /▶ Slab caches \d+\/\d+\s+sort: GROWTH/));
	stdin.write(KEYS.enter);
	await eventually(() => assert.match(lastFrame()!, /slab cache kmalloc-64\s+\(merged with eventpoll_pwq\)/));
});

test('keys typed faster than a frame act in order: G then Enter opens the row the growth sort put first', async () => {
	for (const type of [(stdin: {write: (data: string) => void}) => stdin.write('G\r'), (stdin: {write: (data: string) => void}) => (stdin.write('G'), stdin.write(KEYS.enter))]) {
		const {lastFrame, stdin, unmount} = mount(storeWith(6));
		stdin.write(KEYS.tab);
		await eventually(() => assert.match(lastFrame()!, /▶ Slab caches/));
		// One chunk, and two writes with no frame between them: both must drill the fastest-growing cache.
		type(stdin);
		await eventually(() => assert.match(lastFrame()!, /slab cache kmalloc-64\s+\(merged with eventpoll_pwq\)/));
		unmount();
	}
});

test('/ filters the focused table by name; Esc clears it', async () => {
	const {lastFrame, stdin} = mount(storeWith(6));
	stdin.write('/');
	await settle();
	for (const char of 'lea') stdin.write(char);
	stdin.write(KEYS.enter);
	await eventually(() => {
		assert.deepEqual(processOrder(lastFrame()!), ['202']);
		assert.match(lastFrame()!, /filter: lea/);
	});
	stdin.write(KEYS.escape);
	await eventually(() => assert.equal(processOrder(lastFrame()!).length, 4));
});

test('f freezes the display while the store keeps sampling; f again shows the newest', async () => {
	const store = storeWith(6);
	const {lastFrame, stdin} = mount(store);
	stdin.write('f');
	await eventually(() => assert.match(lastFrame()!, /FROZEN/));
	const frozenUptime = /up (\S+)/.exec(lastFrame()!)![1];
	store.ingest({...store.current().sample!, timeMs: store.current().sample!.timeMs + 60_000, host: {...store.current().sample!.host, uptimeSec: 99_999}});
	await settle();
	assert.equal(/up (\S+)/.exec(lastFrame()!)![1], frozenUptime);
	stdin.write('f');
	await eventually(() => {
		assert.doesNotMatch(lastFrame()!, /FROZEN/);
		assert.match(lastFrame()!, /up 1d 03:46:39/);
	});
});

test('? opens the help drawn from the key table; Esc closes it', async () => {
	const {lastFrame, stdin} = mount(storeWith(3));
	stdin.write('?');
	await eventually(() => {
		assert.match(lastFrame()!, /leaktop keys/);
		assert.match(lastFrame()!, /Freeze the display/);
	});
	stdin.write(KEYS.escape);
	await eventually(() => assert.doesNotMatch(lastFrame()!, /leaktop keys/));
});

test('+ and - change the refresh interval', async () => {
	const store = storeWith(3);
	const {lastFrame, stdin} = mount(store);
	stdin.write('-');
	assert.equal(store.interval, 3000);
	await eventually(() => assert.match(lastFrame()!, /every 3s/));
	stdin.write('+');
	stdin.write('+');
	await settle();
	assert.equal(store.interval, 1000);
});

test('q quits', async () => {
	let quit = false;
	const {stdin} = mount(storeWith(3), () => {
		quit = true;
	});
	stdin.write('q');
	await settle();
	assert.equal(quit, true);
});

test('c toggles command line and name', async () => {
	const {lastFrame, stdin} = mount(storeWith(3));
	assert.match(lastFrame()!, /\/usr\/bin\/leaky --serve/);
	stdin.write('c');
	await eventually(() => {
		assert.doesNotMatch(lastFrame()!, /\/usr\/bin\/leaky/);
		assert.match(lastFrame()!, / leaky/);
	});
});

test('slab table says when slab caches need root', () => {
	const store = storeWith(2);
	const sample = store.current().sample!;
	store.ingest({...sample, timeMs: sample.timeMs + 2000, monoMs: sample.monoMs + 2000, slabs: null, sources: {...sample.sources, slabs: 'EACCES'}});
	const {lastFrame} = mount(store);
	assert.match(lastFrame()!, /slab caches: needs root/);
});

test('a first frame drawn before the first scan of /proc says the processes are being read, with no false count', () => {
	const sample = storeWith(1).current().sample!;
	const store = storeWith(0);
	store.ingest({...sample, processes: [], processCount: 0, sources: {...sample.sources, processes: 'PENDING', pss: 'PENDING'}});
	const {lastFrame} = mount(store);
	assert.match(lastFrame()!, /reading \/proc…/);
	assert.match(lastFrame()!, /every 2s {2}… procs/);
	assert.doesNotMatch(lastFrame()!, /not read yet|0 procs/, 'no problem line in the header for a read still to come');
});

test('the memory sparkline shows the newest history whatever the interval the samples came at', () => {
	// Samples 2 s apart; a store told 0.1 s or 60 s finds them in a window of other sizes.
	const samples = Array.from({length: 150}, (_, i) => machineAt(i));
	const availLine = (intervalMs: number) => {
		const store = new Store({source: arraySource(samples), intervalMs});
		while (store.tick());
		const {lastFrame, unmount} = mount(store);
		const line = lastFrame()!.split('\n').find(l => l.includes('avail'))!;
		unmount();
		return line;
	};
	const shown = availLine(2000);
	// The sparkline: 40 and more cells in a row.
	assert.match(shown, /\S{40}/);
	assert.equal(availLine(100), shown);
	assert.equal(availLine(60_000), shown);
});
