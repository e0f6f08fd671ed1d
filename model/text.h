/* text.h - appending to a fixed buffer, for the model's printers (internal
 * to model/: print.c and cm.c). */
#ifndef CFM_TEXT_H
#define CFM_TEXT_H

#include <stddef.h>

/* Appends to a fixed buffer, truncating; keeps it NUL-terminated. */
struct cfm_text {
	char *buf;
	size_t size, len;
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void cfm_text_put(struct cfm_text *t, const char *fmt, ...);

#endif /* CFM_TEXT_H */
