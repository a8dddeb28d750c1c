// t_stacks_cxx.cc - allocations from C++ functions: a method of a class template in a
// namespace, whose name the converter must show demangled.
#include <cstdio>
#include <vector>

namespace shapes
{
template <typename T> struct Grid {
	std::vector<T *> cells;
	__attribute__((noinline)) void grow(int n)
	{
		for (int i = 0; i < n; i++)
			cells.push_back(new T[333]); // MARK_CXX
	}
	~Grid()
	{
		for (T *c : cells)
			delete[] c;
	}
};
} // namespace shapes

int main()
{
	shapes::Grid<int> g;
	g.grow(4);
	std::puts("done");
	return 0;
}
