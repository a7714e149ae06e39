// The artifacts table: files a job wrote for people to read (reports, tables, figures), by path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace genra::store {

class Workspace;

struct ArtifactRecord {
    std::int64_t id = 0;
    std::string kind;  // figure | table | report | checkpoint | ...
    std::string path;
    std::optional<std::int64_t> runId;
    std::string description;
    std::string createdAt;
};

// Records a file, replacing an earlier record of the same path; returns its id.
std::int64_t recordArtifact(Workspace& ws, const std::string& kind, const std::string& path,
                            const std::string& description, std::optional<std::int64_t> runId = std::nullopt);
struct NewArtifact {
    std::string kind;
    std::string path;
    std::string description;
};
// Records several files in one transaction, each as recordArtifact does.
void recordArtifacts(Workspace& ws, const std::vector<NewArtifact>& artifacts);
// Every artifact, in id order.
std::vector<ArtifactRecord> listArtifacts(Workspace& ws);

}  // namespace genra::store
