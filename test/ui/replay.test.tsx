import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, afterEach, test} from 'node:test';
import {cleanup, render} from 'ink-testing-library';
import {Diagnoser} from '../../source/diagnose/rules.js';
import {RecordingSource} from '../../source/record/source.js';
import {RecordingWriter} from '../../source/record/writer.js';
import {ReplayController, ReplayFeed} from '../../source/source/replay.js';
import {Store} from '../../source/store/store.js';
import {App} from '../../source/ui/App.js';
import {makeTheme} from '../../source/ui/theme.js';
import {ThemeContext} from '../../source/ui/ThemeContext.js';
import {machineAt} from './synthetic.js';
import {eventually} from '../helpers/eventually.js';

const dir = mkdtempSync(join(tmpdir(), 'leaktop-replay-ui-'));
after(() => rmSync(dir, {recursive: true, force: true}));
afterEach(() => cleanup());

/** A real recording file of `count` samples of the synthetic machine, 2 s apart. */
function recording(count: number): RecordingSource {
	const file = join(dir, `r${count}-${Math.random()}.ltr`);
	const first = machineAt(0);
	const opened = RecordingWriter.open(file, {writerVersion: 'test', host: {...first.host, cgroupMode: 'none'}});
	assert.ok(opened.ok);
	for (let i = 0; i < count; i++) assert.ok(opened.value.append(machineAt(i)).ok);
	opened.value.close();
	const source = RecordingSource.open(file);
	assert.ok(source.ok);
	return source.value;
}

function mount(count: number) {
	const feed = new ReplayFeed();
	const fresh = () => new Diagnoser().analyze;
	const store = new Store({source: feed, analyze: fresh()});
	const replay = new ReplayController(recording(count), feed, store, fresh);
	replay.seek(0);
	const view = render(
		<ThemeContext.Provider value={makeTheme(false)}>
			<App store={store} replay={replay} />
		</ThemeContext.Provider>,
	);
	return {...view, store, replay};
}

const position = (frame: string) => /REPLAY \S+ \S+\s+(\d+)\/(\d+)/.exec(frame)?.slice(1).map(Number);

test('replay keys: t/T step, Z/r end/start, j/J jump a minute; the header shows where', async () => {
	const {lastFrame, stdin, store, replay} = mount(120);
	assert.deepEqual(position(lastFrame()!), [1, 120]);
	stdin.write('t');
	stdin.write('t');
	await eventually(() => assert.deepEqual(position(lastFrame()!), [3, 120]));
	// Sample 3 of the synthetic machine: leaky has grown 2 × 10 MiB.
	assert.match(lastFrame()!, /202 alice\s+120M/);
	stdin.write('T');
	await eventually(() => assert.deepEqual(position(lastFrame()!), [2, 120]));
	stdin.write('Z');
	await eventually(() => assert.deepEqual(position(lastFrame()!), [120, 120]));
	// At the end the store has the history before it, so growth is known: 10 MiB per 2 s.
	assert.match(lastFrame()!, /\+300M\/m/);
	stdin.write('J');
	await eventually(() => assert.deepEqual(position(lastFrame()!), [90, 120]));
	stdin.write('j');
	await eventually(() => assert.deepEqual(position(lastFrame()!), [120, 120]));
	stdin.write('r');
	await eventually(() => assert.deepEqual(position(lastFrame()!), [1, 120]));
	assert.equal(store.current().ticks, 1, 'going back rebuilt the store from the start');
	replay.close();
});

test('space plays the recording and pauses it; > speeds it up', async () => {
	const {lastFrame, stdin, replay} = mount(30);
	stdin.write('>');
	stdin.write('>');
	stdin.write('>');
	stdin.write('>');
	await eventually(() => assert.match(lastFrame()!, /❚❚ 16x/));
	stdin.write(' ');
	await eventually(() => assert.match(lastFrame()!, /▶ 16x/));
	// 2 s gaps at 16x: a sample every 125 ms.
	await eventually(() => assert.ok(position(lastFrame()!)![0]! >= 4));
	stdin.write(' ');
	await eventually(() => assert.match(lastFrame()!, /❚❚/));
	const paused = position(lastFrame()!)![0];
	await new Promise(resolve => setTimeout(resolve, 400));
	assert.equal(position(lastFrame()!)![0], paused);
	replay.close();
});
