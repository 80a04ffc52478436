import {Text} from 'ink';
import type {KernelMemory} from '../../probe/meminfo.js';
import type {Snapshot} from '../../store/store.js';
import {formatBytes, formatDelta} from '../../units.js';
import {useTheme} from '../ThemeContext.js';

const ITEMS: Array<{label: string; key: keyof KernelMemory}> = [
	{label: 'SUnrecl', key: 'sUnreclaimBytes'},
	{label: 'Stack', key: 'kernelStackBytes'},
	{label: 'PgTbl', key: 'pageTablesBytes'},
	{label: 'Vmalloc', key: 'vmallocUsedBytes'},
	{label: 'Percpu', key: 'percpuBytes'},
];

/** Kernel memory that no process RSS shows, with its change since start. */
export function KernelLine({snapshot}: {snapshot: Snapshot}) {
	const theme = useTheme();
	const k = snapshot.kernel;
	const start = snapshot.kernelAtStart;
	if (!k) return <Text color={theme.muted}>kernel memory: n/a</Text>;
	const delta = (key: keyof KernelMemory) => {
		const now = k[key];
		const then = start?.[key];
		return now === null || then === null || then === undefined ? null : now - then;
	};
	const part = (label: string, key: keyof KernelMemory) => {
		const d = delta(key);
		return (
			<Text key={key}>
				{`${label} ${formatBytes(k[key])}`}
				{d ? <Text color={d > 0 ? theme.warn : theme.muted}>{` ${formatDelta(d)}`}</Text> : null}
				{'  '}
			</Text>
		);
	};
	return (
		<Text wrap="truncate">
			<Text color={theme.muted}>Kernel </Text>
			{part('Slab', 'slabBytes')}
			<Text color={theme.muted}>{`(recl ${formatBytes(k.sReclaimableBytes)}) `}</Text>
			{ITEMS.map(item => part(item.label, item.key))}
		</Text>
	);
}
