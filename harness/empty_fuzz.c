/* empty_fuzz.c - a libFuzzer target that does nothing: scripts/bench runs it
 * over the same corpus with the same flags as cancelfuzz-fuzz, so the ratio
 * of their exec/s is what the harness itself costs. */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)data;
	(void)size;
	return 0;
}
