// t_func_cxx.cc - a C++ program built with -finstrument-functions, for tests/functions.bats:
// demangled names, and an exception thrown through two frames.
#include <cstdio>
#include <stdexcept>

#define NOINLINE __attribute__((noinline))

static volatile int sink;

namespace geo
{
template <typename T> struct Box {
	T v;
	NOINLINE T area() const
	{
		return v * v;
	}
};
} // namespace geo

NOINLINE static void thrower()
{
	throw std::runtime_error("deep");
}

NOINLINE static void middle()
{
	thrower();
	sink++;
}

NOINLINE static void after_catch()
{
	sink++;
}

NOINLINE static void catcher()
{
	try {
		middle();
	} catch (const std::exception &) {
		after_catch();
	}
}

int main()
{
	geo::Box<int> b{ 3 };

	sink += b.area();
	catcher();
	std::printf("done %d\n", sink);
	return 0;
}
