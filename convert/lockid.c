/*
 * lockid.c - naming a lock by what stays the same from one run to the next.
 */
#include <stdio.h>

#include "lockid.h"

const char *tt_lock_object(const struct tt_file *f, uint64_t addr, char *buf, size_t len)
{
	/* every snapshot's modules: a lock in a library's data is there while it is loaded */
	for (size_t i = 0; i < f->stacks.nmods; i++) {
		const struct tt_module *m = &f->stacks.mods[i];

		if (addr >= m->lo && addr < m->hi && m->path && addr >= m->bias) {
			snprintf(buf, len, "%s+0x%llx", tt_basename(m->path),
				 (unsigned long long)(addr - m->bias));
			return buf;
		}
	}
	return NULL;
}

const char *tt_lock_key(struct tt_file *f, uint64_t addr, const char *name, uint32_t stack,
			char *buf, size_t len)
{
	char obj[256];
	const char *s;

	if (name && *name)
		snprintf(buf, len, "name:%s", name);
	else if ((s = tt_lock_object(f, addr, obj, sizeof(obj))))
		snprintf(buf, len, "object:%s", s);
	else if ((s = tt_callstack_top(f, stack)))
		snprintf(buf, len, "site:%s", s);
	else
		snprintf(buf, len, "addr:0x%llx", (unsigned long long)addr);
	return buf;
}
