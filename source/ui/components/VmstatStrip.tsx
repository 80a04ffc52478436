import {Box} from 'ink';
import {Text} from './Text.js';
import type {VmstatRates} from '../../store/rates.js';
import type {Snapshot} from '../../store/store.js';
import {useTheme} from '../ThemeContext.js';

const COLUMNS: Array<{key: keyof VmstatRates; width: number}> = [
	{key: 'r', width: 3},
	{key: 'b', width: 3},
	{key: 'si', width: 6},
	{key: 'so', width: 6},
	{key: 'bi', width: 7},
	{key: 'bo', width: 7},
	{key: 'in', width: 7},
	{key: 'cs', width: 7},
	{key: 'us', width: 4},
	{key: 'sy', width: 4},
	{key: 'id', width: 4},
	{key: 'wa', width: 4},
	{key: 'st', width: 4},
	{key: 'sr', width: 7},
];

const TROUBLE = new Set<keyof VmstatRates>(['si', 'so', 'sr']);

/** vmstat's columns in vmstat's units; swap and reclaim light up when they persist. */
export function VmstatStrip({snapshot, persisting}: {snapshot: Snapshot; persisting: ReadonlySet<string>}) {
	const theme = useTheme();
	const rates = snapshot.rates;
	const psi = snapshot.sample?.pressure;
	const value = (key: keyof VmstatRates) => {
		const v = rates?.[key];
		return v === null || v === undefined ? '-' : String(Math.round(v));
	};
	return (
		<Box flexDirection="column">
			<Text color={theme.muted} wrap="truncate">
				{COLUMNS.map(c => c.key.padStart(c.width)).join('')}
				{psi ? '  psi some/full avg10' : ''}
			</Text>
			<Text wrap="truncate">
				{COLUMNS.map(c => (
					<Text key={c.key} color={TROUBLE.has(c.key) && persisting.has(c.key) ? theme.bad : undefined} bold={TROUBLE.has(c.key) && persisting.has(c.key)}>
						{value(c.key).padStart(c.width)}
					</Text>
				))}
				{psi ? (
					<Text color={psi.some.avg10 > 0 ? theme.warn : undefined}>{`  ${psi.some.avg10.toFixed(2)} / ${psi.full ? psi.full.avg10.toFixed(2) : 'n/a'}`}</Text>
				) : null}
			</Text>
		</Box>
	);
}
