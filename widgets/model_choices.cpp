#include "widgets/model_choices.h"

#include "core/caption/loaded_captioner.h"
#include "core/model/model_store.h"
#include "core/store/workspace.h"

#include <algorithm>
#include <initializer_list>
#include <string>

namespace genra::widgets {

namespace {
QStringList namesOfKinds(store::Workspace& workspace, std::initializer_list<const char*> kinds) {
    QStringList names;
    for (const auto& m : model::listModels(workspace)) {
        const bool wanted =
            std::any_of(kinds.begin(), kinds.end(), [&m](const char* kind) { return m.kind == kind; });
        if (wanted) names << QString::fromStdString(m.name);
    }
    names.sort();
    return names;
}
}  // namespace

QStringList clipModelNames(store::Workspace& workspace) {
    return namesOfKinds(workspace, {model::kModelKindClip, model::kModelKindLora});
}

QStringList captionerNames(store::Workspace& workspace) {
    return namesOfKinds(workspace, {caption::kModelKindCaptioner});
}

}  // namespace genra::widgets
