"""Checkpoint fixtures for weights_test.cpp, written by the real PyTorch (Debian's python3-torch).

    make_weights.py torchsave <dir>    torch.save variants + expected.safetensors
    make_weights.py torchscript <dir>  a scripted OpenAI-style module + expected.safetensors
    make_weights.py check <file>       reads a safetensors file and prints a JSON summary

safetensors is read and written here by hand, following the spec, because the `safetensors`
package is not installed; that also makes this script a second, independent implementation.
"""
import collections
import json
import os
import struct
import sys

import torch
from torch import nn

DTYPES = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
    torch.uint8: "U8", torch.bool: "BOOL",
}
BY_NAME = {v: k for k, v in DTYPES.items()}


def write_safetensors(path, tensors, metadata=None):
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        raw = t.reshape(-1).view(torch.uint8).numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    buf = data[8 + n:]
    metadata = header.pop("__metadata__", {})
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        dtype = BY_NAME[info["dtype"]]
        raw = bytearray(buf[b:e])
        t = torch.frombuffer(raw, dtype=torch.uint8) if raw else torch.empty(0, dtype=torch.uint8)
        out[name] = t.view(dtype).reshape(info["shape"])
    return out, metadata


class Visual(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, kernel_size=4, stride=4, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(8))
        self.ln_pre = nn.LayerNorm(8)
        # A persistent buffer, to show buffers are read as well as parameters.
        self.register_buffer("attn_mask", torch.triu(torch.ones(3, 3), 1))

    def forward(self, x):
        y = self.conv1(x).flatten(2).transpose(1, 2)
        return self.ln_pre(y + self.class_embedding)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(8, 2)
        self.ln_1 = nn.LayerNorm(8)

    def forward(self, x):
        y = self.ln_1(x)
        return x + self.attn(y, y, y, need_weights=False)[0]


class Transformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.resblocks = nn.Sequential(Block(), Block())

    def forward(self, x):
        return self.resblocks(x)


class Tiny(nn.Module):
    """OpenAI CLIP-style names: visual.*, transformer.resblocks.N.*, positional_embedding, ..."""

    def __init__(self, with_extras=False):
        super().__init__()
        self.visual = Visual()
        self.transformer = Transformer()
        self.token_embedding = nn.Embedding(10, 8)
        self.positional_embedding = nn.Parameter(torch.randn(7, 8))
        self.text_projection = nn.Parameter(torch.randn(8, 4))
        self.logit_scale = nn.Parameter(torch.ones([]) * 2.6592)
        if with_extras:
            # OpenAI's TorchScript archives carry these scalars beside the weights.
            self.register_buffer("input_resolution", torch.tensor(16))
            self.register_buffer("context_length", torch.tensor(7))
            self.register_buffer("vocab_size", torch.tensor(10))
        with torch.no_grad():
            for p in self.parameters():
                p.normal_()  # zero biases would make value comparisons blind

    def forward(self, image, tokens):
        x = self.visual(image)
        t = self.token_embedding(tokens) + self.positional_embedding[: tokens.shape[1]]
        t = self.transformer(t.permute(1, 0, 2)).permute(1, 0, 2)
        return x.mean(1), (t.mean(1) @ self.text_projection) * self.logit_scale.exp()


def torchsave(out):
    torch.manual_seed(1)
    sd = Tiny().state_dict()  # an OrderedDict with a _metadata attribute, as real checkpoints are
    write_safetensors(os.path.join(out, "expected.safetensors"), sd)
    torch.save(sd, os.path.join(out, "plain.pt"))
    torch.save({"epoch": 3, "name": "tiny", "state_dict": sd, "optimizer": {"lr": 0.1}},
               os.path.join(out, "wrapped.pt"))
    torch.save(collections.OrderedDict(("module." + k, v) for k, v in sd.items()),
               os.path.join(out, "module.bin"))
    torch.save({k: v.half() if v.is_floating_point() else v for k, v in sd.items()},
               os.path.join(out, "fp16.pt"))
    torch.save({k: v.bfloat16() if v.is_floating_point() else v for k, v in sd.items()},
               os.path.join(out, "bf16.pt"))
    torch.save(sd, os.path.join(out, "legacy.pt"), _use_new_zipfile_serialization=False)
    torch.save({"a": torch.ones(2), "b": 5}, os.path.join(out, "mixed.pt"))
    torch.save(Tiny(), os.path.join(out, "whole_model.pt"))


def torchscript(out):
    torch.manual_seed(2)
    m = torch.jit.script(Tiny(with_extras=True).eval())
    m.save(os.path.join(out, "openai.pt"))
    extras = {"input_resolution", "context_length", "vocab_size"}
    sd = {k: v for k, v in m.state_dict().items() if k not in extras}
    write_safetensors(os.path.join(out, "expected.safetensors"), sd)
    m.half().save(os.path.join(out, "openai_fp16.pt"))


def check(path):
    tensors, metadata = read_safetensors(path)
    summary = {
        name: {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "sum": float(t.double().sum())}
        for name, t in tensors.items()
    }
    print(json.dumps({"tensors": summary, "metadata": metadata}))


if __name__ == "__main__":
    mode, target = sys.argv[1], sys.argv[2]
    {"torchsave": torchsave, "torchscript": torchscript, "check": check}[mode](target)
