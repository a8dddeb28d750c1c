#!/usr/bin/env bats
# Locks: mutexes, rwlocks, condition variables, semaphores, barriers and spinlocks, with exact
# counts per lock object, forced contention (the wait and the holder) and both condition
# variable ABIs.  Every run is under `timeout 60`: a wrapper that deadlocks fails, never hangs.

load helpers

# traced_t CMD...: traced, bounded in time (timeout itself runs without the preload)
traced_t() {
	timeout 60 env TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$@"
}

# val NAME: the value of a NAME=value line of the last run's output
val() {
	sed -n "s/^$1=//p" <<<"$output"
}

# calls NAME ADDR [CONDITION]: events NAME on the object at ADDR (the lock, or the condvar)
calls() {
	count ".name == \"$1\" and (if .args.cond then .args.cond else .args.lock end) == \"$2\" ${3:-}"
}

# failed NAME ADDR ERRNO [CONDITION]: events NAME on ADDR that failed with ERRNO
failed() {
	calls "$1" "$2" "and .args.errno == \"$3\" ${4:-}"
}

run_t_lock() {
	run traced_t "$T/t_lock" 1000
	[ "$status" -eq 0 ]
	[ "$(tail -n 1 <<<"$output")" = ok ]
	to_json
	main=$(val main) helper=$(val helper)
	mu=$(val mu) cm=$(val cm) em=$(val em) rm=$(val rm) rw=$(val rw) cmu=$(val cmu)
	cv=$(val cv) sm=$(val sm) bar=$(val bar) sp=$(val sp)
}

@test "mutexes: exact counts, results and errors per mutex" {
	run_t_lock
	# 1000 uncontended pairs, two trylocks, two timedlocks, on one mutex
	expect_eq "mu lock" 1000 "$(calls pthread_mutex_lock "$mu" 'and .args.result == 0')"
	expect_eq "mu unlock" 1002 "$(calls pthread_mutex_unlock "$mu" 'and .args.result == 0')"
	expect_eq "mu trylock" 2 "$(calls pthread_mutex_trylock "$mu")"
	expect_eq "mu trylock EBUSY" 1 "$(failed pthread_mutex_trylock "$mu" EBUSY)"
	expect_eq "mu timedlock" 2 "$(calls pthread_mutex_timedlock "$mu")"
	expect_eq "mu timedlock ETIMEDOUT" 1 "$(failed pthread_mutex_timedlock "$mu" ETIMEDOUT)"
	# error-checking: relock EDEADLK (the holder is the caller), trylock EBUSY, foreign unlock
	expect_eq "em lock" 2 "$(calls pthread_mutex_lock "$em")"
	expect_eq "em lock EDEADLK" 1 "$(failed pthread_mutex_lock "$em" EDEADLK "and .args.holder == $main")"
	expect_eq "em trylock EBUSY" 1 "$(failed pthread_mutex_trylock "$em" EBUSY)"
	expect_eq "em unlock" 2 "$(calls pthread_mutex_unlock "$em")"
	expect_eq "em unlock EPERM" 1 "$(failed pthread_mutex_unlock "$em" EPERM)"
	# recursive: the owner re-enters, nothing fails
	expect_eq "rm lock" 2 "$(calls pthread_mutex_lock "$rm" 'and .args.result == 0')"
	expect_eq "rm trylock" 1 "$(calls pthread_mutex_trylock "$rm" 'and .args.result == 0')"
	expect_eq "rm unlock" 3 "$(calls pthread_mutex_unlock "$rm" 'and .args.result == 0')"
	# the contended mutex: main 3 locks, helper lock + timedlock + a trylock that found it held
	expect_eq "cm lock" 4 "$(calls pthread_mutex_lock "$cm" 'and .args.result == 0')"
	expect_eq "cm timedlock" 1 "$(calls pthread_mutex_timedlock "$cm" 'and .args.result == 0')"
	expect_eq "cm trylock EBUSY" 1 "$(failed pthread_mutex_trylock "$cm" EBUSY "and .tid == $helper")"
	expect_eq "cm unlock" 5 "$(calls pthread_mutex_unlock "$cm" 'and .args.result == 0')"
	# an event has an errno exactly when its result says failure (the barrier's -1 does not)
	expect_eq "errno iff failed" 0 "$(count '.cat == "lock" and (.args.errno != null) != (.args.result != 0 and (.name != "pthread_barrier_wait" or .args.result != -1))')"
}

