// The workspace schema and its forward migrations (PRAGMA user_version).
#pragma once

#include <string>
#include <vector>

namespace genra::store {

class Db;

// Schema version this build writes. Migration i (0-based) brings user_version i to i+1.
int currentSchemaVersion();
const std::vector<std::string>& schemaMigrations();

// Brings `db` to currentSchemaVersion(), each step in its own transaction.
// Throws genra::Error when the database is newer than this build understands.
void migrate(Db& db);

}  // namespace genra::store
