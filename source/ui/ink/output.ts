// Ink 6.8.0's Output (node_modules/ink/build/output.js), bundled in its place by scripts/build.mjs,
// with get() returning the same bytes for the same operations. Stock get() builds a cell object for
// every cell of the screen and re-encodes every row through @alcalzone/ansi-tokenize's
// styledCharsToString (three Sets per character) on every frame: ~20 ms of a 120x40 frame. Here a
// row whose placements (x and transformed line, in order) are the same as in the previous frame reuses
// that frame's finished string, and a changed row is encoded with the style transitions memoised.
// Placement, clipping, transformer calls and the per-character widths follow stock line by line.
import sliceAnsi from 'slice-ansi';
import stringWidth from 'string-width';
import {ansiCodesToString, diffAnsiCodes, reduceAnsiCodesIncremental, styledCharsFromTokens, tokenize, type AnsiCode, type StyledChar} from '@alcalzone/ansi-tokenize';
import {BoundedCache} from './boundedCache.js';
import {narrowWidth, sgrEnd} from './narrow.js';
import widestLine from './widestLine.js';

/** What Ink hands to write(), clip() and unclip(): exported for the tests that replay them. */
export type Transformer = (line: string, index: number) => string;
export type Clip = {x1: number | undefined; x2: number | undefined; y1: number | undefined; y2: number | undefined};
export type Operation =
	| {type: 'write'; x: number; y: number; text: string; transformers: Transformer[]}
	| {type: 'clip'; clip: Clip}
	| {type: 'unclip'};

// Styled characters of the lines drawn in this frame and the previous one: a line that is still
// drawn, in a row that changed around it, is not tokenized again. A line holds an object per
// character, so nothing older is kept.
let previousChars = new Map<string, StyledChar[]>();
let currentChars = new Map<string, StyledChar[]>();
const widthCache = new BoundedCache<number>(4000);
// Style transitions seen so far, by the pair of style keys; the set of styles on a screen is small.
const transitionCache = new BoundedCache<string>(2000);
// Finished rows of the frame being built and of the previous one, by row signature.
let previousRows = new Map<string, string>();
let currentRows = new Map<string, string>();

// string-width of every ASCII character: one for the printable ones, none for controls (tested
// against string-width; asking it here would build its grapheme segmenter as the screen loads).
export const asciiWidths = Array.from({length: 128}, (_, code) => (code >= 0x20 && code <= 0x7e ? 1 : 0));

const noStyles: AnsiCode[] = [];
// The codes of each SGR sequence met, as tokenize splits them; a screen uses a handful.
const sgrCache = new BoundedCache<AnsiCode[]>(500);

// Styles after an SGR sequence, by the styles before it and the sequence: the same few every frame.
const appliedCache = new BoundedCache<AnsiCode[]>(500);

/** reduceAnsiCodesIncremental(styles, codes of sgr), one array per distinct answer. */
const applySgr = (styles: AnsiCode[], sgr: string): AnsiCode[] => {
	const before = styleKey(styles);
	const key = `${before.length}:${before}${sgr}`;
	let applied = appliedCache.get(key);
	if (applied === undefined) {
		let codes = sgrCache.get(sgr);
		if (codes === undefined) {
			codes = tokenize(sgr) as AnsiCode[];
			sgrCache.set(sgr, codes);
		}
		applied = reduceAnsiCodesIncremental(styles, codes);
		appliedCache.set(key, applied);
	}
	return applied;
};

const getStyledChars = (line: string): StyledChar[] => {
	let cached = currentChars.get(line);
	if (cached === undefined) {
		cached = previousChars.get(line) ?? styledCharsFromTokens(tokenize(line));
		currentChars.set(line, cached);
	}
	return cached;
};

const getStringWidth = (text: string): number => {
	if (text.length === 1) {
		const code = text.charCodeAt(0);
		if (code < 128) return asciiWidths[code]!;
	}
	let cached = widthCache.get(text);
	if (cached === undefined) {
		cached = narrowWidth(text) ?? stringWidth(text);
		widthCache.set(text, cached);
	}
	return cached;
};

// Two style arrays with equal keys hold the same codes in the same order, and diffAnsiCodes between
// them is empty; the key is length-prefixed so that no two different arrays share one.
const styleKeys = new WeakMap<AnsiCode[], string>();
const styleKey = (styles: AnsiCode[]): string => {
	if (styles.length === 0) return '';
	let key = styleKeys.get(styles);
	if (key === undefined) {
		key = '';
		for (const {code, endCode} of styles) key += `${code.length}:${code}${endCode.length}:${endCode}`;
		styleKeys.set(styles, key);
	}
	return key;
};

