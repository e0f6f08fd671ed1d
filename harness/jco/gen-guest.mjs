// gen-guest.mjs - the WAT of cancelfuzz's jco guest: one outer component that
// instantiates inner components 1..N-1 (instance 0 is the host, the driver).
//
// Inner component i exports `run: async func(id: u32) -> result<u32, u32>`,
// lifted async with a callback, async-lowers the `run` of every component
// j > i, and imports two host functions:
//   next(id: u32) -> tuple<u32, u32, u32>   the op task `id` does next:
//                                           (opcode, a, b), see OPS below
//   report(id: u32, what: u32, a: u32, b: u32, c: u32)
//                                           what a built-in returned
// The guest decides nothing: it performs the op with the real canonical-ABI
// built-in (misuses included) and reports the raw result.
//
// Usage: node gen-guest.mjs [INSTANCES]   (default 8: components 1..7)
// As a module: guestWat(instances) returns the text.
'use strict';

import { pathToFileURL } from 'node:url';

// The op codes `next` returns, shared with the driver. A call to component j
// is CALL_BASE + j (a = the new task's id K, which picks the result slot).
export const OPS = Object.freeze({
	SUBTASK_CANCEL: 0, // a = handle
	SUBTASK_DROP: 1, // a = handle
	TASK_RETURN: 2, // a = 0 ok / 1 err, b = value
	TASK_CANCEL: 3,
	WSET_NEW: 4,
	WSET_WAIT: 5, // a = set
	WSET_POLL: 6, // a = set
	WSET_DROP: 7, // a = set
	JOIN: 8, // a = handle, b = set
	THREAD_YIELD: 9,
	BP_INC: 10,
	BP_DEC: 11,
	CB_WAIT: 12, // a = set: the callback returns WAIT | set << 4
	CB_YIELD: 13, // the callback returns YIELD
	CB_EXIT: 14, // the callback returns EXIT
	CALL_BASE: 16, // + j, a = task id K
});

// `report`'s `what` besides an op code: the entry or the callback ran.
export const REPORT_START = 100; // a = 0
export const REPORT_EVENT = 101; // a = event code, b = p1, c = p2

// Each instance's memory layout: `next` writes (op, a, b) at NEXT_AT; the
// wait/poll payload (p1, p2) goes to EVENT_AT; ID_AT holds the instance
// number (a data segment); the result slot of the call
// that makes task K is SLOT_BASE + SLOT_SIZE * K, set to SENTINEL (both
// words) right before the call.
export const NEXT_AT = 0;
export const EVENT_AT = 16;
export const ID_AT = 32; // one byte: the instance number, so the driver
                         // can tell the memories apart
export const SLOT_BASE = 1024;
export const SLOT_SIZE = 8;
export const SENTINEL = 0xeeeeeeee;
export const MAX_SLOT_TASK = (65536 - SLOT_BASE) / SLOT_SIZE - 1;

export const MAX_INSTANCES = 8;

const RUN_TYPE = 'async (param "id" u32) (result (result u32 (error u32)))';

const HOST_NEXT_TYPE = '(param "id" u32) (result (tuple u32 u32 u32))';
const HOST_REPORT_TYPE =
	'(param "id" u32) (param "what" u32) (param "a" u32) ' +
	'(param "b" u32) (param "c" u32)';

