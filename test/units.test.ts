import assert from 'node:assert/strict';
import {test} from 'node:test';
import fc from 'fast-check';
import {formatBytes, formatClock, formatDelta, formatDuration, formatRatePerMin, parseDurationMs, parseSizeBytes} from '../source/units.js';

test('durations: seconds by default, fractions, units', () => {
	assert.equal(parseDurationMs('90'), 90_000);
	assert.equal(parseDurationMs('0.5'), 500);
	assert.equal(parseDurationMs('.25'), 250);
	assert.equal(parseDurationMs('90s'), 90_000);
	assert.equal(parseDurationMs('15m'), 900_000);
	assert.equal(parseDurationMs('8h'), 28_800_000);
	assert.equal(parseDurationMs('1d'), 86_400_000);
	assert.equal(parseDurationMs('250ms'), 250);
	assert.equal(parseDurationMs(2), 2000);
	for (const bad of ['', 'abc', '-1', '5x', '1e3', '1.', 'm', '1 2']) assert.equal(parseDurationMs(bad), null, bad);
});

test('sizes: binary units', () => {
	assert.equal(parseSizeBytes('4096'), 4096);
	assert.equal(parseSizeBytes('20M'), 20 * 1024 ** 2);
	assert.equal(parseSizeBytes('1.5G'), 1.5 * 1024 ** 3);
	assert.equal(parseSizeBytes('500k'), 500 * 1024);
	assert.equal(parseSizeBytes('2MiB'), 2 * 1024 ** 2);
	for (const bad of ['', 'x', '-5M', '5Q']) assert.equal(parseSizeBytes(bad), null, bad);
});

test('formatting: top-like sizes, signed deltas and rates, n/a for missing', () => {
	assert.equal(formatBytes(0), '0B');
	assert.equal(formatBytes(1023), '1023B');
	assert.equal(formatBytes(1024), '1.00K');
	assert.equal(formatBytes(12.3 * 1024), '12.3K');
	assert.equal(formatBytes(512 * 1024 ** 2), '512M');
	assert.equal(formatBytes(1.5 * 1024 ** 3), '1.50G');
	assert.equal(formatBytes(-2048), '-2.00K');
	assert.equal(formatBytes(null), 'n/a');
	assert.equal(formatBytes(Number.NaN), 'n/a');
	assert.equal(formatDelta(1024 ** 2), '+1.00M');
	assert.equal(formatDelta(0), '0B');
	assert.equal(formatDelta(undefined), 'n/a');
	assert.equal(formatRatePerMin(1.02 * 1024 ** 2), '+1.02M/min');
	assert.equal(formatRatePerMin(-4096), '-4.00K/min');
	assert.equal(formatRatePerMin(null), 'n/a');
	assert.equal(formatDuration(65), '01:05');
	assert.equal(formatDuration(3 * 86_400 + 4 * 3600 + 5 * 60 + 6), '3d 04:05:06');
	assert.equal(formatDuration(3600), '01:00:00');
	assert.equal(formatDuration(-5), '00:00');
});

test('property: the clock reads as toLocaleTimeString en-GB 24h does, without its formatter', () => {
	fc.assert(
		fc.property(fc.integer({min: 0, max: 4_102_444_800_000}), ms => {
			assert.equal(formatClock(ms), new Date(ms).toLocaleTimeString('en-GB', {hour12: false}));
		}),
	);
});

test('property: parsers and formatters never throw', () => {
	fc.assert(
		fc.property(fc.string({maxLength: 30}), s => {
			const d = parseDurationMs(s);
			assert.ok(d === null || (Number.isFinite(d) && d >= 0));
			const b = parseSizeBytes(s);
			assert.ok(b === null || (Number.isFinite(b) && b >= 0));
		}),
	);
	fc.assert(
		fc.property(fc.double(), n => {
			formatBytes(n);
			formatDelta(n);
			formatRatePerMin(n);
			if (Number.isFinite(n)) formatDuration(n);
		}),
	);
});
