/* mutants.c - the names of the runtime's mutants. */
#include "mutants.h"

#include <string.h>

#define CFR_MUTANT_ROW(id, name, rules, finding, alone)                        \
	{name, rules, finding, alone},
static const struct {
	const char *name, *rules, *finding, *alone;
} mutants[] = {{NULL, NULL, NULL, NULL}, CFR_MUTANT_LIST(CFR_MUTANT_ROW)};
#undef CFR_MUTANT_ROW

const char *cfr_mutant_name(uint32_t m)
{
	return m < CFR_MUTANT_COUNT ? mutants[m].name : NULL;
}

const char *cfr_mutant_rules(uint32_t m)
{
	return m < CFR_MUTANT_COUNT ? mutants[m].rules : NULL;
}

const char *cfr_mutant_finding(uint32_t m)
{
	return m < CFR_MUTANT_COUNT ? mutants[m].finding : NULL;
}

const char *cfr_mutant_finding_alone(uint32_t m)
{
	return m < CFR_MUTANT_COUNT ? mutants[m].alone : NULL;
}

uint32_t cfr_mutant_from_name(const char *name)
{
	for (uint32_t m = 1; name && m < CFR_MUTANT_COUNT; m++)
		if (strcmp(mutants[m].name, name) == 0)
			return m;
	return CFR_MUTANT_NONE;
}

bool cfr_mutants_built(void)
{
	return CFR_WITH_MUTANTS != 0;
}
