// t_cxx: C++ allocation: new/delete, new[]/delete[], a std::vector and a std::string, each
// of a size found nowhere else; an exception thrown through it all.  Each block escapes
// through a volatile pointer: an optimiser may otherwise elide a new/delete pair (C++14).
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

struct Block {
	char bytes[4001];
};

static void *volatile sink;

static int thrower(int i)
{
	if (i % 2)
		throw std::runtime_error("odd");
	return i;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? std::atoi(argv[1]) : 10, caught = 0;

	for (int i = 0; i < n; i++) {
		Block *b = new Block;
		char *a = new char[4002];
		std::vector<char> v(4003);
		std::string s(4004, 'x');

		b->bytes[0] = a[0] = v[0] = s[0];
		sink = b;
		sink = a;
		delete b;
		delete[] a;
		try {
			thrower(i);
		} catch (const std::exception &) {
			caught++;
		}
	}
	return caught == n / 2 ? 0 : 1;
}
