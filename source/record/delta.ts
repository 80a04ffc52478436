/**
 * A structural delta between two JSON values, so that a recorded sample costs only what changed
 * since its key frame. Generic over JSON (the Sample type can grow fields without touching this):
 * arrays of objects are matched by identity — (pid, startTime) for processes, name for slab caches
 * — and everything else by position or by value.
 *
 * Wire shape, decoded against the base it was made from (the base says which shape to expect):
 * - object → object: `{"\u0000#": [i, change, i, change, …], "\u0000-": [i, …], newKey: [value]}`:
 *   changed and removed keys by their position in Object.keys(base) (names would cost more than
 *   the numbers: /proc/vmstat has 190 of them), new keys by name. A change is a number (integer
 *   difference: base + n), `[value]` (replace) or a nested delta (object).
 * - keyed array → object: `{r: [removed base indices], c: {baseIndex: delta}, n: [added elements],
 *   o: [start, length, …]}`; `o` reorders (runs over the kept-then-added list), absent when unchanged.
 */

export type Json = null | boolean | number | string | Json[] | {[key: string]: Json};
type JsonObject = {[key: string]: Json};

const CHANGED = '\u0000#';
const REMOVED = '\u0000-';

interface ArrayDelta {
	r?: number[];
	c?: Record<string, Json>;
	n?: Json[];
	o?: number[];
}

/** The change that turns base into next, or undefined when they are equal. */
export function diffJson(base: Json, next: Json): Json | undefined {
	if (base === next) return undefined;
	if (typeof base === 'number' && typeof next === 'number') {
		const difference = next - base;
		// Only integers: a float difference may not add back to the exact same float.
		if (Number.isSafeInteger(base) && Number.isSafeInteger(next) && Number.isSafeInteger(difference)) return difference;
		return [next];
	}
	if (isObject(base) && isObject(next)) {
		return diffObject(base, next);
	}
	if (Array.isArray(base) && Array.isArray(next)) {
		const keyed = diffKeyedArray(base, next);
		if (keyed !== null) return keyed;
		return sameJson(base, next) ? undefined : [next];
	}
	return [next];
}

/** Applies a change made by diffJson to the same base; unchanged parts are shared with base. */
export function patchJson(base: Json, change: Json | undefined): Json {
	if (change === undefined) return base;
	if (typeof change === 'number') {
		if (typeof base !== 'number') throw new TypeError('number delta against a non-number');
		return base + change;
	}
	if (Array.isArray(change)) {
		if (change.length !== 1) throw new TypeError('replacement must hold one value');
		return change[0]!;
	}
	if (!isObject(change)) throw new TypeError('unexpected delta');
	if (Array.isArray(base)) return patchArray(base, change as ArrayDelta);
	if (!isObject(base)) throw new TypeError('object delta against a non-object');
	const result: JsonObject = {};
	const changes = change[CHANGED];
	const removed = change[REMOVED];
	const pairs = Array.isArray(changes) ? changes : [];
	const gone = Array.isArray(removed) ? new Set(removed) : undefined;
	const keys = Object.keys(base);
	let next = 0;
	for (let i = 0; i < keys.length; i++) {
		const key = keys[i]!;
		let value: Json = base[key]!;
		if (pairs[next] === i) {
			value = patchJson(value, pairs[next + 1]);
			next += 2;
		}
		if (!gone?.has(i)) put(result, key, value);
	}
	if (next !== pairs.length) throw new RangeError('changed positions outside the base object');
	for (const key of Object.keys(change)) {
		if (key !== CHANGED && key !== REMOVED) put(result, key, patchJson(null, change[key]));
	}
	return result;
}

/** Deep equality of two JSON values. */
export function sameJson(a: Json, b: Json): boolean {
	if (a === b) return true;
	if (Array.isArray(a)) {
		if (!Array.isArray(b) || a.length !== b.length) return false;
		for (let i = 0; i < a.length; i++) if (!sameJson(a[i]!, b[i]!)) return false;
		return true;
	}
	if (!isObject(a) || !isObject(b)) return false;
	const keys = Object.keys(a);
	if (keys.length !== Object.keys(b).length) return false;
	for (const key of keys) {
		if (!Object.hasOwn(b, key) || !sameJson(a[key]!, b[key]!)) return false;
	}
	return true;
}

/** Assignment that stays a plain own property even for a key named __proto__ (JSON.parse makes those). */
function put(target: JsonObject, key: string, value: Json): void {
	if (key === '__proto__') Object.defineProperty(target, key, {value, enumerable: true, writable: true, configurable: true});
	else target[key] = value;
}

