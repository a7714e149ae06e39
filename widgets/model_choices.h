// The workspace models a form offers, by kind: CLIP models (plain or LoRA-aligned, the ones an
// image can be embedded with) for embedding, t-SNE and evaluation forms; captioners for caption
// evaluation. Names sorted alphabetically.
#pragma once

#include <QStringList>

namespace genra::store {
class Workspace;
}

namespace genra::widgets {

// Models of kind "clip" or "clip-lora".
QStringList clipModelNames(store::Workspace& workspace);
// Models of kind "captioner".
QStringList captionerNames(store::Workspace& workspace);

}  // namespace genra::widgets
