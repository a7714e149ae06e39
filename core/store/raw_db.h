// The SQLite connection behind a Workspace. Only the store's own repositories (core/store/*.cpp),
// and tests and benchmarks that inspect tables, include this header; every other module reads and
// writes through the typed functions of core/store (tests/layering_check.sh enforces it).
#pragma once

#include "core/store/sqlite.h"

namespace genra::store {

class Workspace;

Db& rawDb(Workspace& ws);

}  // namespace genra::store
