#!/usr/bin/python3
"""Writes the fuzz targets' seed corpora into this folder (tests/fuzz/corpus/<target>/).

Small valid files of every format the targets read (made here with the formats' own tools where
they exist: torch.save, numpy.save, gzip), plus a few hostile ones from issue 22 (a pickle whose
dict contains itself through its memo, deeply nested tuples and JSON, sizes declared far beyond
the file, a gzip that inflates past the vocabulary limits). Deterministic: running it again gives
the same bytes (torch.save's zip records carry no time stamps). Keep the total small (< 200 KB).

    /usr/bin/python3 tests/fuzz/corpus/make_corpus.py   (Debian's python3-torch, python3-numpy)
"""
import gzip
import io
import json
import os
import shutil
import struct
import sys
import zipfile
from collections import OrderedDict

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE_RECIPE = os.path.join(HERE, "..", "..", "..", "examples", "genra-recipe.json")


def put(target, name, data):
    folder = os.path.join(HERE, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def deep_json(levels, inner="1"):
    return "[" * levels + inner + "]" * levels


# --- safetensors --------------------------------------------------------------------------------
def safetensors(tensors, metadata=None, pad=True):
    """tensors: name -> (dtype, shape, raw bytes). Offsets are computed in name order."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    data = b""
    for name in sorted(tensors):
        dtype, shape, raw = tensors[name]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


def make_safetensors():
    f32 = lambda values: struct.pack("<%df" % len(values), *values)
    put("safetensors", "small.safetensors",
        safetensors({"w": ("F32", [2, 3], f32([1, 2, 3, 4, 5, 6])), "b": ("F32", [3], f32([0.5, -1, 2]))},
                    {"format": "pt"}))
    put("safetensors", "dtypes.safetensors",
        safetensors({"h": ("F16", [2], b"\x00\x3c\x00\xc0"), "bf": ("BF16", [2], b"\x80\x3f\x00\x40"),
                     "i": ("I64", [1], struct.pack("<q", -7)), "u": ("U8", [3], b"\x01\x02\x03"),
                     "flag": ("BOOL", [2], b"\x01\x00"), "scalar": ("F64", [], struct.pack("<d", 3.5)),
                     "empty": ("F32", [0, 4], b"")}))
    # Hugging Face names (translated by loadWeights), tiny shapes.
    put("safetensors", "hf_names.safetensors",
        safetensors({"text_model.embeddings.token_embedding.weight": ("F32", [4, 2], f32(range(8))),
                     "vision_model.embeddings.patch_embedding.weight": ("F32", [2, 3, 1, 1], f32(range(6))),
                     "logit_scale": ("F32", [], f32([2.6592]))}))
    # Hostile: a shape declaring 2^40 elements over 4 bytes of data.
    put("safetensors", "huge_shape.safetensors", safetensors({"w": ("F32", [1 << 20, 1 << 20], f32([1]))}))
    # Hostile (issue 22, 5): an architecture of width 2048 and 8 blocks declared by empty tensors.
    big = {"visual.conv1.weight": ("F32", [2048, 3, 32, 0], b""),
           "visual.positional_embedding": ("F32", [50, 0], b""),
           "visual.class_embedding": ("F32", [0], b""),
           "visual.proj": ("F32", [2048, 0], b""),
           "token_embedding.weight": ("F32", [49408, 0], b""),
           "positional_embedding": ("F32", [77, 0], b""),
           "text_projection": ("F32", [2048, 0], b""),
           "ln_final.weight": ("F32", [0], b""),
           "logit_scale": ("F32", [], f32([2.6592]))}
    for i in range(8):
        big["transformer.resblocks.%d.attn.in_proj_weight" % i] = ("F32", [6144, 0], b"")
        big["visual.transformer.resblocks.%d.attn.in_proj_weight" % i] = ("F32", [6144, 0], b"")
    put("safetensors", "declared_arch.safetensors", safetensors(big))
    # Hostile: header length past the end of the file.
    put("safetensors", "header_past_end.safetensors", struct.pack("<Q", 1 << 40) + b"{}")


# --- torch.save zip and its pickle --------------------------------------------------------------
def write_record(archive, name, body, method):
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # fixed: the same bytes every run
    info.compress_type = method
    archive.writestr(info, body)


def torch_save_bytes(obj):
    import torch
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def with_inflating_storage(data):
    """The zip `data` with its record .../data/0 replaced by 1 MiB of zeros, deflated."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename.endswith("/data/0"):
                write_record(dst, info.filename, b"\0" * (1 << 20), zipfile.ZIP_DEFLATED)
            else:
                write_record(dst, info.filename, src.read(info.filename), zipfile.ZIP_STORED)
    return out.getvalue()


def make_torch():
    import torch
    torch.manual_seed(0)
    samples = {
        "plain_dict.pt": {"w": torch.arange(6, dtype=torch.float32).reshape(2, 3), "b": torch.zeros(3)},
        "state_dict.pt": torch.nn.Linear(3, 2).state_dict(),
        "wrapped.pt": {"state_dict": OrderedDict([("module.w", torch.ones(2, 2, dtype=torch.float16))]),
                       "epoch": 3, "name": "run", "lr": [0.1, 0.01], "flag": True, "none": None},
        "shared_views.pt": (lambda base: {"a": base[1:], "b": base.view(2, 2), "t": base.view(2, 2).t()})(
            torch.arange(4, dtype=torch.int64)),
    }
    for name, obj in samples.items():
        data = torch_save_bytes(obj)
        put("torch_zip", name, data)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            pkl = [n for n in archive.namelist() if n.endswith("/data.pkl")][0]
            put("torch_pickle", name.replace(".pt", ".pkl"), archive.read(pkl))
    # Hostile: a storage record that inflates to 1 MiB where the tensor needs 16 bytes.
    put("torch_zip", "inflating_storage.pt", with_inflating_storage(torch_save_bytes({"w": torch.zeros(4)})))
    # Hostile pickles (issue 22, 1 and 2): a dict holding itself through the memo (19 bytes) and
    # 20,000 nested tuples.
    put("torch_pickle", "self_reference.pkl", b"\x80\x02}q\x00(X\x01\x00\x00\x00ah\x00u.")
    put("torch_pickle", "nested_tuples.pkl", b"\x80\x02)" + b"\x85" * 20000 + b".")
    put("torch_pickle", "nested_lists.pkl", b"\x80\x02" + b"]" * 5000 + b"a" * 4999 + b".")
    # The same self-reference inside a real torch.save zip.
    src = zipfile.ZipFile(io.BytesIO(torch_save_bytes({"w": torch.zeros(1)})))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.endswith("/data.pkl"):
                body = b"\x80\x02}q\x00(X\x01\x00\x00\x00ah\x00u."
            write_record(dst, info.filename, body, zipfile.ZIP_STORED)
    put("torch_zip", "self_reference.pt", out.getvalue())


# --- TorchScript -------------------------------------------------------------------------------
def make_torchscript():
    import torch

    class Clip(torch.nn.Module):
        """What loadTorchScript takes from OpenAI's archives: parameters, buffers, int attributes."""

        def __init__(self):
            super().__init__()
            self.visual = torch.nn.Linear(4, 3)
            self.ln_final = torch.nn.LayerNorm(3)
            self.register_buffer("attn_mask", torch.triu(torch.ones(2, 2), 1))
            self.input_resolution = 8
            self.context_length = 2

        def forward(self, x):
            return self.ln_final(self.visual(x)) + self.attn_mask.sum()

    torch.manual_seed(0)
    modules = {
        "linear.pt": torch.jit.script(torch.nn.Linear(3, 2)),
        "clip_like.pt": torch.jit.script(Clip()),
        "traced_half.pt": torch.jit.trace(torch.nn.Sequential(torch.nn.Linear(2, 2)), torch.zeros(1, 2)).half(),
    }
    for name, module in modules.items():
        buffer = io.BytesIO()
        torch.jit.save(module, buffer)
        # Rewritten without the debug records (they name this script's path) and with fixed dates.
        src = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as dst:
            for info in src.infolist():
                if not info.filename.endswith(".debug_pkl"):
                    write_record(dst, info.filename, src.read(info.filename), zipfile.ZIP_STORED)
        put("torchscript", name, out.getvalue())
        if name == "linear.pt":
            # Hostile: the weight's storage record inflates to 1 MiB where 24 bytes belong.
            put("torchscript", "inflating_storage.pt", with_inflating_storage(out.getvalue()))


# --- .npy ---------------------------------------------------------------------------------------
def make_npy():
    import numpy as np
    arrays = {
        "f32_2x3.npy": np.arange(6, dtype="<f4").reshape(2, 3),
        "f64_big_endian.npy": np.arange(4, dtype=">f8"),
        "i64.npy": np.array([-1, 0, 1 << 40], dtype="<i8"),
        "u8_fortran.npy": np.asfortranarray(np.arange(6, dtype="u1").reshape(2, 3)),
        "bool.npy": np.array([True, False, True]),
        "f16_scalar.npy": np.array(1.5, dtype="<f2"),
        "empty.npy": np.zeros((0, 3), dtype="<f4"),
        "i16_3d.npy": np.arange(8, dtype="<i2").reshape(2, 2, 2),
    }
    for name, array in arrays.items():
        buffer = io.BytesIO()
        np.save(buffer, array)
        put("npy", name, buffer.getvalue())
    # Hostile: 2^40 x 2^40 elements declared over 16 bytes of data.
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }"
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    put("npy", "huge_shape.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + b"\0" * 16)


# --- importers ----------------------------------------------------------------------------------
def make_importers():
    coco = {"info": {"description": "fuzz seed", "year": 2014},
            "images": [{"id": 1, "file_name": "a.png", "width": 4, "height": 4},
                       {"id": "2", "file_name": "sub/b.jpg"}],
            "annotations": [{"id": 10, "image_id": 1, "caption": "A red circle."},
                            {"id": 11, "image_id": 1, "caption": " two squares "},
                            {"id": 12, "image_id": 2, "caption": "caf\u00e9 \u2603"},
                            {"id": 13, "image_id": 99, "caption": "unknown image"}]}
    put("coco_import", "captions.json", json.dumps(coco, indent=1, ensure_ascii=False))
    put("coco_import", "outside_root.json", json.dumps(
        {"images": [{"id": 1, "file_name": "../../etc/passwd"}, {"id": 2, "file_name": "/etc/hostname"}],
         "annotations": [{"id": 1, "image_id": 1, "caption": "x"}]}))
    put("coco_import", "deep_info.json",
        '{"info": ' + deep_json(3000) + ', "images": [], "annotations": []}')

    karpathy = {"dataset": "shapes",
                "attribute_values": {"colour": ["red", "blue"]},
                "images": [{"split": "train", "filename": "a.png", "filepath": "train", "imgid": 0,
                            "sentences": [{"raw": "a red circle", "sentid": 0}, {"raw": "a circle"}],
                            "attributes": {"colour": "red", "count": 1}},
                           {"split": "test", "filename": "b.png", "cocoid": 42,
                            "sentences": [{"raw": "two blue squares", "sentid": 1}]},
                           {"split": "val", "filename": "a.png", "filepath": "train", "sentences": []}]}
    put("karpathy_import", "dataset_shapes.json", json.dumps(karpathy, indent=1))
    put("karpathy_import", "deep_attributes.json", json.dumps(
        {"images": [{"split": "train", "filename": "a.png", "sentences": [{"raw": "x"}],
                     "attributes": {"a": "PLACEHOLDER"}}]}).replace('"PLACEHOLDER"', deep_json(3000)))

    put("csv_import", "captions.csv",
        "image,caption,split\n"
        "a.png,A red circle,train\n"
        "a.png,\"a circle, red\",train\n"
        "sub/b.jpg,\"two \"\"blue\"\" squares\",val\n"
        "c.png,caf\u00e9,test\n")
    put("csv_import", "two_columns.csv", "filepath,text\r\nx.png,hello\r\ny.png,\r\n")
    with open(os.path.join(HERE, "csv_import", "hostile.csv"), "wb") as f:
        f.write(b"path,caption\n../../etc/passwd,escape\n/etc/hostname,absolute\n"
                b"bad.png,\xff\xfe not utf-8\nok.png,\"unterminated\n")


# --- recipes ------------------------------------------------------------------------------------
def make_recipes():
    with open(EXAMPLE_RECIPE, "rb") as f:
        put("recipe", "genra-recipe.json", f.read())
    put("recipe", "baseline.json", json.dumps(
        {"method": "baseline", "base_model": "tiny", "dataset": "d", "epochs": 2, "batch_size": 8}))
    put("recipe", "captioner.json", json.dumps(
        {"clip_model": "m", "dataset": "d", "train_on": "real", "mapper": "transformer", "prefix_length": 4,
         "clip_length": 4, "mapper_layers": 1, "mapper_heads": 1, "decoder": "builtin", "decoder_width": 16,
         "decoder_layers": 1, "decoder_heads": 2, "decoder_positions": 32, "steps": 10}))
    put("recipe", "generator.json", json.dumps(
        {"schedule": "cosine", "steps": 100, "batch_size": 4, "lr": 0.0002}))
    put("recipe", "deep_method.json", '{"method": ' + deep_json(3000, '"genra"') + "}")
    put("recipe", "wrong_types.json", '{"steps": "ten", "lr": -1, "batch_size": 1e300, "unknown_key": {}}')


# --- BPE vocabulary -----------------------------------------------------------------------------
def make_vocab():
    merges = "#version: 0.2\ni n\nt h\na n\nth e</w>\nr e\nc i\nci r\ncir c\ncirc le</w>\nr ed</w>\n"
    put("bpe_vocab", "merges.txt", merges)
    put("bpe_vocab", "merges.txt.gz", gzip.compress(merges.encode(), mtime=0))
    put("bpe_vocab", "odd_lines.txt", "#version: 0.2\ni n\n\nonlyone\nthree parts here\n\xe2\x98\x83 x\n")
    # Hostile (issue 22, 6): 4 MiB of merge lines from a 4 KiB gzip, past the merge-count limit.
    put("bpe_vocab", "gzip_bomb.txt.gz", gzip.compress(b"#version: 0.2\n" + b"a b\n" * (1 << 20), mtime=0))


# --- external generators ------------------------------------------------------------------------
def make_external():
    put("generators_json", "generators.json", json.dumps(
        {"sd": {"command": ["python3", "sd.py", "--fp16"], "timeout_s": 300, "cwd": "scripts"},
         "echo": {"command": ["/bin/echo", "a b"]}, "gui_setting": 3}, indent=1))
    put("generators_json", "bad_fields.json", '{"x": {"command": "not a list"}, "y": {"command": [], "timeout_s": -1}}')
    put("generators_json", "deep.json", '{"x": {"command": ["a"], "extra": ' + deep_json(3000) + "}}")
    put("generators_json", "command_line.txt", "python3 'my script.py' --prompt \"a \\\"quoted\\\" word\" \\\n")

    put("external_reply", "ok.json", '{"caption_id": 7, "paths": ["a.png"]}')
    put("external_reply", "absolute_ok.json", '{"caption_id": 7, "paths": ["./a.png"], "extra": [1, 2]}')
    put("external_reply", "error.json", '{"caption_id": 7, "error": "CUDA out of memory"}')
    put("external_reply", "outside.json", '{"caption_id": 7, "paths": ["../../../etc/passwd"]}')
    put("external_reply", "other_caption.json", '{"caption_id": 8, "paths": ["a.png"]}')
    put("external_reply", "blank_then_reply.txt", '\n  \n{"caption_id": 7, "paths": ["missing.png"]}')
    put("external_reply", "deep_error.json", '{"caption_id": 7, "error": ' + deep_json(3000) + "}")


def main():
    # TorchScript writes a module's constants in set order, which follows str hashing: fixed here.
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, PYTHONHASHSEED="0"))
    for entry in os.listdir(HERE):
        if os.path.isdir(os.path.join(HERE, entry)):
            shutil.rmtree(os.path.join(HERE, entry))
    make_safetensors()
    make_torch()
    make_torchscript()
    make_npy()
    make_importers()
    make_recipes()
    make_vocab()
    make_external()
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(HERE) for f in fs
                if d != HERE)
    print("fuzz corpus: %d bytes" % total)


if __name__ == "__main__":
    main()
