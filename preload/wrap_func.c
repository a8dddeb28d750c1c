/*
 * wrap_func.c - function tracing hooks: __cyg_profile_func_enter/exit, which programs built
 * with -finstrument-functions call around each of their functions (glibc's are no-ops, so
 * the preloaded ones are the ones called), and the longjmp family, which leaves functions
 * without their exit hook.  The shadow stack itself is collector/funcs.c.
 *
 * The category is on by default, yet costs nothing to programs that were not built so: the
 * hooks are never called.
 *
 * The hooks run between any two statements of the program, so errno must come out of them as
 * it went in.  They do not save it: collector/funcs.c keeps it (tt_record's slow paths save
 * it, and so does a thread's first hook, which walks the loaded modules through libc).
 */
#include "wrap.h"

#include <dlfcn.h>
#include <setjmp.h>

/*
 * The stack pointer of the hook's caller when it called: the return address sits just
 * above the hook's frame (x86-64: the saved frame pointer, then the return address).
 */
#define TT_CALLER_SP() ((uint64_t)(uintptr_t)__builtin_frame_address(0) + 2 * sizeof(void *))

/* the hooks themselves are never instrumented, whatever flags build the library */
void __cyg_profile_func_enter(void *fn, void *site) __attribute__((no_instrument_function));
void __cyg_profile_func_exit(void *fn, void *site) __attribute__((no_instrument_function));

TT_EXPORT void __cyg_profile_func_enter(void *fn, void *site)
{
	struct tt_thread *t = tt_enter(TT_CAT_FUNC);

	(void)site;
	if (!t)
		return;
	tt_busy_hold(t);
	tt_func_enter(t, TT_U(fn), TT_CALLER_SP(), tt_now());
	tt_unbusy(t);
}

/* Frames entered while tracing was on still end when it is off: their entries may be written. */
TT_EXPORT void __cyg_profile_func_exit(void *fn, void *site)
{
	struct tt_thread *t = tt_self;

	(void)site;
	if (!t || t->busy || !t->fs)
		return;
	tt_busy_hold(t);
	tt_func_exit(t, TT_U(fn), tt_now());
	tt_unbusy(t);
}

/*
 * The stack pointer a jump buffer restores, or 0 if it cannot be read.  glibc keeps it
 * mangled with the thread's pointer guard (sysdeps/unix/sysv/linux/x86_64/sysdep.h
 * PTR_MANGLE: xor with %fs:0x30, then rotate left by 17; __jmpbuf[JB_RSP], JB_RSP = 6 in
 * sysdeps/x86_64/jmpbuf-offsets.h).
 */
static uint64_t jump_target_sp(const struct __jmp_buf_tag *env)
{
#if defined(__x86_64__) && defined(__GLIBC__)
	uint64_t v = (uint64_t)env->__jmpbuf[6], guard;

	__asm__("mov %%fs:0x30, %0" : "=r"(guard));
	return ((v >> 17) | (v << 47)) ^ guard;
#else
	(void)env;
	return 0;
#endif
}

static void before_jump(const struct __jmp_buf_tag *env)
{
	struct tt_thread *t = tt_self;

	if (!t || t->busy || (!t->fs && !t->in_signal))
		return;
	uint64_t target = jump_target_sp(env);

	if (!target)
		return;
	int e = errno;
	/* traced calls end only for a target above the current stack pointer, on this stack */
	uint64_t sp = (uint64_t)(uintptr_t)__builtin_frame_address(0);

	tt_busy_hold(t);
	if (t->in_signal)
		tt_signal_jump(t, target);
	if (t->fs && target > sp && target - sp < (1ull << 30))
		tt_func_longjmp(t, target);
	tt_unbusy(t);
	errno = e;
}

/*
 * clang unwinds an exception without calling the exit hooks of the frames it leaves: when
 * the catch begins, the catching function's code runs at its own stack pointer, and the
 * frames entered below it are gone (ended UNWOUND).  gcc calls the hooks as it unwinds:
 * then nothing is left to end here.  An exception caught in code that is not traced (inside
 * a library) ends nothing: the traced frames are all above it.  An exception thrown out of
 * a signal handler leaves it as a jump does (tt_signal_jump), at the catch's stack pointer.
 */
extern void *__cxa_begin_catch(void *exc);
TT_REAL(__cxa_begin_catch, NULL);

TT_EXPORT void *__cxa_begin_catch(void *exc)
{
	struct tt_thread *t = tt_self;

	if (tt_unlikely(!real___cxa_begin_catch)) {
		tt_resolve_all();
		if (!real___cxa_begin_catch) /* libstdc++ came later, with a dlopen */
			real___cxa_begin_catch = tt_dlsym(RTLD_NEXT, "__cxa_begin_catch");
		if (!real___cxa_begin_catch)
			__builtin_trap();
	}
	if (t && !t->busy && (t->fs || t->in_signal)) {
		int e = errno;

		tt_busy_hold(t);
		if (t->in_signal)
			tt_signal_jump(t, TT_CALLER_SP());
		if (t->fs)
			tt_func_catch(t, TT_CALLER_SP());
		tt_unbusy(t);
		errno = e;
	}
	return real___cxa_begin_catch(exc);
}

/* glibc's jumps, resolved by name: they never return, neither do these */
#define TT_JUMP(name)                                                                              \
	TT_REAL(name, NULL);                                                                       \
	TT_EXPORT __attribute__((noreturn)) void name(struct __jmp_buf_tag env[1], int val)        \
	{                                                                                          \
		if (tt_unlikely(!real_##name))                                                     \
			tt_resolve_all();                                                          \
		if (tt_unlikely(!real_##name))                                                     \
			__builtin_trap();                                                          \
		before_jump(env);                                                                  \
		real_##name(env, val);                                                             \
		__builtin_unreachable();                                                           \
	}

extern void __longjmp_chk(struct __jmp_buf_tag env[1], int val) __attribute__((noreturn));

TT_JUMP(longjmp)
TT_JUMP(_longjmp)
TT_JUMP(siglongjmp)
TT_JUMP(__longjmp_chk)
