// What yargs uses of node:assert (its own invariants), with the same Object.is comparison.
export function strictEqual(actual, expected, message) {
	if (!Object.is(actual, expected)) throw new Error(message ?? `Expected ${String(actual)} to be strictly equal to ${String(expected)}`);
}

export function notStrictEqual(actual, expected, message) {
	if (Object.is(actual, expected)) throw new Error(message ?? `Expected ${String(actual)} not to be strictly equal to ${String(expected)}`);
}
