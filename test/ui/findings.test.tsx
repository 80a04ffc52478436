import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {cleanup, render} from 'ink-testing-library';
import type {Finding} from '../../source/diagnose/finding.js';
import {Store} from '../../source/store/store.js';
import {App} from '../../source/ui/App.js';
import {makeTheme} from '../../source/ui/theme.js';
import {ThemeContext} from '../../source/ui/ThemeContext.js';
import {eventually} from '../helpers/eventually.js';
import {arraySource, machineAt} from './synthetic.js';

afterEach(() => cleanup());

const FINDINGS: Finding[] = [
	{
		rule: 'process-leak',
		severity: 'warning',
		confidence: 0.83,
		subject: 'pid 202 (leaky)',
		message: 'pid 202 (leaky) grows steadily: RSS +300M/min',
		evidence: {rssGrowthBytesPerMin: 314572800, windowSec: 60},
		next: 'Enter on pid 202 in the process table shows its mappings',
	},
	{rule: 'cache-not-leak', severity: 'info', confidence: 0.7, subject: 'system', message: 'Not a leak: buff/cache grew', evidence: {}},
];

test('the bar shows the most important verdict; v lists them all: a summary table, then evidence and what to do next', async () => {
	const samples = Array.from({length: 4}, (_, i) => machineAt(i));
	const store = new Store({source: arraySource(samples), analyze: () => FINDINGS});
	for (let i = 0; i < 4; i++) store.tick();
	const {lastFrame, stdin} = render(
		<ThemeContext.Provider value={makeTheme(false)}>
			<App store={store} />
		</ThemeContext.Provider>,
	);
	assert.match(lastFrame()!, /⚠ pid 202 \(leaky\) grows steadily: RSS \+300M\/min  \(\+1 more: v\)/);
	stdin.write('v');
	// The summary table's module loads when the view first opens.
	await eventually(() => assert.match(lastFrame()!, /Verdicts \(2\)[\s\S]*│ severity │ sure │ rule\s+│ about\s+│/));
	const frame = lastFrame()!;
	assert.match(frame, /│ warning\s+│ 83%\s+│ process-leak\s+│ pid 202 \(leaky\)\s+│/);
	assert.match(frame, /│ info\s+│ 70%\s+│ cache-not-leak\s+│ system\s+│/);
	assert.match(frame, /WARNING 83%  pid 202 \(leaky\) grows steadily/);
	assert.match(frame, /rssGrowthBytesPerMin=314572800  windowSec=60/);
	assert.match(frame, /→ Enter on pid 202/);
});
