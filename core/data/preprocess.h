// CLIP image preprocessing, bit-exact with the Python reference (Pillow 9.4 + torchvision):
// Pillow's antialiased bicubic resize (8-bit fixed point and 32-bit float paths), torchvision's
// shorter-side Resize and CenterCrop (with its zero padding), ToTensor and Normalize.
//
// Exactness matters because CLIP embeddings computed here are compared with embeddings from the
// reference Python tooling; a resize that is "close" (OpenCV's INTER_CUBIC: other kernel, no
// antialiasing) moves embeddings measurably.
#pragma once

#include "core/data/image.h"

#include <torch/torch.h>

#include <array>
#include <vector>

namespace genra::data {

// OpenAI CLIP's normalisation. Held as doubles, as the Python lists are; torchvision rounds them
// to float32 before use, and so do we.
inline constexpr std::array<double, 3> kClipMean = {0.48145466, 0.4578275, 0.40821073};
inline constexpr std::array<double, 3> kClipStd = {0.26862954, 0.26130258, 0.27577711};

// Pillow's Image.resize((newWidth, newHeight), Image.BICUBIC) on an 8-bit image (1 or 3
// channels): separable bicubic (a = -0.5) whose support widens by the downscale factor, 22-bit
// fixed-point coefficients, horizontal pass first, intermediate rounded to 8 bits. Byte-exact.
// Throws genra::Error on an empty image or a non-positive size.
Image resizeBicubicAntialias(const Image& image, int newWidth, int newHeight);

// The same filter on float32 planes, as Pillow resizes a mode "F" image: double accumulation,
// float32 intermediate and result. `planes` is [H, W] or [C, H, W] (each channel resized alone);
// any CPU float tensor is accepted (made contiguous float32 first). Returns the same rank.
torch::Tensor resizeBicubicAntialias(const torch::Tensor& planes, int newWidth, int newHeight);

struct Size2 {
    int width = 0;
    int height = 0;
};

// torchvision's Resize(size) with an int: the shorter side becomes `size`, the longer side
// int(size * long / short) (truncated, as Python's int() does).
Size2 shorterSideResizeSize(int width, int height, int size);

// One axis of torchvision's CenterCrop: which source span is kept and where it lands in the crop.
// When the crop is longer than the image the image is zero-padded ((crop - len) // 2 before);
// otherwise the first kept pixel is int(round((len - crop) / 2.0)) with Python's half-to-even
// rounding.
struct CropSpan {
    int sourceStart = 0;  // first source pixel copied
    int targetStart = 0;  // where it lands in the crop (> 0 only when padding)
    int length = 0;       // pixels copied
};
CropSpan centerCropSpan(int imageLength, int cropLength);

// torchvision.transforms.CenterCrop((cropHeight, cropWidth)) on a PIL image: zero padding where
// the image is smaller, then the centred window.
Image centerCrop(const Image& image, int cropWidth, int cropHeight);

// OpenAI CLIP's preprocessing of a PIL image: Resize(size, BICUBIC) on the shorter side,
// CenterCrop(size), convert("RGB"), ToTensor, Normalize(mean, std). Returns [3, size, size]
// float32 on the CPU, equal to the Python result (same float32 operations, same order).
// Grey images are expanded to RGB. Resize and crop are fused: only the kept pixels are computed,
// which gives the same values because every output pixel of Pillow's resize is independent.
torch::Tensor clipPreprocess(const Image& image, int size = 224,
                             const std::array<double, 3>& mean = kClipMean,
                             const std::array<double, 3>& stdDev = kClipStd);

// As clipPreprocess, writing 3 * size * size floats (CHW) to `out`; for loaders that fill a
// preallocated batch.
void clipPreprocessInto(const Image& image, float* out, int size = 224,
                        const std::array<double, 3>& mean = kClipMean,
                        const std::array<double, 3>& stdDev = kClipStd);

// clipPreprocess of every image, stacked to [B, 3, size, size] (B may be 0).
torch::Tensor clipPreprocessBatch(const std::vector<Image>& images, int size = 224,
                                  const std::array<double, 3>& mean = kClipMean,
                                  const std::array<double, 3>& stdDev = kClipStd);

}  // namespace genra::data
