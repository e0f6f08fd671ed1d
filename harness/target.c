/* target.c - what a target's table allows: the checks its missing parts
 * switch off, the features it can take, and whether it can be driven. */
#include "target.h"

#include <stdio.h>
#include <string.h>

uint32_t cfh_target_skipped(const struct cfh_target *t)
{
	uint32_t s = 0;
	if (!t->snapshot)
		s |= CFH_CHECK_STATES | CFH_CHECK_LEFT_RUNNING |
		     CFH_CHECK_RECORDS | CFH_CHECK_TIMEOUTS;
	if (!t->counts)
		s |= CFH_CHECK_COUNTS;
	if (!t->caps.notices)
		s |= CFH_CHECK_ORACLE | CFH_CHECK_OUTCOMES | CFH_CHECK_RECORDS |
		     CFH_CHECK_TIMEOUTS | CFH_CHECK_SLOTS;
	if (!t->read_slot)
		s |= CFH_CHECK_SLOTS;
	if (!t->caps.allocator)
		s |= CFH_CHECK_TEARDOWN;
	return s;
}

char *cfh_checks_text(uint32_t mask, char *buf, size_t size)
{
#define CHECK_NAME(name, text) text,
	static const char *const names[] = {CFH_CHECKS(CHECK_NAME)};
#undef CHECK_NAME
	size_t len = 0;
	if (size)
		buf[0] = '\0';
	for (unsigned i = 0; i < CFH_CHECK_COUNT; i++) {
		if (!(mask & (1u << i)) || len >= size)
			continue;
		int n = snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
		                 names[i]);
		if (n > 0)
			len += (size_t)n;
	}
	return buf;
}

/* A feature and the operations it needs. */
static const struct {
	uint32_t feature, ops;
	const char *name;
} feature_ops[] = {
    {CFH_F_DEADLINES, CFH_OP_BIT(CFM_OP_TICK), "deadlines"},
    {CFH_F_RESOURCES,
     CFH_OP_BIT(CFM_OP_RESOURCE_NEW) | CFH_OP_BIT(CFM_OP_RESOURCE_DROP),
     "resources"},
    {CFH_F_BACKPRESSURE, CFH_OP_BIT(CFM_OP_BACKPRESSURE), "backpressure"},
};

uint32_t cfh_target_features(const struct cfh_target *t)
{
	uint32_t f = t->caps.features & CFH_F_ALL;
	for (size_t i = 0; i < sizeof(feature_ops) / sizeof(feature_ops[0]);
	     i++)
		if ((t->caps.ops & feature_ops[i].ops) != feature_ops[i].ops)
			f &= ~feature_ops[i].feature;
	return f;
}

bool cfh_target_check(const struct cfh_target *t, char *err, size_t size)
{
	const char *name = t->name ? t->name : "(unnamed)";
	if (!t->name || !t->create || !t->destroy || !t->apply) {
		snprintf(err, size,
		         "target %s: name, create, destroy and apply are "
		         "required",
		         name);
		return false;
	}
	uint32_t missing = CFH_TARGET_OPS_REQUIRED & ~t->caps.ops;
	if (missing) {
		enum cfm_opcode code = (enum cfm_opcode)__builtin_ctz(missing);
		snprintf(err, size,
		         "target %s: lacks %s, which the drain needs (every "
		         "target has CFH_TARGET_OPS_REQUIRED)",
		         name, cfm_opcode_name(code));
		return false;
	}
	for (size_t i = 0; i < sizeof(feature_ops) / sizeof(feature_ops[0]);
	     i++)
		if ((t->caps.features & feature_ops[i].feature) &&
		    (t->caps.ops & feature_ops[i].ops) != feature_ops[i].ops) {
			snprintf(err, size,
			         "target %s: declares %s without its operations",
			         name, feature_ops[i].name);
			return false;
		}
	return true;
}
