import assert from 'node:assert/strict';
import {setTimeout as sleep} from 'node:timers/promises';
import {after, describe, it} from 'node:test';
import {cleanup, render} from 'ink-testing-library';
import {eventually} from '../helpers/eventually.js';
import {LiveSource} from '../../source/source/live.js';
import {Store} from '../../source/store/store.js';
import {App} from '../../source/ui/App.js';
import {makeTheme} from '../../source/ui/theme.js';
import {ThemeContext} from '../../source/ui/ThemeContext.js';
import {cgroupSkip, leakInLimitedCgroup, type LimitedCgroup} from '../helpers/cgroupChild.js';

const MIB = 1024 * 1024;
const LIMIT_BYTES = 256 * MIB;
const INTERVAL_MS = 250;

describe('a leaking process in a limited cgroup, seen through LiveSource, Store and the cgroup pane', {skip: cgroupSkip}, () => {
	const name = `leaktop-ui-test-${process.pid}`;
	let cgroup: LimitedCgroup | undefined;
	let source: LiveSource | undefined;

	async function cleanUp() {
		cleanup();
		source?.close();
		source = undefined;
		await cgroup?.cleanUp();
	}

	after(cleanUp);

	it('the store\'s row shows its usage, its limit and positive growth; Enter lists the child', async () => {
		try {
			cgroup = leakInLimitedCgroup(name, LIMIT_BYTES);
			const {path, child} = cgroup;
			await sleep(200);
			source = new LiveSource({cgroupEveryMs: INTERVAL_MS});
			const store = new Store({source, intervalMs: INTERVAL_MS});
			const row = () => store.current().cgroups.find(r => r.sample.path === path);
			// 2 s of ticks: enough points for a slope (the store wants 4 intervals of span).
			for (let i = 0; i < 10 || ((row()?.growthPerMin ?? 0) <= 0 && i < 40); i++) {
				store.tick();
				await sleep(INTERVAL_MS);
			}
			const found = row();
			assert.ok(found, `${path} not among ${store.current().cgroups.length} cgroup rows`);
			assert.equal(found.sample.limitBytes, LIMIT_BYTES);
			assert.ok((found.sample.usageBytes ?? 0) >= 8 * MIB, `usage ${found.sample.usageBytes}`);
			assert.ok((found.sample.usageBytes ?? 0) < LIMIT_BYTES);
			assert.ok((found.usageDeltaBytes ?? 0) > 0, `Δ ${found.usageDeltaBytes}`);
			// ~20 MiB/s leaked: well over 100 MiB a minute.
			assert.ok((found.growthPerMin ?? 0) > 100 * MIB, `growth ${found.growthPerMin}`);
			const member = store.current().processes.find(p => p.sample.pid === child.pid);
			assert.equal(member?.sample.cgroup, path);

			const {lastFrame, stdin} = render(
				<ThemeContext.Provider value={makeTheme(false)}>
					<App store={store} />
				</ThemeContext.Provider>,
			);
			stdin.write('g');
			// Keys are handled one frame after another: wait for what each step shows, not a fixed pause.
			await eventually(() => assert.match(lastFrame()!, /▶ Memory cgroups/), 10_000);
			stdin.write('/');
			for (const char of name) stdin.write(char);
			stdin.write('\r');
			let line: string | undefined;
			await eventually(() => {
				assert.doesNotMatch(lastFrame()!, /filter: \S*▏/);
				line = lastFrame()!.split('\n').find(l => l.startsWith(path));
				assert.ok(line, lastFrame()!);
			}, 10_000);
			// USAGE, LIMIT 256M, %LIM, … GROWTH +N/m
			assert.match(line!, /\s\d+(\.\d+)?M\s+256M\s+\d+\s.*\+\d+(\.\d+)?[MG]\/m$/);
			stdin.write('\r');
			await eventually(() => assert.match(lastFrame()!, new RegExp(`cgroup /${name}\\s+1 process\\s`)), 10_000);
			assert.match(lastFrame()!, new RegExp(`\\s${child.pid} root`));
			assert.match(lastFrame()!, /limit 256M \(\d+%\)\s+growth \+/);
		} finally {
			await cleanUp();
		}
	});
});
