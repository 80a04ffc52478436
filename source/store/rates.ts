import type {Sample} from '../probe/sample.js';
import {pagesScanned, pagesStolen} from '../probe/vmstat.js';

/** What vmstat prints, in vmstat's units: si/so/bi/bo KiB/s, in/cs per second, CPU in %. */
export interface VmstatRates {
	r: number | null;
	b: number | null;
	si: number | null;
	so: number | null;
	bi: number | null;
	bo: number | null;
	in: number | null;
	cs: number | null;
	us: number | null;
	sy: number | null;
	id: number | null;
	wa: number | null;
	st: number | null;
	/** Pages scanned for reclaim per second (kswapd + direct + khugepaged). */
	sr: number | null;
	/** Pages reclaimed per second. */
	stealPerSec: number | null;
	/** Working-set refaults per second: evicted pages needed again, a thrashing sign. */
	refaultsPerSec: number | null;
	/** OOM kills since the previous sample. */
	oomKills: number | null;
}

/** vmstat's columns from two samples, as procps vmstat derives them. */
export function vmstatRates(previous: Sample, current: Sample): VmstatRates {
	const dtSec = (current.monoMs - previous.monoMs) / 1000;
	const pageKib = current.host.pageSize / 1024;
	const pv = previous.vmstat;
	const cv = current.vmstat;
	const delta = (key: string): number | null => {
		if (!pv || !cv || cv[key] === undefined || pv[key] === undefined) return null;
		return Math.max(0, cv[key]! - pv[key]!);
	};
	const perSec = (value: number | null, scale = 1) => (value === null || dtSec <= 0 ? null : (value * scale) / dtSec);
	const refaults = pv && cv ? (delta('workingset_refault_anon') ?? 0) + (delta('workingset_refault_file') ?? 0) + (delta('workingset_refault') ?? 0) : null;
	const ps = previous.stat;
	const cs = current.stat;
	let cpu: Pick<VmstatRates, 'us' | 'sy' | 'id' | 'wa' | 'st'> = {us: null, sy: null, id: null, wa: null, st: null};
	if (ps && cs) {
		const d = (key: keyof typeof cs.cpu) => Math.max(0, cs.cpu[key] - ps.cpu[key]);
		const us = d('user') + d('nice');
		const sy = d('system') + d('irq') + d('softirq');
		const total = us + sy + d('idle') + d('iowait') + d('steal');
		const pct = (n: number) => (total > 0 ? Math.round((n * 100) / total) : null);
		cpu = {us: pct(us), sy: pct(sy), id: pct(d('idle')), wa: pct(d('iowait')), st: pct(d('steal'))};
	}
	return {
		r: cs?.procsRunning ?? null,
		b: cs?.procsBlocked ?? null,
		si: perSec(delta('pswpin'), pageKib),
		so: perSec(delta('pswpout'), pageKib),
		bi: perSec(delta('pgpgin')),
		bo: perSec(delta('pgpgout')),
		in: ps && cs ? perSec(Math.max(0, cs.intr - ps.intr)) : null,
		cs: ps && cs ? perSec(Math.max(0, cs.ctxt - ps.ctxt)) : null,
		...cpu,
		sr: pv && cv ? perSec(Math.max(0, pagesScanned(cv) - pagesScanned(pv))) : null,
		stealPerSec: pv && cv ? perSec(Math.max(0, pagesStolen(cv) - pagesStolen(pv))) : null,
		refaultsPerSec: perSec(refaults),
		oomKills: delta('oom_kill'),
	};
}
