import {Box} from 'ink';
import {Text} from './Text.js';
import {memo, type ReactNode} from 'react';
import {formatRatePerMin} from '../../units.js';
import {BoundedCache} from '../ink/boundedCache.js';
import {clip, fit} from '../text.js';
import type {Theme} from '../theme.js';
import {useTheme} from '../ThemeContext.js';

export interface Column<T> {
	title: string;
	/** Fixed width; the one column without a width takes what is left. */
	width?: number;
	align?: 'left' | 'right';
	cell: (row: T) => string;
	/** Colour token for a cell, from the theme (e.g. growth turning warn). */
	tone?: (row: T) => 'warn' | 'bad' | 'good' | 'muted' | undefined;
	/** Cells draw non-ASCII glyphs (sparklines): measured by Ink the slow way, so kept in a text of their own. */
	glyphs?: boolean;
}

/** The GROWTH column every table has: a rate per minute, turning warn above warnAbovePerMin. */
export function growthColumn<T>(width: number, growthPerMin: (row: T) => number | null, warnAbovePerMin = 1024 * 1024): Column<T> {
	return {
		title: 'GROWTH',
		width,
		align: 'right',
		cell: r => formatRatePerMin(growthPerMin(r)).replace('/min', '/m'),
		tone: r => ((growthPerMin(r) ?? 0) > warnAbovePerMin ? 'warn' : undefined),
	};
}

export interface TableProps<T> {
	columns: Column<T>[];
	rows: T[];
	rowKey: (row: T) => string;
	selected: number;
	offset: number;
	height: number;
	width: number;
	focused: boolean;
	/** Line shown when there are no rows (e.g. "slab caches: needs root"). */
	empty?: string;
}

/**
 * Ink's cost is per character and per text node: every frame it measures each text (string-width:
 * a regex for plain ASCII, a grapheme walk for anything else) and copies every character into its
 * grid. So the rows are drawn as a few multi-line texts side by side, one per run of columns, and
 * columns drawing glyphs (sparklines) get a text of their own, keeping the wide runs on the ASCII
 * path. Colour and the selection bar are spans inside them: the screen is the same as a text per row.
 */
function TableImpl<T>({columns, rows, rowKey, selected, offset, height, width, focused, empty}: TableProps<T>) {
	const theme = useTheme();
	const fixed = columns.reduce((sum, c) => sum + (c.width ?? 0) + 1, 0);
	const flex = Math.max(4, width - fixed);
	const widthOf = (c: Column<T>) => c.width ?? flex;
	const header = columns.map(c => fit(c.title, widthOf(c), c.align)).join(' ');
	const visible = rows.slice(offset, offset + height);
	const lineWidth = columns.reduce((sum, c) => sum + widthOf(c), columns.length - 1);
	const selectedAt = focused ? selected - offset : -1;
	return (
		<Box flexDirection="column" height={height + 1}>
			<Text bold color={theme.accent} wrap="truncate">
				{clip(header, width)}
			</Text>
			{visible.length === 0 && empty ? <Text color={theme.muted}>{clip(empty, width)}</Text> : null}
			{visible.length === 0 ? null : lineWidth <= width ? (
				<Box>
					{columnRuns(columns, widthOf).map(run => (
						<Text key={run.x} wrap="truncate">
							{runLines(run, visible, selectedAt, width, widthOf, theme)}
						</Text>
					))}
				</Box>
			) : (
				// Narrower than the columns: each row is cut at the edge, as one line.
				visible.map((row, i) => (
					<Text key={rowKey(row)} inverse={i === selectedAt && theme.inverse} wrap="truncate">
						{i === selectedAt ? fit(cellLine(columns, row, widthOf), width) : clip(cellLine(columns, row, widthOf), width)}
					</Text>
				))
			)}
		</Box>
	);
}

interface ColumnRun<T> {
	columns: Column<T>[];
	/** Whether the run's text ends the line. */
	last: boolean;
	/** Column where the run starts. */
	x: number;
}