// The core module of component i: the entry `run`, the callback `cb` and one
// loop that asks `next`, performs, reports. `callees` are the j > i.
function coreModule(i, callees) {
	const O = OPS;
	const callImports = callees
		.map((j) => `    (import "" "call${j}" (func $call${j} (param i32 i32) (result i32)))`)
		.join('\n');
	// br_table targets, by op code: 0..14 the ops, 15 unused, 16+j calls.
	const nOps = O.CALL_BASE + MAX_INSTANCES;
	const label = (op) => {
		if (op < O.CALL_BASE)
			return op === 15 ? '$bad' : `$op${op}`;
		const j = op - O.CALL_BASE;
		return callees.includes(j) ? `$call${j}` : '$bad';
	};
	const targets = [];
	for (let op = 0; op < nOps; op++)
		targets.push(label(op));
	// Nested blocks: the innermost is br_table's first target. Each block's
	// code follows its `end`.
	const blocks = [];
	for (let op = 0; op < O.CALL_BASE; op++)
		if (op !== 15)
			blocks.push([`$op${op}`, opCode(op)]);
	for (const j of callees)
		blocks.push([`$call${j}`, callCode(j)]);
	blocks.push(['$bad', '        unreachable']);
	let body = `        (br_table ${targets.join(' ')} $bad (local.get $op))\n`;
	for (const [name, code] of blocks)
		body = `        (block ${name}\n${indent(body, 2)}        )\n${code}\n`;
	return `  (core module $M${i}
    (import "" "mem" (memory 1))
    (import "" "next" (func $next (param i32 i32)))
    (import "" "report" (func $report (param i32 i32 i32 i32 i32)))
${callImports}
    (import "" "subtask.cancel" (func $subtask.cancel (param i32) (result i32)))
    (import "" "subtask.drop" (func $subtask.drop (param i32)))
    (import "" "task.return" (func $task.return (param i32 i32)))
    (import "" "task.cancel" (func $task.cancel))
    (import "" "waitable-set.new" (func $ws.new (result i32)))
    (import "" "waitable-set.wait" (func $ws.wait (param i32 i32) (result i32)))
    (import "" "waitable-set.poll" (func $ws.poll (param i32 i32) (result i32)))
    (import "" "waitable-set.drop" (func $ws.drop (param i32)))
    (import "" "waitable.join" (func $join (param i32 i32)))
    (import "" "thread.yield" (func $yield (result i32)))
    (import "" "backpressure.inc" (func $bp.inc))
    (import "" "backpressure.dec" (func $bp.dec))
    (import "" "context.get" (func $ctx.get (result i32)))
    (import "" "context.set" (func $ctx.set (param i32)))

    ;; Ask, perform, report until the op is one of the callback's return
    ;; codes; return that code.
    (func $loop (param $id i32) (result i32)
      (local $op i32) (local $a i32) (local $b i32) (local $r i32)
      (loop $again
        (call $next (local.get $id) (i32.const ${NEXT_AT}))
        (local.set $op (i32.load (i32.const ${NEXT_AT})))
        (local.set $a (i32.load (i32.const ${NEXT_AT + 4})))
        (local.set $b (i32.load (i32.const ${NEXT_AT + 8})))
${body}        (br $again)
      )
      unreachable
    )

    ;; The lifted entry: keep the task id in context slot 0, report START.
    (func (export "run") (param $id i32) (result i32)
      (call $ctx.set (local.get $id))
      (call $report (local.get $id) (i32.const ${REPORT_START}) (i32.const 0) (i32.const 0) (i32.const 0))
      (call $loop (local.get $id))
    )

    ;; The callback: report the event, then go on asking.
    (func (export "cb") (param $ev i32) (param $p1 i32) (param $p2 i32) (result i32)
      (local $id i32)
      (local.set $id (call $ctx.get))
      (call $report (local.get $id) (i32.const ${REPORT_EVENT}) (local.get $ev) (local.get $p1) (local.get $p2))
      (call $loop (local.get $id))
    )
  )`;
}

function indent(text, n) {
	const pad = ' '.repeat(n);
	return text.replace(/^(?=.)/gm, pad);
}

// report(id, op, r, p1, p2) and go round again.
function rep(op, r = '(i32.const 0)', p1 = '(i32.const 0)', p2 = '(i32.const 0)') {
	return `        (call $report (local.get $id) (i32.const ${op}) ${r} ${p1} ${p2})\n` +
		'        (br $again)';
}

const evP1 = `(i32.load (i32.const ${EVENT_AT}))`;
const evP2 = `(i32.load (i32.const ${EVENT_AT + 4}))`;

function opCode(op) {
	const O = OPS;
	const r = '(local.get $r)';
	switch (op) {
	case O.SUBTASK_CANCEL:
		return `        (local.set $r (call $subtask.cancel (local.get $a)))\n${rep(op, r)}`;
	case O.SUBTASK_DROP:
		return `        (call $subtask.drop (local.get $a))\n${rep(op)}`;
	case O.TASK_RETURN:
		return `        (call $task.return (local.get $a) (local.get $b))\n${rep(op)}`;
	case O.TASK_CANCEL:
		return `        (call $task.cancel)\n${rep(op)}`;
	case O.WSET_NEW:
		return `        (local.set $r (call $ws.new))\n${rep(op, r)}`;
	case O.WSET_WAIT:
		return `        (local.set $r (call $ws.wait (local.get $a) (i32.const ${EVENT_AT})))\n` +
			rep(op, r, evP1, evP2);
	case O.WSET_POLL:
		return `        (local.set $r (call $ws.poll (local.get $a) (i32.const ${EVENT_AT})))\n` +
			rep(op, r, evP1, evP2);
	case O.WSET_DROP:
		return `        (call $ws.drop (local.get $a))\n${rep(op)}`;
	case O.JOIN:
		return `        (call $join (local.get $a) (local.get $b))\n${rep(op)}`;
	case O.THREAD_YIELD:
		return `        (local.set $r (call $yield))\n${rep(op, r)}`;
	case O.BP_INC:
		return `        (call $bp.inc)\n${rep(op)}`;
	case O.BP_DEC:
		return `        (call $bp.dec)\n${rep(op)}`;
	case O.CB_WAIT:
		return '        (return (i32.or (i32.const 2) (i32.shl (local.get $a) (i32.const 4))))';
	case O.CB_YIELD:
		return '        (return (i32.const 1))';
	case O.CB_EXIT:
		return '        (return (i32.const 0))';
	}
	throw new Error(`no code for op ${op}`);
}

