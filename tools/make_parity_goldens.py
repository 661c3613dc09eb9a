# Writes test/fixtures/parity/: images, torchvision's preprocessed tensors and a tiny ONNX CNN with torch's embeddings.
"""
Usage: /usr/bin/python3 tools/make_parity_goldens.py [--out test/fixtures/parity]

Needs Debian's python3-torch, python3-torchvision and python3-pil (not a pyenv python). Deterministic: fixed seeds,
fixed JPEG settings; rerunning it rewrites the same files (the ONNX bytes may differ across torch versions).

Images (IMAGES below): JPEG and PNG, several sizes and aspect ratios (up- and downscaled), RGB, greyscale 'L',
'RGBA' and 'LA' with varying alpha over random colours, a palette 'P' PNG with a transparent entry, and a CMYK
JPEG (PIL converts it arithmetically, without colour management).
Each is preprocessed by torchvision's own pipeline as ImageFolder's default loader does it:
Image.open(path).convert('RGB') (alpha is dropped, not composited; grey is replicated; CMYK is inverted naively),
then Resize(resize, interpolation, antialias=True), CenterCrop(crop), ToTensor(), Normalize(ImageNet mean, std),
for each recipe in RECIPES (bilinear and bicubic).

Writes, under --out:
  <name>.jpg|.png                  the images
  tensors_<recipe>.npy             float32 [images, 3 * crop * crop], row i = image i of index.json, C x H x W order
  embeddings_<recipe>.npy          float32 [images, DIM], torch's output of the model on those tensors
  model.onnx, model_<recipe>.json  the tiny random CNN (input "input" [N, 3, crop, crop], output "embedding" [N, DIM],
                                   N dynamic) and one platform model manifest per recipe
  index.json                       { "images": [...], "recipes": { name: recipe } }
"""
import argparse, json, os

import numpy as np
import torch
from PIL import Image
from torch import nn
from torchvision import transforms
from torchvision.transforms import InterpolationMode

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
CROP = 32  # both recipes crop the same, so one model serves both
RECIPES = {
    'bilinear': {'resize': 40, 'crop': CROP, 'interpolation': 'bilinear', 'mean': MEAN, 'std': STD},
    'bicubic': {'resize': 36, 'crop': CROP, 'interpolation': 'bicubic', 'mean': MEAN, 'std': STD},
}
# (file name, PIL mode, width, height)
IMAGES = [
    ('rgb_37x53.jpg', 'RGB', 37, 53),
    ('rgb_160x120.jpg', 'RGB', 160, 120),
    ('rgb_120x90.png', 'RGB', 120, 90),
    ('grey_64x48.jpg', 'L', 64, 48),
    ('cmyk_96x64.jpg', 'CMYK', 96, 64),
    ('grey_53x200.png', 'L', 53, 200),
    ('rgba_90x120.png', 'RGBA', 90, 120),
    ('la_70x70.png', 'LA', 70, 70),
    ('palette_81x45.png', 'P', 81, 45),
]
DIM = 16


def pattern(width, height, channels, seed):
    """Smooth gradients and stripes plus noise: texture that resampling and JPEG both have to get right."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    planes = []
    for c in range(channels):
        phase = rng.uniform(0, 2 * np.pi)
        wave = np.sin(x / rng.uniform(2, 9) + phase) * np.cos(y / rng.uniform(2, 9) - phase)
        ramp = (x / width + y / height) / 2 if c % 2 == 0 else 1 - x / width
        planes.append(255 * (0.45 * ramp + 0.35 * (wave + 1) / 2) + rng.normal(0, 18, (height, width)))
    return np.clip(np.stack(planes, axis=-1), 0, 255).round().astype(np.uint8)


def make_image(mode, width, height, seed):
    if mode == 'P':
        rgb = Image.fromarray(pattern(width, height, 3, seed))
        image = rgb.quantize(colors=32, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        image.info['transparency'] = 0
        return image
    bands = {'RGB': 3, 'L': 1, 'RGBA': 4, 'LA': 2, 'CMYK': 4}[mode]
    data = pattern(width, height, bands, seed)
    return Image.fromarray(data[..., 0] if bands == 1 else data, mode)


def save(image, path):
    if path.endswith('.jpg'):
        image.save(path, quality=90, subsampling='4:2:0', optimize=False)
    elif image.mode == 'P':
        image.save(path, transparency=0, optimize=False)
    else:
        image.save(path, optimize=False)


def pipeline(recipe):
    mode = {'bilinear': InterpolationMode.BILINEAR, 'bicubic': InterpolationMode.BICUBIC}[recipe['interpolation']]
    return transforms.Compose([
        transforms.Resize(recipe['resize'], interpolation=mode, antialias=True),
        transforms.CenterCrop(recipe['crop']),
        transforms.ToTensor(),
        transforms.Normalize(recipe['mean'], recipe['std']),
    ])


def tiny_cnn():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 12, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(12, 24, 3, stride=2, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(24, DIM),
    ).eval()


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument('--out', default=os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'parity'))
    out = parser.parse_args().out
    os.makedirs(out, exist_ok=True)
    for seed, (name, mode, width, height) in enumerate(IMAGES):
        save(make_image(mode, width, height, seed), os.path.join(out, name))
    model = tiny_cnn()
    torch.onnx.export(model, torch.zeros(1, 3, CROP, CROP), os.path.join(out, 'model.onnx'), input_names=['input'],
                      output_names=['embedding'], dynamic_axes={'input': {0: 'N'}, 'embedding': {0: 'N'}}, opset_version=13)
    for key, recipe in RECIPES.items():
        transform = pipeline(recipe)
        # ImageFolder's default loader: open the file, convert('RGB').
        batch = torch.stack([transform(Image.open(os.path.join(out, name)).convert('RGB')) for name, *_ in IMAGES])
        with torch.no_grad():
            embeddings = model(batch)
        np.save(os.path.join(out, f'tensors_{key}.npy'), batch.reshape(len(IMAGES), -1).numpy().astype('<f4'))
        np.save(os.path.join(out, f'embeddings_{key}.npy'), embeddings.numpy().astype('<f4'))
        with open(os.path.join(out, f'model_{key}.json'), 'w') as f:
            json.dump({'name': f'parity-{key}', 'file': 'model.onnx', 'preprocess': recipe}, f, indent=2)
            f.write('\n')
    with open(os.path.join(out, 'index.json'), 'w') as f:
        json.dump({'images': [name for name, *_ in IMAGES], 'recipes': RECIPES}, f, indent=2)
        f.write('\n')


if __name__ == '__main__':
    main()