function isObject(value: Json | undefined): value is JsonObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function diffObject(base: JsonObject, next: JsonObject): Json | undefined {
	if (Object.hasOwn(base, CHANGED) || Object.hasOwn(base, REMOVED)) return sameJson(base, next) ? undefined : [next];
	const changes: Json[] = [];
	const removed: number[] = [];
	const keys = Object.keys(base);
	for (let i = 0; i < keys.length; i++) {
		const key = keys[i]!;
		if (!Object.hasOwn(next, key)) {
			removed.push(i);
			continue;
		}
		const change = diffJson(base[key]!, next[key]!);
		if (change !== undefined) changes.push(i, change);
	}
	let delta: JsonObject | undefined;
	for (const key of Object.keys(next)) {
		if (Object.hasOwn(base, key)) continue;
		// A key of ours in the data itself would be misread: send the whole object instead.
		if (key === CHANGED || key === REMOVED) return [next];
		delta ??= {};
		put(delta, key, [next[key]!]);
	}
	if (changes.length > 0) {
		delta ??= {};
		delta[CHANGED] = changes;
	}
	if (removed.length > 0) {
		delta ??= {};
		delta[REMOVED] = removed;
	}
	return delta;
}

/** Identity of an array element, when the array is one whose elements have one. */
function identity(element: Json): string | undefined {
	if (!isObject(element)) return undefined;
	if (typeof element.pid === 'number' && typeof element.startTime === 'number') return `${element.pid}:${element.startTime}`;
	if (typeof element.name === 'string') return element.name;
	return undefined;
}

function identities(array: Json[]): Map<string, number> | null {
	const map = new Map<string, number>();
	for (let i = 0; i < array.length; i++) {
		const key = identity(array[i]!);
		if (key === undefined || map.has(key)) return null;
		map.set(key, i);
	}
	return map;
}

function diffKeyedArray(base: Json[], next: Json[]): JsonObject | undefined | null {
	if (base.length === 0 || next.length === 0) return null;
	const baseKeys = identities(base);
	const nextKeys = baseKeys && identities(next);
	if (!baseKeys || !nextKeys) return null;
	const removed: number[] = [];
	const changed: Record<string, Json> = {};
	let anyChanged = false;
	// Kept base elements in base order, then added ones in next order: the list `o` reorders.
	const merged: string[] = [];
	for (let i = 0; i < base.length; i++) {
		const key = identity(base[i]!)!;
		const at = nextKeys.get(key);
		if (at === undefined) {
			removed.push(i);
			continue;
		}
		merged.push(key);
		const change = diffJson(base[i]!, next[at]!);
		if (change !== undefined) {
			changed[i] = change;
			anyChanged = true;
		}
	}
	const added: Json[] = [];
	for (const element of next) {
		const key = identity(element)!;
		if (baseKeys.has(key)) continue;
		added.push(element);
		merged.push(key);
	}
	const position = new Map(merged.map((key, i) => [key, i]));
	const runs: number[] = [];
	for (const element of next) {
		const at = position.get(identity(element)!)!;
		const last = runs.length - 2;
		if (last >= 0 && runs[last]! + runs[last + 1]! === at) runs[last + 1]!++;
		else runs.push(at, 1);
	}
	const reordered = !(runs.length === 2 && runs[0] === 0);
	if (!anyChanged && removed.length === 0 && added.length === 0 && !reordered) return undefined;
	const delta: ArrayDelta = {};
	if (removed.length > 0) delta.r = removed;
	if (anyChanged) delta.c = changed;
	if (added.length > 0) delta.n = added;
	if (reordered) delta.o = runs;
	return delta as JsonObject;
}

function patchArray(base: Json[], delta: ArrayDelta): Json[] {
	const gone = new Set(delta.r ?? []);
	const merged: Json[] = [];
	for (let i = 0; i < base.length; i++) {
		if (gone.has(i)) continue;
		const change = delta.c?.[i];
		merged.push(change === undefined ? base[i]! : patchJson(base[i]!, change));
	}
	if (delta.n) merged.push(...delta.n);
	if (!delta.o) return merged;
	const result: Json[] = [];
	for (let i = 0; i + 1 < delta.o.length; i += 2) {
		const start = delta.o[i]!;
		const length = delta.o[i + 1]!;
		if (start < 0 || start + length > merged.length) throw new RangeError('order run outside the list');
		for (let j = start; j < start + length; j++) result.push(merged[j]!);
	}
	if (result.length !== merged.length) throw new RangeError('order runs do not cover the list');
	return result;
}
