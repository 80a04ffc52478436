import {Text} from './Text.js';
import type {KernelMemory} from '../../probe/meminfo.js';
import type {Snapshot} from '../../store/store.js';
import {formatBytes, formatDelta} from '../../units.js';
import {stringWidth} from '../text.js';
import {useTheme} from '../ThemeContext.js';
import type {Theme} from '../theme.js';

const ITEMS: Array<{label: string; key: keyof KernelMemory}> = [
	{label: 'SUnrecl', key: 'sUnreclaimBytes'},
	{label: 'Stack', key: 'kernelStackBytes'},
	{label: 'PgTbl', key: 'pageTablesBytes'},
	{label: 'Vmalloc', key: 'vmallocUsedBytes'},
	{label: 'Percpu', key: 'percpuBytes'},
];

type Tone = keyof Pick<Theme, 'warn' | 'muted'>;

/**
 * Kernel memory that no process RSS shows, with its change since start. Cut to the width here:
 * left to Ink, a line that changes every tick is truncated afresh each frame (and each cut cached).
 */
export function KernelLine({snapshot, width}: {snapshot: Snapshot; width: number}) {
	const theme = useTheme();
	const k = snapshot.kernel;
	const start = snapshot.kernelAtStart;
	if (!k) return <Text color={theme.muted}>kernel memory: n/a</Text>;
	const parts: Array<{text: string; tone?: Tone}> = [{text: 'Kernel ', tone: 'muted'}];
	const part = (label: string, key: keyof KernelMemory) => {
		const now = k[key];
		const then = start?.[key];
		const d = now === null || then === null || then === undefined ? null : now - then;
		parts.push({text: `${label} ${formatBytes(now)}`});
		if (d) parts.push({text: ` ${formatDelta(d)}`, tone: d > 0 ? 'warn' : 'muted'});
		parts.push({text: '  '});
	};
	part('Slab', 'slabBytes');
	parts.push({text: `(recl ${formatBytes(k.sReclaimableBytes)}) `, tone: 'muted'});
	for (const item of ITEMS) part(item.label, item.key);
	return <Text>{clipParts(parts, width).map((p, i) => (p.tone ? <Text key={i} color={theme[p.tone]}>{p.text}</Text> : p.text))}</Text>;
}

/** Cuts coloured parts to `width` columns as Ink's truncation would: the last column an unstyled '…'. */
function clipParts(parts: Array<{text: string; tone?: Tone}>, width: number): Array<{text: string; tone?: Tone}> {
	if (parts.reduce((sum, p) => sum + stringWidth(p.text), 0) <= width) return parts;
	const out: Array<{text: string; tone?: Tone}> = [];
	let room = width - 1;
	for (const p of parts) {
		if (room <= 0) break;
		const chars = [...p.text];
		const kept = chars.slice(0, room).join('');
		out.push({...p, text: kept});
		room -= stringWidth(kept);
	}
	out.push({text: '…'});
	return out;
}
