import assert from 'node:assert/strict';
import {test} from 'node:test';
import fc from 'fast-check';
import {sparkline} from '../../source/ui/sparkline.js';

// The sparkline as first written, with arrays at every step: the loop version must draw the same.
function reference(values: readonly number[], width: number, chars: string): string {
	const shown = values.slice(-width);
	const finite = shown.filter(Number.isFinite);
	if (finite.length === 0) return ' '.repeat(width);
	const min = Math.min(...finite);
	const max = Math.max(...finite);
	const top = chars.length - 1;
	const line = shown
		.map(v => {
			if (!Number.isFinite(v)) return ' ';
			const level = max === min ? (max === 0 ? 0 : Math.floor(top / 2)) : Math.round(((v - min) / (max - min)) * top);
			return chars[level]!;
		})
		.join('');
	return line.padStart(width);
}

test('sparkline draws what the array version drew, for any values, width and character set', () => {
	const value = fc.oneof(fc.double(), fc.integer({min: 0, max: 5}), fc.constantFrom(0, -0, Number.NaN, Infinity, -Infinity, 2 ** 40));
	const chars = fc.constantFrom(' ▁▂▃▄▅▆▇█', ' .:-=+*#%@', 'ab');
	fc.assert(
		fc.property(fc.array(value, {maxLength: 40}), fc.integer({min: 0, max: 30}), chars, (values, width, set) => {
			assert.equal(sparkline(values, width, set), reference(values, width, set));
		}),
		{numRuns: 2000},
	);
	assert.equal(sparkline([1, 2, 3], 5, ' ▁▂▃▄▅▆▇█'), '   ▄█');
	assert.equal(sparkline([5, Number.NaN, 5], 3, ' ▁▂▃▄▅▆▇█'), '▄ ▄');
});
