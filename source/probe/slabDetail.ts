import type {Files} from './files.js';
import {fail, ok, type Result} from './result.js';
import {firstInteger} from './slab.js';

/** The /sys/kernel/slab/NAME attributes the slab view shows, named as the kernel names the files. */
export const SLAB_DETAIL_ATTRIBUTES = [
	'objects',
	'total_objects',
	'slabs',
	'partial',
	'cpu_slabs',
	'object_size',
	'slab_size',
	'objs_per_slab',
	'order',
	'reclaim_account',
] as const;

export type SlabDetailAttribute = (typeof SLAB_DETAIL_ATTRIBUTES)[number];

/** One cache as /sys/kernel/slab describes it. */
export interface SlabDetail {
	/** The name asked for (a /proc/slabinfo name, an alias, or a merged directory like `:0000064`). */
	name: string;
	/** Its directory under /sys/kernel/slab: the name itself, or the merged cache it links to. */
	dir: string;
	/** The other names that share the directory, sorted; empty when the cache has one user. */
	aliases: string[];
	/** Several caches share these objects, so growth may come from any of their users. */
	merged: boolean;
	/** Each attribute's first integer (`2093 N0=2093` → 2093), or why it could not be read. */
	attributes: Record<SlabDetailAttribute, Result<number>>;
}

// A name goes into a path: refuse anything that could leave /sys/kernel/slab.
function isCacheName(name: string): boolean {
	return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

/**
 * A /proc/slabinfo name → its directory under /sys/kernel/slab. With slab merging (the default)
 * about half the names are symlinks to a shared `:0000064`-style directory; the slabinfo row of a
 * merged cache carries the name of its first user, which is one of those symlinks.
 */
export function resolveSlabName(files: Files, name: string): Result<string> {
	if (!isCacheName(name)) return fail('ENOENT', `not a slab cache name: ${JSON.stringify(name)}`);
	const path = files.sys('kernel/slab', name);
	const link = files.readLink(path);
	if (link.ok) return ok(link.value.split('/').pop()!);
	// readlink of a directory fails EINVAL (EIO here): the name is a cache of its own.
	if (link.reason !== 'EIO') return link;
	const entries = files.listDir(path);
	return entries.ok ? ok(name) : entries;
}

/** Every name in /sys/kernel/slab that links to dir, sorted. */
export function readSlabAliases(files: Files, dir: string): Result<string[]> {
	const root = files.sys('kernel/slab');
	const entries = files.listDir(root);
	if (!entries.ok) return entries;
	const names: string[] = [];
	for (const entry of entries.value) {
		if (entry === dir) continue;
		const link = files.readLink(`${root}/${entry}`);
		if (link.ok && link.value.split('/').pop() === dir) names.push(entry);
	}
	return ok(names.sort());
}

/**
 * Reads one cache's attributes. Only a cache that does not exist (or /sys/kernel/slab itself being
 * unreadable) fails the whole reading; a missing or forbidden attribute is reported on its own.
 */
export function readSlabDetail(files: Files, name: string): Result<SlabDetail> {
	const dir = resolveSlabName(files, name);
	if (!dir.ok) return dir;
	const names = readSlabAliases(files, dir.value);
	if (!names.ok) return names;
	const attributes = {} as Record<SlabDetailAttribute, Result<number>>;
	for (const attribute of SLAB_DETAIL_ATTRIBUTES) {
		const path = files.sys('kernel/slab', dir.value, attribute);
		const text = files.readText(path, 4096);
		if (!text.ok) {
			attributes[attribute] = text;
			continue;
		}
		const value = firstInteger(text.value);
		attributes[attribute] = value !== null ? ok(value) : fail(text.value.trim() === '' ? 'EMPTY' : 'PARSE', path);
	}
	const aliases = names.value.filter(alias => alias !== name);
	return ok({name, dir: dir.value, aliases, merged: aliases.length > 0, attributes});
}

/** Memory the cache holds: slabs × pages per slab (2^order) × page size; null when unreadable. */
export function slabDetailBytes(detail: SlabDetail, pageSize: number): number | null {
	const {slabs, order} = detail.attributes;
	return slabs.ok && order.ok ? slabs.value * 2 ** order.value * pageSize : null;
}
