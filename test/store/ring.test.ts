import assert from 'node:assert/strict';
import {test} from 'node:test';
import fc from 'fast-check';
import {Ring} from '../../source/store/ring.js';

test('a ring keeps the newest values, oldest first, never more than its capacity', () => {
	const ring = new Ring(3);
	assert.equal(ring.last(), undefined);
	assert.deepEqual(ring.tail(), []);
	for (const v of [1, 2]) ring.push(v);
	assert.deepEqual(ring.tail(), [1, 2]);
	for (const v of [3, 4, 5]) ring.push(v);
	assert.equal(ring.length, 3);
	assert.deepEqual(ring.tail(), [3, 4, 5]);
	assert.deepEqual(ring.tail(2), [4, 5]);
	assert.deepEqual(ring.tail(10), [3, 4, 5]);
	assert.equal(ring.at(0), 3);
	assert.equal(ring.last(), 5);
	ring.push(Number.NaN);
	assert.ok(Number.isNaN(ring.last()!), 'NaN marks a missing value');
});

test('property: a ring is the last `capacity` values of what was pushed', () => {
	fc.assert(
		fc.property(fc.integer({min: 1, max: 20}), fc.array(fc.double({noNaN: true}), {maxLength: 100}), (capacity, values) => {
			const ring = new Ring(capacity);
			for (const v of values) ring.push(v);
			assert.deepEqual(ring.tail(), values.slice(-capacity));
			assert.ok(ring.length <= capacity);
		}),
	);
});
