// fatal.cc — out of memory inside the C++ libraries (GEOS through OGR, PROJ): operator new
// throws std::bad_alloc, which no C frame between it and narvaro can catch, so the process
// would end in std::terminate and abort(). A new handler reports instead. The only C++ of
// narvaro: the handler must be installed with std::set_new_handler.
#include "error.h"

#include <new>

static void (*nv_report)(const char *what);

static void on_new_failure()
{
    if (nv_report)
        nv_report("a C++ library could not allocate memory (std::bad_alloc)");
    throw std::bad_alloc(); // no reporter: what operator new would have done
}

extern "C" void nv_fatal_install_new_handler(void (*report)(const char *what))
{
    nv_report = report;
    std::set_new_handler(report ? on_new_failure : nullptr);
}
