/** Helpers for the parsers that read a file's bytes as read, without making a string of it. */

/** Where the run of ASCII digits from start ends (start itself when there is none). */
export function digitsEnd(bytes: Uint8Array, start: number, length: number): number {
	let i = start;
	while (i < length && bytes[i]! >= 48 && bytes[i]! <= 57) i++;
	return i;
}

/** The decimal number bytes[start..end) spells, all digits (past 2^53 it is no longer a safe integer). */
export function decimal(bytes: Uint8Array, start: number, end: number): number {
	let value = 0;
	for (let i = start; i < end; i++) value = value * 10 + (bytes[i]! - 48);
	return value;
}

/** Whether the text of bytes[0..length) is all white space, as `text.trim() === ''` says. */
export function isBlank(bytes: Buffer, length: number): boolean {
	for (let i = 0; i < length; i++) {
		const c = bytes[i]!;
		if (c === 32 || (c >= 9 && c <= 13)) continue;
		// Beyond ASCII, white space is Unicode's (U+00A0, U+2028, U+FEFF…): ask the text.
		return c < 128 ? false : bytes.toString('utf8', 0, length).trim() === '';
	}
	return true;
}

/**
 * The names of a counter file's lines (vmstat, meminfo), remembered by place: the same ASCII name
 * as the index-th name last time is last time's string, with no string made and none looked up.
 */
export class LineNames {
	private readonly names: string[] = [];

	/** The name bytes[start..end) spells, all ASCII. */
	name(index: number, bytes: Uint8Array, start: number, end: number): string {
		const known = this.names[index];
		if (known !== undefined && known.length === end - start) {
			let i = 0;
			while (i < known.length && known.charCodeAt(i) === bytes[start + i]) i++;
			if (i === known.length) return known;
		}
		const name = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
		if (index <= this.names.length) this.names[index] = name;
		return name;
	}
}