// The slot of task K (a) is set to the sentinel, then the async-lowered call
// of component j's run(K) writes its result there.
function callCode(j) {
	const op = OPS.CALL_BASE + j;
	const slot = `(i32.add (i32.const ${SLOT_BASE}) (i32.mul (local.get $a) (i32.const ${SLOT_SIZE})))`;
	return `        (i64.store ${slot} (i64.const ${BigInt.asIntN(64, (BigInt(SENTINEL) << 32n) | BigInt(SENTINEL))}))\n` +
		`        (local.set $r (call $call${j} (local.get $a) ${slot}))\n${rep(op, '(local.get $r)')}`;
}

// Inner component i of an outer component with `instances` instances.
function innerComponent(i, instances) {
	const callees = [];
	for (let j = i + 1; j < instances; j++)
		callees.push(j);
	const imports = callees
		.map((j) => `  (import "run${j}" (func $run${j} ${RUN_TYPE}))`)
		.join('\n');
	const lowers = callees
		.map((j) => `  (core func $call${j} (canon lower (func $run${j}) async (memory $memory)))`)
		.join('\n');
	const withCalls = callees
		.map((j) => `      (export "call${j}" (func $call${j}))`)
		.join('\n');
	return `(component $C${i}
  (import "next" (func $next ${HOST_NEXT_TYPE}))
  (import "report" (func $report ${HOST_REPORT_TYPE}))
${imports}
  (core module $Mem (memory (export "mem") 1) (data (i32.const ${ID_AT}) "\\0${i}"))
  (core instance $mem (instantiate $Mem))
  (alias core export $mem "mem" (core memory $memory))
  (core func $next (canon lower (func $next) (memory $memory)))
  (core func $report (canon lower (func $report)))
${lowers}
  (core func $subtask.cancel (canon subtask.cancel async))
  (core func $subtask.drop (canon subtask.drop))
  (core func $task.return (canon task.return (result (result u32 (error u32)))))
  (core func $task.cancel (canon task.cancel))
  (core func $ws.new (canon waitable-set.new))
  (core func $ws.wait (canon waitable-set.wait (memory $memory)))
  (core func $ws.poll (canon waitable-set.poll (memory $memory)))
  (core func $ws.drop (canon waitable-set.drop))
  (core func $join (canon waitable.join))
  (core func $yield (canon thread.yield))
  (core func $bp.inc (canon backpressure.inc))
  (core func $bp.dec (canon backpressure.dec))
  (core func $ctx.get (canon context.get i32 0))
  (core func $ctx.set (canon context.set i32 0))
${indent(coreModule(i, callees), 0)}
  (core instance $m (instantiate $M${i}
    (with "" (instance
      (export "mem" (memory $memory))
      (export "next" (func $next))
      (export "report" (func $report))
${withCalls}
      (export "subtask.cancel" (func $subtask.cancel))
      (export "subtask.drop" (func $subtask.drop))
      (export "task.return" (func $task.return))
      (export "task.cancel" (func $task.cancel))
      (export "waitable-set.new" (func $ws.new))
      (export "waitable-set.wait" (func $ws.wait))
      (export "waitable-set.poll" (func $ws.poll))
      (export "waitable-set.drop" (func $ws.drop))
      (export "waitable.join" (func $join))
      (export "thread.yield" (func $yield))
      (export "backpressure.inc" (func $bp.inc))
      (export "backpressure.dec" (func $bp.dec))
      (export "context.get" (func $ctx.get))
      (export "context.set" (func $ctx.set))
    ))
  ))
  (func (export "run") ${RUN_TYPE}
    (canon lift (core func $m "run") async (callback (core func $m "cb"))))
)`;
}

// The outer component: host imports `next` and `report`, inner instances
// N-1 down to 1 (each is handed the run of every higher one), and exports
// run1..run{N-1} for the host's calls.
export function guestWat(instances = MAX_INSTANCES) {
	if (!Number.isInteger(instances) || instances < 2 || instances > MAX_INSTANCES)
		throw new Error(`instances must be 2..${MAX_INSTANCES}, not ${instances}`);
	const parts = [];
	parts.push(';; Generated by harness/jco/gen-guest.mjs: do not edit.');
	parts.push('(component');
	parts.push(`  (import "next" (func $next ${HOST_NEXT_TYPE}))`);
	parts.push(`  (import "report" (func $report ${HOST_REPORT_TYPE}))`);
	for (let i = 1; i < instances; i++)
		parts.push(indent(innerComponent(i, instances), 2));
	for (let i = instances - 1; i >= 1; i--) {
		const withs = [];
		for (let j = i + 1; j < instances; j++)
			withs.push(`(with "run${j}" (func $i${j} "run"))`);
		parts.push(`  (instance $i${i} (instantiate $C${i} (with "next" (func $next)) ` +
			`(with "report" (func $report)) ${withs.join(' ')}))`);
	}
	for (let i = 1; i < instances; i++)
		parts.push(`  (export "run${i}" (func $i${i} "run"))`);
	parts.push(')');
	return parts.join('\n') + '\n';
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	const n = process.argv[2] === undefined ? MAX_INSTANCES : Number(process.argv[2]);
	process.stdout.write(guestWat(n));
}
