/** One thing leaktop concluded from the history: what, how bad, how sure, on what evidence. */
export interface Finding {
	/** Stable rule id, e.g. "process-leak", "slab-leak", "cache-not-leak". */
	rule: string;
	severity: 'info' | 'warning' | 'critical';
	/** 0..1: how sure the rule is (window length, steadiness of the trend). */
	confidence: number;
	/** What it is about: "pid 1234 (python3)", "slab dentry", "system". */
	subject: string;
	/** One line in plain words. */
	message: string;
	/** The numbers and the window they were measured over. */
	evidence: Record<string, number | string | null>;
	/** What to do next, e.g. "Enter on pid 1234 opens its mappings". */
	next?: string;
	/** For drilling in from the findings list. */
	target?: {kind: 'process'; pid: number; key: string} | {kind: 'slab'; name: string} | {kind: 'cgroup'; path: string};
}
