/* decode.h - fuzzer bytes to contract operations, and back.
 *
 * Every byte string is a valid input. Format version 1:
 *
 *   byte 0   format version (1; other values are read as version 1)
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
 */
#ifndef CFH_DECODE_H
#define CFH_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "cfm.h"

#define CFH_FORMAT_VERSION 1
#define CFH_HEADER_SIZE 5

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

struct cfh_decoder {
	const uint8_t *p, *end;
	struct cfh_setup setup;
	uint32_t slots; /* slot tags handed out: one per call step */
};

/* Reads the header (bytes 0..4) of an input. */
void cfh_decode_begin(struct cfh_decoder *d, const uint8_t *data, size_t size);

/* Decodes the next step against the model's current state. Returns false
 * when the input is used up. *misuse is set for a deliberate misuse. */
bool cfh_decode_next(struct cfh_decoder *d, const struct cfm *m,
                     struct cfm_op *op, bool *misuse);

/* The header bytes that decode to setup; false if setup is outside what
 * the format can express. */
bool cfh_encode_setup(const struct cfh_setup *setup,
                      uint8_t out[CFH_HEADER_SIZE]);

/* The bytes of one step that decode to op in state m (at most 3 bytes, in
 * out; *len is set). Returns false if the format cannot express op there. */
bool cfh_encode_step(const struct cfm *m, const struct cfh_setup *setup,
                     const struct cfm_op *op, uint8_t out[3], size_t *len);

#endif /* CFH_DECODE_H */
