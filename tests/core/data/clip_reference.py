"""Reference CLIP for the C++ parity test (tests/core/clip_model_test.cpp).

Builds a small CLIP following OpenAI's architecture (ViT image tower, causal Transformer text
tower, torch.nn.MultiheadAttention in sequence-first layout), fills it with seeded random weights,
runs fixed inputs through it and writes everything the C++ side needs to OUT:

  index.json   {"config": <open_clip-style config>, "tensors": {name: {"dtype", "shape",
                "offset", "bytes"}}}
  tensors.bin  the raw little-endian tensor bytes, concatenated

Tensor names: "state/<OpenAI key>" for the weights, "input/images", "input/tokens",
"output/image_features", "output/text_features", "output/logits_per_image",
"output/logits_per_text".

Usage: clip_reference.py OUT [--activation quick_gelu|gelu] [--weights-dtype float32|float16]
                              [--seed N]
"""
import argparse
import json
import math
import os
from collections import OrderedDict

import torch
from torch import nn


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class Block(nn.Module):
    def __init__(self, width, heads, act):
        super().__init__()
        self.attn = nn.MultiheadAttention(width, heads)
        self.ln_1 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(OrderedDict([
            ("c_fc", nn.Linear(width, width * 4)),
            ("gelu", QuickGELU() if act == "quick_gelu" else nn.GELU()),
            ("c_proj", nn.Linear(width * 4, width)),
        ]))
        self.ln_2 = nn.LayerNorm(width)

    def forward(self, x, mask=None):  # x: [L, N, D]
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, need_weights=False, attn_mask=mask)[0]
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, width, layers, heads, act):
        super().__init__()
        self.resblocks = nn.Sequential(*[Block(width, heads, act) for _ in range(layers)])

    def forward(self, x, mask=None):
        for block in self.resblocks:
            x = block(x, mask)
        return x


def conv_stem(patch, width):
    """The workbench's conv stem: log2(patch) x (3x3 stride-2 conv, GroupNorm, GELU), channels
    doubling up to the width (at least 16); returns (stem, channels out)."""
    convs = patch.bit_length() - 1
    layers, channels = [], 3
    for i in range(convs):
        out = max(16, width >> (convs - 1 - i))
        layers += [nn.Conv2d(channels, out, 3, stride=2, padding=1, bias=False),
                   nn.GroupNorm(math.gcd(8, out), out), nn.GELU()]
        channels = out
    return nn.Sequential(*layers), channels


class Visual(nn.Module):
    def __init__(self, res, patch, width, layers, heads, out_dim, act, stem="patch"):
        super().__init__()
        scale = width ** -0.5
        grid = res // patch
        if stem == "conv":
            self.stem, channels = conv_stem(patch, width)
            self.conv1 = nn.Conv2d(channels, width, kernel_size=1, bias=False)
        else:
            self.stem = None
            self.conv1 = nn.Conv2d(3, width, kernel_size=patch, stride=patch, bias=False)
        self.class_embedding = nn.Parameter(scale * torch.randn(width))
        self.positional_embedding = nn.Parameter(scale * torch.randn(grid * grid + 1, width))
        self.ln_pre = nn.LayerNorm(width)
        self.transformer = Transformer(width, layers, heads, act)
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(scale * torch.randn(width, out_dim))

    def forward(self, x):
        if self.stem is not None:
            x = self.stem(x)
        x = self.conv1(x)
        x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)
        cls = self.class_embedding + torch.zeros(x.shape[0], 1, x.shape[-1], dtype=x.dtype)
        x = torch.cat([cls, x], dim=1) + self.positional_embedding
        x = self.ln_pre(x).permute(1, 0, 2)
        x = self.transformer(x).permute(1, 0, 2)
        return self.ln_post(x[:, 0, :]) @ self.proj


