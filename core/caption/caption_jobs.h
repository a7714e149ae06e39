// Transitional: the captioner jobs now live one per file (caption_predict.h, caption_eval.h,
// loaded_captioner.h, and the training run in core/train/captioner_training.h). This header keeps
// the old include and names working until core/demo/demo.cpp, which another change is editing,
// includes those; it goes then (core includes core/train only from train, demo and app).
#pragma once

#include "core/caption/caption_eval.h"
#include "core/caption/caption_predict.h"
#include "core/caption/loaded_captioner.h"
#include "core/train/captioner_training.h"

namespace genra::caption {
using train::CaptionTrainJob;
using train::defaultCaptionRecipeJson;
}  // namespace genra::caption
