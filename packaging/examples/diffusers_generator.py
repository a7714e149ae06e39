#!/usr/bin/env python3
"""An external generator for GenRA Workbench: Stable Diffusion through Hugging Face diffusers.

The workbench starts this script once and talks JSON lines over stdin/stdout (one line per
message). For each request

    {"caption_id": 12, "caption": "a red circle on the left", "seeds": [123, 456],
     "out_dir": "/abs/workspace/images/generated/12", "width": 512, "height": 512,
     "steps": 30, "guidance": 7.5}

it writes one PNG per seed into out_dir and answers

    {"caption_id": 12, "paths": ["/abs/.../seed-123.png", "/abs/.../seed-456.png"]}

(one path per seed, in the order of the seeds), or {"caption_id": 12, "error": "..."} when this
caption cannot be done. Anything else goes to stderr: the workbench quotes its tail when the
script crashes, hangs past the configured timeout or prints something that is not a JSON line.
Captions arrive as JSON strings on stdin and never pass through a shell.

Every image is made with torch.Generator(device).manual_seed(seed), so the workbench can
regenerate any image from the seed it recorded.

Set up (not done by the workbench or its CI):

    python3 -m venv ~/sd && ~/sd/bin/pip install torch diffusers transformers accelerate

Register it in <workspace>/generators.json:

    {"sd15": {"command": ["/home/me/sd/bin/python", "/path/to/diffusers_generator.py",
                          "--model", "runwayml/stable-diffusion-v1-5"],
              "timeout_s": 600}}

and run

    genra generate --workspace W --dataset D --split align --generator external:sd15 \
        --per-caption 5 --steps 30 --guidance 7.5 --width 512 --height 512

Options: --model (a hub id or a local folder), --device (cuda, cpu, mps; default: cuda when
available), --dtype (float16 or float32; default float16 on cuda), --batch (images per pipeline
call, default 4), --negative-prompt TEXT.
"""
import argparse
import json
import os
import sys


def log(message):
    sys.stderr.write("diffusers_generator: %s\n" % message)
    sys.stderr.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="runwayml/stable-diffusion-v1-5")
    parser.add_argument("--device", default=None)
    parser.add_argument("--dtype", choices=["float16", "float32"], default=None)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--negative-prompt", default=None)
    args = parser.parse_args()

    import torch
    from diffusers import StableDiffusionPipeline

    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    dtype = getattr(torch, args.dtype) if args.dtype else (torch.float16 if device == "cuda" else torch.float32)
    log("loading %s on %s (%s)" % (args.model, device, dtype))
    pipe = StableDiffusionPipeline.from_pretrained(args.model, torch_dtype=dtype)
    pipe = pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    log("ready")

    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        caption_id = request["caption_id"]
        try:
            out_dir = request["out_dir"]
            os.makedirs(out_dir, exist_ok=True)
            seeds = [int(s) for s in request["seeds"]]
            paths = []
            for start in range(0, len(seeds), args.batch):
                chunk = seeds[start:start + args.batch]
                generators = [torch.Generator(device=device).manual_seed(s) for s in chunk]
                result = pipe(
                    [request["caption"]] * len(chunk),
                    negative_prompt=[args.negative_prompt] * len(chunk) if args.negative_prompt else None,
                    height=int(request["height"]),
                    width=int(request["width"]),
                    num_inference_steps=int(request["steps"]),
                    guidance_scale=float(request["guidance"]),
                    generator=generators,
                )
                for seed, image in zip(chunk, result.images):
                    path = os.path.join(out_dir, "seed-%d.png" % seed)
                    image.save(path)
                    paths.append(path)
            answer = {"caption_id": caption_id, "paths": paths}
        except Exception as error:  # one bad caption is reported, the script goes on
            log("caption %s failed: %r" % (caption_id, error))
            answer = {"caption_id": caption_id, "error": str(error)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
