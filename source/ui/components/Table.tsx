import {Box, Text} from 'ink';
import {memo} from 'react';
import {clip, fit} from '../text.js';
import {useTheme} from '../ThemeContext.js';

export interface Column<T> {
	title: string;
	/** Fixed width; the one column without a width takes what is left. */
	width?: number;
	align?: 'left' | 'right';
	cell: (row: T) => string;
	/** Colour token for a cell, from the theme (e.g. growth turning warn). */
	tone?: (row: T) => 'warn' | 'bad' | 'good' | 'muted' | undefined;
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
 * One Text per row, not a Box per cell: a 40-row table of Boxes costs several % of a core to
 * re-render every second; strings keep the frame cheap and Ink's diff small.
 */
function TableImpl<T>({columns, rows, rowKey, selected, offset, height, width, focused, empty}: TableProps<T>) {
	const theme = useTheme();
	const fixed = columns.reduce((sum, c) => sum + (c.width ?? 0) + 1, 0);
	const flex = Math.max(4, width - fixed);
	const widthOf = (c: Column<T>) => c.width ?? flex;
	const header = columns.map(c => fit(c.title, widthOf(c), c.align)).join(' ');
	const visible = rows.slice(offset, offset + height);
	return (
		<Box flexDirection="column" height={height + 1}>
			<Text bold color={theme.accent} wrap="truncate">
				{clip(header, width)}
			</Text>
			{visible.length === 0 && empty ? <Text color={theme.muted}>{clip(empty, width)}</Text> : null}
			{visible.map((row, i) => {
				const isSelected = focused && offset + i === selected;
				const toned = columns.some(c => c.tone?.(row));
				if (isSelected || !toned) {
					const line = columns.map(c => fit(c.cell(row), widthOf(c), c.align)).join(' ');
					// The selected row is a full-width bar; the others need no trailing spaces.
					return (
						<Text key={rowKey(row)} inverse={isSelected && theme.inverse} wrap="truncate">
							{isSelected ? fit(line, width) : clip(line, width)}
						</Text>
					);
				}
				return (
					<Text key={rowKey(row)} wrap="truncate">
						{columns.map((c, j) => {
							const tone = c.tone?.(row);
							const cell = fit(c.cell(row), widthOf(c), c.align) + (j < columns.length - 1 ? ' ' : '');
							return tone ? (
								<Text key={c.title} color={theme[tone]}>
									{cell}
								</Text>
							) : (
								cell
							);
						})}
					</Text>
				);
			})}
		</Box>
	);
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
