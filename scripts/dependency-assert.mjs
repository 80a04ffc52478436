// What leaktop's dependencies use of node:assert (yargs' invariants, signal-exit's callback check),
// with node:assert's comparisons: Object.is for the strict ones, == for equal.
export function strictEqual(actual, expected, message) {
	if (!Object.is(actual, expected)) throw new Error(message ?? `Expected ${String(actual)} to be strictly equal to ${String(expected)}`);
}

export function notStrictEqual(actual, expected, message) {
	if (Object.is(actual, expected)) throw new Error(message ?? `Expected ${String(actual)} not to be strictly equal to ${String(expected)}`);
}

export function equal(actual, expected, message) {
	if (!(actual == expected || (Number.isNaN(actual) && Number.isNaN(expected)))) throw new Error(message ?? `Expected ${String(actual)} to equal ${String(expected)}`);
}

export default {strictEqual, notStrictEqual, equal};
