/*
 * lock.c - the writer lock: whoever holds it may drain, and it guards what chunks.c holds
 * (the compressor, its buffers, the string table) and the file.  A futex mutex (0 free,
 * 1 locked, 2 locked with waiters): pthread_mutex_lock is interposed, and may be the
 * program's to break.
 */
#include "tt.h"
#include "sys.h"
#include "drain.h"

static _Atomic uint32_t writer_lock_word;
static _Atomic int writer_owner; /* tid of the holder, 0 none */

void tt_writer_lock(void)
{
	uint32_t c = 0;

	if (!atomic_compare_exchange_strong(&writer_lock_word, &c, 1)) {
		if (c != 2)
			c = atomic_exchange(&writer_lock_word, 2);
		while (c != 0) {
			tt_futex_wait((volatile uint32_t *)&writer_lock_word, 2, NULL);
			c = atomic_exchange(&writer_lock_word, 2);
		}
	}
	atomic_store(&writer_owner, tt_gettid());
}

int tt_writer_trylock(void)
{
	uint32_t c = 0;

	if (!atomic_compare_exchange_strong(&writer_lock_word, &c, 1))
		return 0;
	atomic_store(&writer_owner, tt_gettid());
	return 1;
}

void tt_writer_unlock(void)
{
	atomic_store(&writer_owner, 0);
	if (atomic_exchange(&writer_lock_word, 0) == 2)
		tt_futex_wake((volatile uint32_t *)&writer_lock_word, 1);
}

int tt_writer_held_here(void)
{
	return atomic_load(&writer_owner) == tt_gettid();
}

/* Fork child: the parent's holder is not there. */
void tt_writer_lock_reset(void)
{
	atomic_store(&writer_owner, 0);
	atomic_store(&writer_lock_word, 0);
}
