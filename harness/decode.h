/* decode.h - fuzzer bytes to contract operations, and back.
 *
 * Every byte string is a valid input. Byte 0 picks the format version:
 * 1 is version 1, every other value (a missing byte reads as 0) is
 * version 2. Until version 2 existed, any byte 0 was read as version 1;
 * now only 1 is, so that a fuzzer mutating byte 0 spends 255/256 of its
 * time in the more expressive format, while the corpus, whose seeds all
 * start with 1, decodes exactly as before. An old input with another
 * byte 0 decodes differently now: re-encode it from its JSON scenario
 * (cancelfuzz json, then encode).
 *
 * Format version 1:
 *
 *   byte 0   format version 1
 *   byte 1   instances = 2 + b % 5                            (2..6)
 *   byte 2   features: bit 0 shared, 1 deadlines, 2 resources,
 *            3 backpressure, 4 misuse (the swarm mask)
 *   byte 3   max_tasks = 2 + b % 31                          (2..32)
 *   byte 4   max_handles = 1 + (b & 15), max_resources = 1 + (b >> 4 & 3),
 *            max_keys = 1 + (b >> 6)
 *   then     steps, until the bytes run out (a missing byte reads as 0)
 *
 * A step's first byte picks the operation from a fixed 16-entry table for
 * the current context: the host's when no task is active, the active
 * task's otherwise (the actor is always the one allowed to act). With
 * misuse enabled, a first byte >= 0xF0 instead picks one of 16 deliberate
 * misuses (cancel twice, task.cancel before delivery, exit unresolved,
 * stale or foreign handles, the host acting while a task is active ...),
 * for which both sides must return the same error. Arguments are picked
 * among what the model's state offers: the k-th owned handle, the k-th
 * callable instance, the k-th live resource; an operation with nothing to
 * pick from becomes its context's fallback (host: poll; task: wait
 * cancellable). The tables below are part of the format: they never
 * change within a version, so a corpus decodes the same way later.
 *
 * Format version 2 reaches what version 1 cannot: every caps up to the
 * model's bounds, full argument ranges, any actor doing any operation,
 * and long runs of one operation.
 *
 *   byte 0   format version (anything but 1; the encoder writes 2)
 *   byte 1   instances = 2 + b % 5                            (2..6)
 *   byte 2   features, as in version 1 (bits 5..7 ignored)
 *   byte 3   max_tasks = 1 + (b & 63)                         (1..64)
 *   byte 4   max_handles = 1 + (b & 31)                       (1..32)
 *   byte 5   max_resources = 1 + (b & 15), max_keys = 1 + (b >> 4)
 *                                                    (1..16 each)
 *   then     steps, until the bytes run out (a missing byte reads as 0)
 *
 * Numbers: a "num" is one byte b < 0xFE read as b, or 0xFE and 2 bytes,
 * or 0xFF and 4 bytes (little-endian), so 0..2^32-1 all fit.
 *
 * Ordinary steps: the first byte's low 5 bits pick from a 32-entry table
 * per context (host_table2, task_table2 in decode.c), arguments picked
 * from the model's state as in version 1, but wider:
 *   call         [k] [o] ([d]): instance = the (k mod n)-th callable;
 *                o bit 0 shared, bit 1 deadline, bits 2..5 key (0..15);
 *                d a num, the deadline (0 reads as 1)
 *   run          [num]: queue position, any 32-bit value
 *   tick         [num]: the advance (0 reads as 1)
 *   task.return  [num]: the value, any 32-bit value
 *   repeat       [c] ([c2]): the previous operation again, verbatim (its
 *                actor and arguments, a fresh slot for a call), n more
 *                times where n = 1 + c for c < 0x80, else
 *                1 + ((c & 15) << 8 | c2) (1..4096). Verbatim, so that
 *                256 backpressure +1 in a row cost one step, and so that
 *                a repeated op means the same whatever happened between.
 *                An input may repeat at most CFH_REPEAT_BUDGET ops in
 *                all; a repeat beyond that is cut to what is left, and
 *                one with nothing left, or with nothing before it, is
 *                its context's fallback. So an input of L bytes yields
 *                at most L + CFH_REPEAT_BUDGET operations.
 *   the rest     as in version 1.
 *
 * Reach steps, only with misuse enabled: a first byte >= 0xE8.
 *   0xF0..0xFF  the 16 misuses of version 1, decoded the same way
 *   0xE8        [raw op] by the host (E_ACTIVE for every op while a task
 *               is active; E_NOTACTIVE for task-only ops; host call or
 *               backpressure of instance 0 or >= N: E_BADINSTANCE)
 *   0xE9        [raw op] by the active task, or the host if none (poll,
 *               run, tick by a task: E_ACTIVE; backpressure of another
 *               instance: E_BADINSTANCE)
 *   0xEA [k]    [raw op] by the (k mod n)-th live task that is not the
 *               active one, by id; the first id never issued if none
 *               (E_NOTACTIVE)
 *   0xEB [num]  [raw op] by the task with that id (exited ones too)
 *   0xEC        subtask.drop of the lowest handle in the actor's table
 *               that another owner holds (E_NOTOWNER; E_BADHANDLE if none)
 *   0xED [x]    backpressure (x & 1 ? -1 : +1) of an instance the actor
 *               may not touch: a task, instance (own + 1 + (x >> 1) mod
 *               (N - 1)) mod N; the host, 0 if x >> 1 is 0, else
 *               N - 1 + (x >> 1)
 *   0xEE [x]    call of an instance the actor may not call: x < 0x80,
 *               x mod (own + 1); else N + (x & 0x7f)
 *   0xEF [x]    [raw op] by the task id next_task_id + 1 + x, never issued
 *   raw op:     [c] then arguments as bytes, the model's state not
 *               consulted, the feature bits ignored: opcode = c mod 14
 *               (cfm.h order); call [instance] [o as above] ([d num,
 *               0 allowed]); subtask.cancel, subtask.drop [handle];
 *               task.return [kind = bit 0] [value num]; wait
 *               [cancellable = bit 0]; resource.drop [resource];
 *               backpressure [instance] [delta, a signed byte]; tick,
 *               run [num]; the rest nothing.
 * With misuse disabled, every first byte is an ordinary step.
 *
 * What version 2 still cannot generate, and why:
 *   - instances outside 2..6 (C-1 keeps fuzz runs there);
 *   - shared keys above 15, and raw instances, handles and resources
 *     above 255: the model's bounds (CFM_MAX_KEYS 16, CFM_MAX_INSTANCES 8,
 *     CFM_MAX_HANDLES 32, CFM_MAX_RESOURCES 16) are all below, so larger
 *     values only repeat the errors the ones within reach give;
 *   - backpressure deltas outside -128..127 (E_RANGE like any other
 *     delta but +1 and -1);
 *   - a task.return kind other than ok and err (not a value of the enum);
 *   - a call's slot tag: the decoder hands them out, 1, 2, 3 ...;
 *   - misuses, actors other than the allowed one, and arguments outside
 *     what the state offers, while the misuse feature is off (the swarm
 *     mask: runs without misuse stay on the contract's happy paths).
 */
