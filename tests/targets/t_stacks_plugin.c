/* t_stacks_plugin.c - a library that t_stacks dlopens: its frames must resolve too. */
#include <stdlib.h>

void plugin_alloc(void);

__attribute__((noinline)) static void *plugin_inner(void)
{
	void *p = malloc(555); /* MARK_PLUGIN */

	__asm__ volatile("" ::: "memory"); /* a call, not a jump: keep this frame */
	return p;
}

void plugin_alloc(void)
{
	free(plugin_inner());
	__asm__ volatile("" ::: "memory");
}