@test "rwlocks: exact counts, results and errors" {
	run_t_lock
	expect_eq rdlock 4 "$(calls pthread_rwlock_rdlock "$rw")"
	expect_eq "rdlock EDEADLK (own writer)" 1 "$(failed pthread_rwlock_rdlock "$rw" EDEADLK "and .args.holder == $main")"
	expect_eq wrlock 3 "$(calls pthread_rwlock_wrlock "$rw" 'and .args.result == 0')"
	expect_eq tryrdlock 3 "$(calls pthread_rwlock_tryrdlock "$rw")"
	expect_eq "tryrdlock EBUSY" 1 "$(failed pthread_rwlock_tryrdlock "$rw" EBUSY)"
	expect_eq trywrlock 3 "$(calls pthread_rwlock_trywrlock "$rw")"
	expect_eq "trywrlock EBUSY" 2 "$(failed pthread_rwlock_trywrlock "$rw" EBUSY)"
	expect_eq timedrdlock 2 "$(calls pthread_rwlock_timedrdlock "$rw")"
	expect_eq "timedrdlock EINVAL" 1 "$(failed pthread_rwlock_timedrdlock "$rw" EINVAL)"
	expect_eq timedwrlock 4 "$(calls pthread_rwlock_timedwrlock "$rw")"
	expect_eq "timedwrlock EINVAL" 1 "$(failed pthread_rwlock_timedwrlock "$rw" EINVAL)"
	# behind a reader: no writer to name
	expect_eq "timedwrlock ETIMEDOUT" 1 "$(failed pthread_rwlock_timedwrlock "$rw" ETIMEDOUT 'and .args.holder == 0 and .dur >= 10000')"
	expect_eq unlock 12 "$(calls pthread_rwlock_unlock "$rw" 'and .args.result == 0')"
}

@test "contention: the wait is the duration and the holder is named" {
	run_t_lock
	# the helper blocked at least 50 ms behind the main thread each time
	for ev in pthread_mutex_lock pthread_mutex_timedlock; do
		expect_eq "contended $ev" 1 "$(calls $ev "$cm" "and .tid == $helper and .args.result == 0 and .args.holder == $main and .dur >= 45000")"
	done
	for ev in pthread_rwlock_rdlock pthread_rwlock_timedwrlock; do
		expect_eq "contended $ev" 1 "$(calls $ev "$rw" "and .tid == $helper and .args.result == 0 and .args.holder == $main and .dur >= 45000")"
	done
	expect_eq "contended sem_wait" 1 "$(calls sem_wait "$sm" "and .tid == $helper and .args.result == 0 and .dur >= 45000")"
	# a timedlock on a mutex the caller itself holds waits for the timeout, naming the caller
	expect_eq "self-held timedlock" 1 "$(failed pthread_mutex_timedlock "$mu" ETIMEDOUT "and .args.holder == $main and .dur >= 10000")"
	# uncontended acquisitions: one timestamp, no holder
	expect_eq "uncontended mu locks" 1000 "$(calls pthread_mutex_lock "$mu" 'and .dur == 0 and .args.holder == 0')"
	expect_eq "uncontended main cm locks" 3 "$(calls pthread_mutex_lock "$cm" "and .tid == $main and .dur == 0 and .args.holder == 0")"
	# an unlock that wakes a waiter is timed; one with nobody to wake is a single timestamp
	expect_eq "waking unlocks" 2 "$(calls pthread_mutex_unlock "$cm" "and .tid == $main and .dur > 0")"
	expect_eq "plain cm unlock" 1 "$(calls pthread_mutex_unlock "$cm" "and .tid == $main and .dur == 0")"
	expect_eq "plain mu unlocks" 1001 "$(calls pthread_mutex_unlock "$mu" 'and .dur == 0')"
	expect_eq "spin unlocks" 1003 "$(calls pthread_spin_unlock "$sp" 'and .dur == 0')"
}