const transition = (from: AnsiCode[], fromKey: string, to: AnsiCode[], toKey: string): string => {
	const key = `${fromKey.length}:${fromKey}${toKey}`;
	let cached = transitionCache.get(key);
	if (cached === undefined) {
		cached = ansiCodesToString(diffAnsiCodes(from, to));
		transitionCache.set(key, cached);
	}
	return cached;
};

const opening = (styles: AnsiCode[], key: string): string => {
	if (key === '') return '';
	const cacheKey = `open${key}`;
	let cached = transitionCache.get(cacheKey);
	if (cached === undefined) {
		cached = ansiCodesToString(styles);
		transitionCache.set(cacheKey, cached);
	}
	return cached;
};

// The row being built, a character and a style per cell: arrays kept from row to row, so that a row
// costs no object per cell. Cells past `rowLength` are left over from a longer row.
const rowValues: string[] = [];
const rowStyles: AnsiCode[][] = [];
let rowLength = 0;

const setCell = (x: number, value: string, styles: AnsiCode[]): void => {
	rowValues[x] = value;
	rowStyles[x] = styles;
	if (x >= rowLength) rowLength = x + 1;
};

/** Puts a character from stock's styled characters at x, with the empty cells a wide one covers; returns the next x. */
const putStyledChar = (x: number, character: StyledChar): number => {
	setCell(x, character.value, character.styles);
	const characterWidth = Math.max(1, getStringWidth(character.value));
	for (let index = 1; index < characterWidth; index++) setCell(x + index, '', character.styles);
	return x + characterWidth;
};

/** Puts a narrow line (one narrowWidth measures: nearly every line leaktop draws) at x: a cell per character, the styles its SGR codes leave. */
const putNarrowLine = (x: number, line: string): void => {
	let styles = noStyles;
	for (let i = 0; i < line.length; i++) {
		if (line.charCodeAt(i) === 0x1b) {
			const end = sgrEnd(line, i);
			styles = applySgr(styles, line.slice(i, end + 1));
			i = end;
		} else setCell(x++, line[i]!, styles);
	}
};

// The pieces of the row being encoded, kept between rows: join makes the only new string.
const pieces: string[] = [];

/** styledCharsToString of the row's cells, trimEnd()ed, with each distinct style transition computed once. */
const encodeRow = (): string => {
	pieces.length = 0;
	let previous: AnsiCode[] = noStyles;
	let previousKey = '';
	for (let i = 0; i < rowLength; i++) {
		const styles = rowStyles[i]!;
		// Cells of one run share their styles array.
		const key = styles === previous ? previousKey : styleKey(styles);
		if (i === 0) pieces.push(opening(styles, key));
		else if (key !== previousKey) pieces.push(transition(previous, previousKey, styles, key));
		pieces.push(rowValues[i]!);
		previous = styles;
		previousKey = key;
	}
	if (rowLength > 0 && previousKey !== '') pieces.push(transition(previous, previousKey, noStyles, ''));
	return pieces.join('').trimEnd();
};

/** Builds one row from its placements exactly as stock get() does, then encodes it. */
const buildRow = (width: number, xs: number[], lines: string[]): string => {
	for (let p = 0; p < xs.length; p++) {
		const x = xs[p]!;
		if (!Number.isInteger(x) || x < 0 || x > width) return buildRowWithHoles(width, xs, lines);
	}
	// Every write starts inside the row or just past it, so the cells stay contiguous.
	for (let x = 0; x < width; x++) {
		rowValues[x] = ' ';
		rowStyles[x] = noStyles;
	}
	rowLength = width;
	for (let p = 0; p < xs.length; p++) {
		const line = lines[p]!;
		// Narrow single characters and SGR codes: each character is one cell, no grapheme segmenter.
		if (narrowWidth(line) !== undefined) {
			putNarrowLine(xs[p]!, line);
			continue;
		}
		let offsetX = xs[p]!;
		for (const character of getStyledChars(line)) offsetX = putStyledChar(offsetX, character);
	}
	return encodeRow();
};

const blank: StyledChar = {type: 'char', value: ' ', fullWidth: false, styles: noStyles};

/**
 * A row with a write at a negative, fractional or far-right x: stock's array then has holes or
 * non-index properties, which it drops (see ink PR 564). Done as stock does, then encoded.
 */
