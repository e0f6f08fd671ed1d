/* tap.h - a small test registry with TAP output, for every test suite.
 *
 * A test is a `static void name(void)`; an executable lists its tests in one
 * array with TAP_TEST(name) and hands it to tap_main(). A failed assertion
 * prints the expression and both values and ends that test only (longjmp),
 * so the rest still run and report. `prog NAME...` runs the named tests;
 * `prog --list` prints the names.
 */
#ifndef TAP_H
#define TAP_H

#include <stddef.h>

struct tap_test {
	const char *name;
	void (*fn)(void);
};

#define TAP_TEST(fn) {#fn, fn}

int tap_main(int argc, char **argv, const struct tap_test *tests, size_t n);

#if defined(__GNUC__)
__attribute__((noreturn, format(printf, 3, 4)))
#endif
void tap_fail(const char *file, int line, const char *fmt, ...);

/* Prints a diagnostic line ("# ...") into the TAP stream. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
void tap_note(const char *fmt, ...);

#define ASSERT_TRUE(cond)                                                      \
	do {                                                                   \
		if (!(cond))                                                   \
			tap_fail(__FILE__, __LINE__, "ASSERT_TRUE(%s)", #cond); \
	} while (0)

#define ASSERT_EQ(a, b)                                                        \
	do {                                                                   \
		long long tap_a_ = (long long)(a), tap_b_ = (long long)(b);    \
		if (tap_a_ != tap_b_)                                          \
			tap_fail(__FILE__, __LINE__,                           \
			         "ASSERT_EQ(%s, %s): %lld != %lld", #a, #b,    \
			         tap_a_, tap_b_);                              \
	} while (0)

#define ASSERT_STR_EQ(a, b)                                                    \
	do {                                                                   \
		const char *tap_a_ = (a), *tap_b_ = (b);                       \
		if (strcmp(tap_a_, tap_b_) != 0)                               \
			tap_fail(__FILE__, __LINE__,                           \
			         "ASSERT_STR_EQ(%s, %s): \"%s\" != \"%s\"",    \
			         #a, #b, tap_a_, tap_b_);                      \
	} while (0)

#endif /* TAP_H */