@test "condition variables, semaphores, barrier, spinlock: exact counts" {
	run_t_lock
	# condvar waits: as many as the program made (it counts them; a spurious wakeup adds one)
	expect_eq "cond_wait" "$(val helper_condwaits)" "$(calls pthread_cond_wait "$cv" "and .args.lock == \"$cmu\" and .args.result == 0 and .tid == $helper")"
	[ "$(val helper_condwaits)" -ge 1 ]
	expect_eq "cond_timedwait signalled" "$(val helper_timedwaits)" "$(calls pthread_cond_timedwait "$cv" "and .args.result == 0 and .tid == $helper")"
	expect_eq "cond_timedwait ETIMEDOUT" 1 "$(failed pthread_cond_timedwait "$cv" ETIMEDOUT "and .args.lock == \"$cmu\" and .dur >= 10000")"
	expect_eq "cond_timedwait main" "$(val timedwaits)" "$(calls pthread_cond_timedwait "$cv" "and .tid == $main")"
	if [ "$(val clockwaits)" -gt 0 ]; then
		expect_eq "cond_clockwait" "$(val clockwaits)" "$(calls pthread_cond_clockwait "$cv" 'and .args.clock == 1')"
		expect_eq "cond_clockwait ETIMEDOUT" 1 "$(failed pthread_cond_clockwait "$cv" ETIMEDOUT)"
	fi
	expect_eq "cond_signal" 2 "$(calls pthread_cond_signal "$cv" 'and .args.result == 0')"
	expect_eq "cond_broadcast" 2 "$(calls pthread_cond_broadcast "$cv" 'and .args.result == 0')"
	# the helper waits on the first of each, nobody on the second: a single timestamp
	for ev in pthread_cond_signal pthread_cond_broadcast; do
		expect_eq "waking $ev" 1 "$(calls $ev "$cv" "and .tid == $main and .dur > 0")"
		expect_eq "$ev with no waiter" 1 "$(calls $ev "$cv" "and .tid == $main and .dur == 0")"
	done
	# the condvar's mutex: the helper once, the main thread as often as it says
	expect_eq "cmu lock" $(($(val cmu_locks) + 1)) "$(calls pthread_mutex_lock "$cmu" 'and .args.result == 0')"
	expect_eq "cmu unlock" $(($(val cmu_locks) + 1)) "$(calls pthread_mutex_unlock "$cmu" 'and .args.result == 0')"
	# semaphore
	expect_eq "sem_wait" 3 "$(calls sem_wait "$sm" 'and .args.result == 0')"
	expect_eq "sem_post" 5 "$(calls sem_post "$sm" 'and .args.result == 0')"
	expect_eq "sem_trywait" 2 "$(calls sem_trywait "$sm")"
	expect_eq "sem_trywait EAGAIN" 1 "$(failed sem_trywait "$sm" EAGAIN 'and .args.result == -1')"
	expect_eq "sem_timedwait" 3 "$(calls sem_timedwait "$sm")"
	expect_eq "sem_timedwait ETIMEDOUT" 1 "$(failed sem_timedwait "$sm" ETIMEDOUT)"
	expect_eq "sem_timedwait EINVAL" 1 "$(failed sem_timedwait "$sm" EINVAL)"
	# barrier of two: one serial thread (-1, not a failure), one 0
	expect_eq "barrier waits" 2 "$(calls pthread_barrier_wait "$bar" 'and .args.errno == null')"
	expect_eq "barrier results" "-1,0" "$(jqj "[.traceEvents[] | select(.name == \"pthread_barrier_wait\" and .args.lock == \"$bar\") | .args.result] | sort | map(tostring) | join(\",\")")"
	expect_eq "barrier threads" 2 "$(jqj "[.traceEvents[] | select(.name == \"pthread_barrier_wait\") | .tid] | unique | length")"
	# spinlock: 1000 pairs, main and helper once more, two tries
	expect_eq "spin_lock" 1002 "$(calls pthread_spin_lock "$sp" 'and .args.result == 0')"
	expect_eq "spin_unlock" 1003 "$(calls pthread_spin_unlock "$sp" 'and .args.result == 0')"
	expect_eq "spin_trylock" 2 "$(calls pthread_spin_trylock "$sp")"
	expect_eq "spin_trylock EBUSY" 1 "$(failed pthread_spin_trylock "$sp" EBUSY)"
}

@test "exports: condvar wrappers versioned like glibc's, every other wrapper unversioned" {
	run readelf --dyn-syms -W "$LIB"
	[ "$status" -eq 0 ]
	syms=$(awk '$5 == "GLOBAL" && $7 != "UND" { print $8 }' <<<"$output")
	for s in malloc free open read pthread_create pthread_mutex_lock pthread_mutex_unlock \
		pthread_rwlock_rdlock sem_wait sem_post pthread_barrier_wait pthread_spin_lock; do
		grep -qx "$s" <<<"$syms" || { echo "$s is not exported unversioned" >&2; return 1; }
	done
	# the wrappers' own names and the resolver's table bounds stay inside
	expect_eq "internal names exported" "" "$(grep -e tt_lockv_ -e _tt_real_tab <<<"$syms" || true)"
	if [ "$(uname -m)" = x86_64 ]; then
		for f in wait timedwait signal broadcast; do
			grep -qx "pthread_cond_$f@@GLIBC_2.3.2" <<<"$syms"
			grep -qx "pthread_cond_$f@GLIBC_2.2.5" <<<"$syms"
			expect_eq "unversioned pthread_cond_$f" "" "$(grep -x "pthread_cond_$f" <<<"$syms" || true)"
		done
		# a normal build calls the current version
		run readelf --dyn-syms -W "$T/t_lock"
		[[ "$output" == *"pthread_cond_wait@GLIBC_2.3.2"* ]]
	fi
}

@test "a normal binary's condvar calls reach the wrappers, and nothing hangs" {
	run_t_lock
	[ "$(calls pthread_cond_wait "$cv")" -ge 1 ]
	[ "$(calls pthread_cond_signal "$cv")" -ge 1 ]
}

@test "old condvar ABI (pthread_cond_*@GLIBC_2.2.5): traced, and served by the old functions" {
	run traced_t "$T/t_lock_oldcond"
	[ "$status" -eq 0 ]
	[ "$output" != skip ] || skip "no old condition variable ABI on this platform"
	[ "$(tail -n 1 <<<"$output")" = ok ]
	readelf --dyn-syms -W "$T/t_lock_oldcond" | grep -q 'pthread_cond_wait@GLIBC_2\.2\.5'
	to_json
	cv=$(val cv)
	expect_eq "cond_wait" "$(val waits)" "$(calls pthread_cond_wait "$cv" 'and .args.result == 0')"
	expect_eq "cond_timedwait" "$(val timedwaits)" "$(calls pthread_cond_timedwait "$cv")"
	expect_eq "cond_timedwait ETIMEDOUT" 1 "$(failed pthread_cond_timedwait "$cv" ETIMEDOUT)"
	expect_eq "cond_signal" 1 "$(calls pthread_cond_signal "$cv" 'and .args.result == 0')"
	expect_eq "cond_broadcast" 1 "$(calls pthread_cond_broadcast "$cv" 'and .args.result == 0')"
}

@test "lock category off: no lock events, the program behaves the same" {
	run timeout 60 env TRACEIT_EVENTS=memory TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_lock" 100
	[ "$status" -eq 0 ]
	[ "$(tail -n 1 <<<"$output")" = ok ]
	to_json
	expect_eq "lock events" 0 "$(count '.cat == "lock"')"
}

@test "lock calls leave errno as it was, also with a full ring" {
	# t_lock checks errno around its uncontended pairs; a 16 KiB ring makes it wait for room
	run timeout 60 env TRACEIT_BUFFER_KB=16 TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_lock" 20000
	[ "$status" -eq 0 ]
	[ "$(tail -n 1 <<<"$output")" = ok ]
}