const buildRowWithHoles = (width: number, xs: number[], lines: string[]): string => {
	const row: StyledChar[] = new Array<StyledChar>(width).fill(blank);
	for (let p = 0; p < xs.length; p++) {
		let offsetX = xs[p]!;
		for (const character of getStyledChars(lines[p]!)) {
			row[offsetX] = character;
			const characterWidth = Math.max(1, getStringWidth(character.value));
			for (let index = 1; index < characterWidth; index++) row[offsetX + index] = {type: 'char', value: '', fullWidth: false, styles: character.styles};
			offsetX += characterWidth;
		}
	}
	rowLength = 0;
	for (const character of row.filter(item => item !== undefined)) setCell(rowLength, character.value, character.styles);
	return encodeRow();
};

/** Ink's virtual screen: components write text at positions, get() returns the screen. */
export default class Output {
	width: number;
	height: number;
	private readonly operations: Operation[] = [];

	constructor(options: {width: number; height: number}) {
		this.width = options.width;
		this.height = options.height;
	}

	write(x: number, y: number, text: string, options: {transformers: Transformer[]}): void {
		if (!text) return;
		this.operations.push({type: 'write', x, y, text, transformers: options.transformers});
	}

	clip(clip: Clip): void {
		this.operations.push({type: 'clip', clip});
	}

	unclip(): void {
		this.operations.push({type: 'unclip'});
	}

	get(): {output: string; height: number} {
		// Per row, the x and the transformed line of each write that lands on it, in write order.
		const rowXs: number[][] = [];
		const rowLines: string[][] = [];
		for (let y = 0; y < this.height; y++) {
			rowXs.push([]);
			rowLines.push([]);
		}
		const clips: Clip[] = [];
		for (const operation of this.operations) {
			if (operation.type === 'clip') clips.push(operation.clip);
			if (operation.type === 'unclip') clips.pop();
			if (operation.type !== 'write') continue;
			const {text, transformers} = operation;
			let {x, y} = operation;
			let lines = text.split('\n');
			const clip = clips.at(-1);
			if (clip) {
				const clipHorizontally = typeof clip.x1 === 'number' && typeof clip.x2 === 'number';
				const clipVertically = typeof clip.y1 === 'number' && typeof clip.y2 === 'number';
				if (clipHorizontally) {
					const width = widestLine(text);
					if (x + width < clip.x1! || x > clip.x2!) continue;
				}
				if (clipVertically) {
					const height = lines.length;
					if (y + height < clip.y1! || y > clip.y2!) continue;
				}
				if (clipHorizontally) {
					const x1 = clip.x1!;
					const x2 = clip.x2!;
					lines = lines.map(line => {
						const from = x < x1 ? x1 - x : 0;
						const width = getStringWidth(line);
						const to = x + width > x2 ? x2 - x : width;
						return sliceAnsi(line, from, to);
					});
					if (x < x1) x = x1;
				}
				if (clipVertically) {
					const y1 = clip.y1!;
					const y2 = clip.y2!;
					const from = y < y1 ? y1 - y : 0;
					const height = lines.length;
					const to = y + height > y2 ? y2 - y : height;
					lines = lines.slice(from, to);
					if (y < y1) y = y1;
				}
			}
			// Stock does not advance to the next row after a line that falls outside the screen, so
			// every later line of the write falls outside too.
			let offsetY = 0;
			for (let index = 0; index < lines.length; index++) {
				const xs = rowXs[y + offsetY];
				if (!xs) continue;
				let line = lines[index]!;
				for (const transformer of transformers) line = transformer(line, index);
				xs.push(x);
				rowLines[y + offsetY]!.push(line);
				offsetY++;
			}
		}

		const rows: string[] = [];
		for (let y = 0; y < rowXs.length; y++) {
			const xs = rowXs[y]!;
			const lines = rowLines[y]!;
			let signature = String(this.width);
			for (let p = 0; p < xs.length; p++) signature += `|${xs[p]},${lines[p]!.length}:${lines[p]}`;
			let row = currentRows.get(signature) ?? previousRows.get(signature);
			if (row === undefined) row = buildRow(this.width, xs, lines);
			currentRows.set(signature, row);
			rows.push(row);
		}
		previousRows = currentRows;
		currentRows = new Map();
		previousChars = currentChars;
		currentChars = new Map();
		return {output: rows.join('\n'), height: rows.length};
	}
}