class Clip(nn.Module):
    def __init__(self, cfg, act):
        super().__init__()
        v, t = cfg["vision_cfg"], cfg["text_cfg"]
        self.visual = Visual(v["image_size"], v["patch_size"], v["width"], v["layers"],
                             v["width"] // 64, cfg["embed_dim"], act, v.get("stem", "patch"))
        self.transformer = Transformer(t["width"], t["layers"], t["width"] // 64, act)
        self.token_embedding = nn.Embedding(t["vocab_size"], t["width"])
        self.positional_embedding = nn.Parameter(torch.empty(t["context_length"], t["width"]))
        self.ln_final = nn.LayerNorm(t["width"])
        self.text_projection = nn.Parameter(torch.empty(t["width"], cfg["embed_dim"]))
        self.logit_scale = nn.Parameter(torch.ones([]) * math.log(1 / 0.07))
        n = t["context_length"]
        self.mask = torch.full((n, n), float("-inf")).triu(1)

    def encode_image(self, images):
        return self.visual(images)

    def encode_text(self, tokens):
        x = self.token_embedding(tokens) + self.positional_embedding
        x = self.transformer(x.permute(1, 0, 2), self.mask).permute(1, 0, 2)
        x = self.ln_final(x)
        return x[torch.arange(x.shape[0]), tokens.argmax(dim=-1)] @ self.text_projection

    def forward(self, images, tokens):
        i = self.encode_image(images)
        t = self.encode_text(tokens)
        i = i / i.norm(dim=-1, keepdim=True)
        t = t / t.norm(dim=-1, keepdim=True)
        logits = self.logit_scale.exp() * i @ t.t()
        return logits, logits.t()


def randomize(model):
    """Every tensor random and away from its neutral value, so parity checks each one."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name == "logit_scale":
                continue
            if name.endswith("weight") and (".ln_" in name or name.startswith("ln_") or
                                            (".stem." in name and p.dim() == 1)):
                p.normal_(1.0, 0.1)
            elif name.endswith("bias"):
                p.normal_(0.0, 0.05)
            elif name == "token_embedding.weight":
                p.normal_(0.0, 0.02)
            elif p.dim() >= 2:
                fan_in = p.shape[1] if name.endswith("weight") else p.shape[0]
                if name.endswith("conv1.weight") or ".stem." in name:
                    fan_in = p[0].numel()
                p.normal_(0.0, fan_in ** -0.5)
            else:
                p.normal_(0.0, 0.1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--activation", default="quick_gelu", choices=["quick_gelu", "gelu"])
    parser.add_argument("--weights-dtype", default="float32", choices=["float32", "float16"])
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--stem", default="patch", choices=["patch", "conv"])
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    cfg = {
        "embed_dim": 96,
        "quick_gelu": args.activation == "quick_gelu",
        "vision_cfg": {"image_size": 32, "layers": 2, "width": 128, "patch_size": 8, "heads": 2},
        "text_cfg": {"context_length": 16, "vocab_size": 500, "width": 128, "heads": 2, "layers": 3},
    }
    if args.stem == "conv":
        cfg["vision_cfg"]["stem"] = "conv"
    model = Clip(cfg, args.activation).eval()
    randomize(model)
    if args.weights_dtype == "float16":
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(p.half().float())

    vocab, context = cfg["text_cfg"]["vocab_size"], cfg["text_cfg"]["context_length"]
    images = torch.randn(2, 3, 32, 32)
    tokens = torch.zeros(3, context, dtype=torch.long)
    for row, length in enumerate([5, context - 2, 1]):
        tokens[row, 0] = vocab - 2
        tokens[row, 1:length + 1] = torch.randint(1, vocab - 2, (length,))
        tokens[row, length + 1] = vocab - 1
    with torch.no_grad():
        image_features = model.encode_image(images)
        text_features = model.encode_text(tokens)
        logits_per_image, logits_per_text = model(images, tokens)

    tensors = OrderedDict()
    for key, value in model.state_dict().items():
        tensors["state/" + key] = value.half() if args.weights_dtype == "float16" else value
    tensors["input/images"] = images
    tensors["input/tokens"] = tokens
    tensors["output/image_features"] = image_features
    tensors["output/text_features"] = text_features
    tensors["output/logits_per_image"] = logits_per_image
    tensors["output/logits_per_text"] = logits_per_text

    os.makedirs(args.out, exist_ok=True)
    index = {"config": cfg, "tensors": {}}
    offset = 0
    with open(os.path.join(args.out, "tensors.bin"), "wb") as f:
        for name, t in tensors.items():
            data = t.detach().contiguous().numpy().tobytes()
            index["tensors"][name] = {"dtype": str(t.dtype).replace("torch.", ""),
                                      "shape": list(t.shape), "offset": offset, "bytes": len(data)}
            f.write(data)
            offset += len(data)
    with open(os.path.join(args.out, "index.json"), "w") as f:
        json.dump(index, f, indent=1)


if __name__ == "__main__":
    main()
