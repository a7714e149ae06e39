// The models table: one row per registered model (CLIP, LoRA, captioner, generator) with its
// weights path, config JSON and provenance. model::registerModel and friends (core/model/
// model_store.h) add the naming rules and parse the config; this is their only SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace genra::store {

class Workspace;

struct ModelRow {
    std::int64_t id = 0;
    std::string name;
    std::string kind;
    std::string path;
    std::string configJson;  // empty when none
    std::optional<std::int64_t> baseModelId;
    std::optional<std::int64_t> runId;
    std::string createdAt;
};

// Inserts a row (its id is ignored) and returns the new id.
std::int64_t insertModel(Workspace& ws, const ModelRow& row);
// Replaces kind, path, config, base model and run of the model with `row.id`, and deletes what was
// computed with its previous weights (its stored embeddings and projections).
void updateModel(Workspace& ws, const ModelRow& row);
// Sets where a model came from.
void setModelOrigin(Workspace& ws, std::int64_t modelId, std::optional<std::int64_t> baseModelId,
                    std::optional<std::int64_t> runId);
std::optional<ModelRow> modelByName(Workspace& ws, const std::string& name);
std::optional<ModelRow> modelById(Workspace& ws, std::int64_t id);
// Every model, in id order.
std::vector<ModelRow> allModels(Workspace& ws);

}  // namespace genra::store