/** Consecutive columns drawn as one text; a glyph column stands alone. */
function columnRuns<T>(columns: Column<T>[], widthOf: (c: Column<T>) => number): ColumnRun<T>[] {
	const runs: ColumnRun<T>[] = [];
	let x = 0;
	for (const column of columns) {
		const current = runs.at(-1);
		if (current && !column.glyphs && !current.columns.at(-1)!.glyphs) current.columns.push(column);
		else runs.push({columns: [column], last: false, x});
		x += widthOf(column) + 1;
	}
	runs.at(-1)!.last = true;
	return runs;
}

// Fitted cells by width and alignment, then by text: most cells (pid, user, command, most sizes) read
// the same as in the last frame, and fitting them again made a few strings each, every frame.
const fittedCells = new Map<number, BoundedCache<string>>();

function fitCell(text: string, width: number, align: 'left' | 'right' | undefined): string {
	const slot = width * 2 + (align === 'right' ? 1 : 0);
	let cache = fittedCells.get(slot);
	if (cache === undefined) {
		cache = new BoundedCache<string>(1000);
		fittedCells.set(slot, cache);
	}
	let cell = cache.get(text);
	if (cell === undefined) {
		cell = fit(text, width, align);
		cache.set(text, cell);
	}
	return cell;
}

// The cells of the line being joined, kept between calls: join makes the only new string.
const lineCells: string[] = [];

/** A row's cells of these columns, fitted and joined by single spaces. */
function cellLine<T>(columns: Column<T>[], row: T, widthOf: (c: Column<T>) => number): string {
	lineCells.length = 0;
	for (const c of columns) lineCells.push(fitCell(c.cell(row), widthOf(c), c.align));
	return lineCells.join(' ');
}

function toned<T>(columns: Column<T>[], row: T): boolean {
	for (const c of columns) if (c.tone?.(row)) return true;
	return false;
}

/**
 * One run's lines as Text children: plain text merged into strings, toned cells and the selected
 * line as spans. A run that does not end the line keeps its separator, so runs butt together.
 */
function runLines<T>(
	run: ColumnRun<T>,
	rows: T[],
	selectedAt: number,
	width: number,
	widthOf: (c: Column<T>) => number,
	theme: Theme,
): ReactNode[] {
	const out: ReactNode[] = [];
	// Pieces of the plain text since the last span, joined once.
	const plain: string[] = [];
	const flush = () => {
		const text = plain.join('');
		plain.length = 0;
		if (text !== '') out.push(text);
	};
	for (let i = 0; i < rows.length; i++) {
		const row = rows[i]!;
		if (i > 0) plain.push('\n');
		if (i === selectedAt) {
			const line = cellLine(run.columns, row, widthOf);
			flush();
			// The selected row is a full-width bar; the others need no trailing spaces.
			out.push(<Text key={`s${i}`} inverse={theme.inverse}>{run.last ? fit(line, width - run.x) : `${line} `}</Text>);
			continue;
		}
		if (!toned(run.columns, row)) {
			const line = cellLine(run.columns, row, widthOf);
			if (run.last) plain.push(line.trimEnd());
			else plain.push(line, ' ');
			continue;
		}
		for (let j = 0; j < run.columns.length; j++) {
			const c = run.columns[j]!;
			const tone = c.tone?.(row);
			const cell = fitCell(c.cell(row), widthOf(c), c.align);
			const separator = j < run.columns.length - 1 || !run.last ? ' ' : '';
			if (!tone) {
				plain.push(cell, separator);
				continue;
			}
			flush();
			out.push(<Text key={`${i}:${j}`} color={theme[tone]}>{cell + separator}</Text>);
		}
	}
	flush();
	return out;
}

export const Table = memo(TableImpl) as typeof TableImpl;

/** Keeps the selection visible: the first row to show for this selection and height. */
export function scrollOffset(selected: number, offset: number, height: number, total: number): number {
	if (height <= 0) return 0;
	let next = offset;
	if (selected < next) next = selected;
	if (selected >= next + height) next = selected - height + 1;
	return Math.max(0, Math.min(next, Math.max(0, total - height)));
}
