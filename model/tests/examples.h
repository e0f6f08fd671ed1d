/* examples.h - the contract's four worked runs (model/README.md) as
 * scripts, shared by the model's suite and the runtime's lockstep suite. */
#ifndef EXAMPLES_H
#define EXAMPLES_H

/* A: a nested cancellation must reach the exporter (Wasmtime #13196).
 * N = 4; the drain afterwards must empty everything. */
extern const char example_a_script[];
/* B: the completion wins a race against a pending cancellation. N = 2. */
extern const char example_b_script[];
/* C: a shared producer outlives one subscriber, not the last. N = 2. */
extern const char example_c_script[];
/* D: a timeout cancels a call still queued behind backpressure. N = 2. */
extern const char example_d_script[];

#endif /* EXAMPLES_H */