#ifndef CFH_DECODE_H
#define CFH_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "cfm.h"

#define CFH_FORMAT_V1 1
#define CFH_FORMAT_V2 2
#define CFH_FORMAT_VERSION CFH_FORMAT_V2 /* the current one */
#define CFH_HEADER_SIZE_V1 5
#define CFH_HEADER_SIZE_V2 6
#define CFH_HEADER_SIZE CFH_HEADER_SIZE_V2 /* room for either header */
#define CFH_STEP_MAX 16 /* the longest step the encoder writes */
#define CFH_REPEAT_BUDGET 16384 /* ops repeated per input, at most */

enum cfh_feature {
	CFH_F_SHARED = 1 << 0,
	CFH_F_DEADLINES = 1 << 1,
	CFH_F_RESOURCES = 1 << 2,
	CFH_F_BACKPRESSURE = 1 << 3,
	CFH_F_MISUSE = 1 << 4,
	CFH_F_ALL = 0x1f
};

/* A run's configuration: the caps both sides get, and the features. */
struct cfh_setup {
	struct cfm_config caps;
	uint32_t features;
};

/* The decoder's position and memory. The encoder keeps one too: the
 * decoder as it will be when it reaches the next step's bytes. */
struct cfh_decoder {
	const uint8_t *p, *end;
	struct cfh_setup setup;
	unsigned version; /* CFH_FORMAT_V1 or CFH_FORMAT_V2 */
	uint32_t slots;   /* slot tags handed out: one per call */
	/* Version 2's repeat: the last op handed out, how many more times
	 * it is due, and how many repetitions the input has left. */
	bool have_last, last_misuse;
	struct cfm_op last;
	uint32_t repeat_left, repeat_budget;
	/* What the target takes (cfh_decode_restrict); all by default. */
	bool restricted;
	uint32_t allow_features, allow_ops;
};

/* Reads the header (bytes 0..4, or 0..5 in version 2) of an input. */
void cfh_decode_begin(struct cfh_decoder *d, const uint8_t *data, size_t size);

/* Narrows what d generates to what a target supports (target.h): the
 * header's features are and-ed with features, and an operation whose
 * opcode has no bit in ops (bit 1 << enum cfm_opcode) becomes the
 * context's fallback (the host polls, the active task waits cancellably;
 * both must be in ops), by the actor allowed to act. A call's shared key
 * and deadline are cleared when features lacks them, in misuse and raw
 * steps too, which otherwise ignore the feature bits. Call it after
 * cfh_decode_begin(); everything is allowed until then. With everything
 * allowed, decoding is exactly as without it. */
void cfh_decode_restrict(struct cfh_decoder *d, uint32_t features,
                         uint32_t ops);

/* Decodes the next step against the model's current state. Returns false
 * when the input is used up. *misuse is set for a deliberate misuse. */
bool cfh_decode_next(struct cfh_decoder *d, const struct cfm *m,
                     struct cfm_op *op, bool *misuse);

/* Starts encoding a run in format version (CFH_FORMAT_V1 or _V2): writes
 * the header bytes that decode to setup and returns their number, and
 * sets *d to the decoder as it will be after them. Returns 0 if that
 * version cannot express setup. */
size_t cfh_encode_setup(const struct cfh_setup *setup, unsigned version,
                        uint8_t out[CFH_HEADER_SIZE], struct cfh_decoder *d);

/* The bytes of one step that decode to op in state m, for the decoder d
 * that cfh_encode_setup() or the previous call left (at most
 * CFH_STEP_MAX bytes, in out; *len is set); d moves past them. Returns
 * false, d untouched, if the format cannot express op there. Version 1
 * never needs more than 3 bytes, and picks as it always did. */
bool cfh_encode_step(struct cfh_decoder *d, const struct cfm *m,
                     const struct cfm_op *op, uint8_t out[CFH_STEP_MAX],
                     size_t *len);

#endif /* CFH_DECODE_H */
