# Exports torchvision ImageNet classifiers as CorrEmbed embedding models: ONNX of the penultimate features + manifest.
"""
Usage: python3 tools/export_torchvision.py (--weights NAME [NAME ...] | --preset paper|resnets)
                                           [--out DIR] [--no-weights] [--opset 17]

NAME is a torchvision weights enum member, e.g. ResNet50_Weights.IMAGENET1K_V2 or ResNet50_Weights.DEFAULT (a bare
ResNet50_Weights means DEFAULT). --preset paper: the 17 models of the CorrEmbed paper (docs/metric.md);
--preset resnets: every ImageNet weights of ResNet, ResNeXt and Wide ResNet.

For each, the model's final classification layer is replaced by identity, so the graph's output is the input of
that layer (docs/metric.md: pooled penultimate features, never the logits): ResNet/ResNeXt/Wide ResNet/RegNet/ShuffleNet/
GoogLeNet/Inception `fc`, DenseNet `classifier`, AlexNet/VGG/MobileNet/MNASNet/EfficientNet/ConvNeXt/MaxViT the last
Linear of `classifier` (AlexNet/VGG: fc7 after ReLU), ViT the last Linear of `heads` (class token after the final
LayerNorm), Swin `head`; SqueezeNet, whose classifier is a 1x1 convolution, gives its input globally average pooled.
<out>/<name>.onnx has input "input" [N, 3, crop, crop] and output "embedding" [N, d], N dynamic (models over 2 GB,
e.g. ViT-H/14, keep their weights as external data files next to it); <out>/<name>.json is the platform's model
manifest: preprocess from weights.transforms() (resize, crop, interpolation, mean, std), metadata from weights.meta
(ImageNet-1K acc@1 / acc@5, num_params, GFLOPs where this torchvision has them).

--no-weights builds the architecture with random weights (nothing is downloaded) but still takes transforms and meta
from the weights enum; its name ends in "-untrained" and its family says "untrained (architecture only)".
Needs torch and torchvision (Debian: apt install python3-torchvision); onnxruntime, if installed, checks the ONNX file.
"""
import argparse, inspect, json, os, re, sys

import torch
import torchvision
from torch import nn
from torchvision import models

PAPER = [
    'AlexNet_Weights.IMAGENET1K_V1', 'SqueezeNet1_1_Weights.IMAGENET1K_V1', 'GoogLeNet_Weights.IMAGENET1K_V1',
    'VGG19_BN_Weights.IMAGENET1K_V1', 'MobileNet_V3_Large_Weights.IMAGENET1K_V2',
    'ShuffleNet_V2_X2_0_Weights.IMAGENET1K_V1', 'DenseNet201_Weights.IMAGENET1K_V1', 'MNASNet1_3_Weights.IMAGENET1K_V1',
    # docs/metric.md names Wide-ResNet101_2 at acc@1 81.6, which is torchvision's Wide_ResNet50_2 V2 (101_2 V2: 82.51).
    'Wide_ResNet101_2_Weights.IMAGENET1K_V2', 'ResNet152_Weights.IMAGENET1K_V2', 'ResNeXt101_64X4D_Weights.IMAGENET1K_V1',
    'MaxVit_T_Weights.IMAGENET1K_V1', 'Swin_V2_B_Weights.IMAGENET1K_V1', 'ConvNeXt_Large_Weights.IMAGENET1K_V1',
    'EfficientNet_V2_L_Weights.IMAGENET1K_V1', 'RegNet_Y_32GF_Weights.IMAGENET1K_SWAG_E2E_V1',
    'ViT_H_14_Weights.IMAGENET1K_SWAG_E2E_V1',
]

# Builder name prefix -> (family, attribute holding the final classification layer or a Sequential ending with it).
HEADS = {
    'alexnet': ('AlexNet', 'classifier'), 'convnext': ('ConvNeXt', 'classifier'), 'densenet': ('DenseNet', 'classifier'),
    'efficientnet': ('EfficientNet', 'classifier'), 'googlenet': ('GoogLeNet', 'fc'), 'inception': ('Inception', 'fc'),
    'maxvit': ('MaxViT', 'classifier'), 'mnasnet': ('MNASNet', 'classifier'), 'mobilenet': ('MobileNet', 'classifier'),
    'regnet': ('RegNet', 'fc'), 'resnet': ('ResNet', 'fc'), 'resnext': ('ResNeXt', 'fc'),
    'shufflenet': ('ShuffleNetV2', 'fc'), 'squeezenet': ('SqueezeNet', 'classifier'), 'swin': ('Swin Transformer', 'head'),
    'vgg': ('VGG', 'classifier'), 'vit': ('ViT', 'heads'), 'wide': ('Wide ResNet', 'fc'),
}


def fail(message):
    sys.exit(f'export_torchvision: {message}')


def family_key(builder):
    return re.match('[a-z]+', builder).group()


def classifiers():
    """Builder name per weights enum class, for the ImageNet classifiers this torchvision has."""
    return {models.get_model_weights(b): b for b in models.list_models(module=models) if family_key(b) in HEADS}


def resolve(name, builders):
    """(builder name, weights) for 'Enum.MEMBER' or a bare 'Enum' (its DEFAULT)."""
    enum_name, _, member = name.partition('.')
    enum = next((e for e in builders if e.__name__ == enum_name), None)
    if enum is None:
        fail(f'unknown weights "{name}": torchvision {torchvision.__version__} has no ImageNet classifier weights enum '
             f'"{enum_name}" (e.g. ResNet50_Weights.IMAGENET1K_V2; see torchvision.models.list_models())')
    try:
        return builders[enum], enum[member or 'DEFAULT']
    except KeyError:
        fail(f'unknown weights "{name}": {enum_name} has {", ".join(enum.__members__)}')


def architecture_kwargs(key, weights):
    """What the builder would set from the weights, for building the same architecture with weights=None."""
    if key in ('googlenet', 'inception'):
        return {'transform_input': True, 'aux_logits': False, 'init_weights': False}
    if key == 'vit':
        return {'image_size': weights.meta['min_size'][0]}
    if key == 'maxvit':
        return {'input_size': weights.meta['min_size']}
    return {}


def cut_head(model, key):
    """Makes the model return the input of its final classification layer; returns (dimension, where it was cut)."""
    attr = HEADS[key][1]
    head = getattr(model, attr)
    if key == 'squeezenet':  # classifier = Dropout, Conv2d(512, classes, 1), ReLU, AdaptiveAvgPool2d; then flatten
        model.classifier = nn.AdaptiveAvgPool2d(1)
        return head[1].in_channels, 'input of classifier[1] (1x1 conv), global average pooled'
    if isinstance(head, nn.Sequential):
        layer, where = head[-1], f'{attr}[-1]'
        head[-1] = nn.Identity()
    else:
        layer, where = head, attr
        setattr(model, attr, nn.Identity())
    if not isinstance(layer, nn.Linear):
        fail(f'{model.__class__.__name__}.{where} is a {layer.__class__.__name__}, not the Linear classifier expected')
    return layer.in_features, f'input of {where}'


def side(value, what, name):
    if len(value) != 1:
        fail(f'{name}: transforms {what} {value} is not a single side')
    return int(value[0])


def manifest(name, family, weights):
    t = weights.transforms()
    if t.interpolation.value not in ('bilinear', 'bicubic', 'nearest'):
        fail(f'{name}: interpolation {t.interpolation.value} is not supported by the platform')
    metrics = weights.meta['_metrics']['ImageNet-1K']
    metadata = {'family': family, 'imagenetAcc1': metrics['acc@1'], 'imagenetAcc5': metrics['acc@5'],
                'params': weights.meta['num_params']}
    if 'gflops' in weights.meta.get('_ops', {}):
        metadata['gflops'] = weights.meta['_ops']['gflops']
    preprocess = {'resize': side(t.resize_size, 'resize_size', name), 'crop': side(t.crop_size, 'crop_size', name),
                  'interpolation': t.interpolation.value, 'mean': list(t.mean), 'std': list(t.std)}
    return {'name': name, 'file': f'{name}.onnx', 'preprocess': preprocess, 'output': 'embedding', 'metadata': metadata}


def torchscript_exporter():
    """torch.onnx.export's TorchScript exporter: torch 2.9 made the dynamo one (which needs onnxscript) the default."""
    return {'dynamo': False} if 'dynamo' in inspect.signature(torch.onnx.export).parameters else {}


def check_onnx(path, batch, expected):
    """Runs the ONNX file with onnxruntime, when installed, and compares it with torch."""
    try:
        import onnxruntime
    except ImportError:
        return
    got = onnxruntime.InferenceSession(path, providers=['CPUExecutionProvider']).run(['embedding'], {'input': batch.numpy()})[0]
    if got.shape != tuple(expected.shape) or not torch.allclose(torch.from_numpy(got), expected, rtol=1e-3, atol=1e-3):
        fail(f'{path}: onnxruntime output {got.shape} differs from torch {tuple(expected.shape)}')


def zero(g, tensor):
    """ONNX for aten::zero (Swin V2 zeroes its key bias in forward), which torch 1.13 cannot export."""
    return g.op('ConstantOfShape', g.op('Shape', tensor), value_t=torch.tensor([0.0]))


def export(builder, weights, out, untrained, opset):
    key = family_key(builder)
    family = HEADS[key][0]
    name = f'{builder}-{weights.name.lower()}'
    if untrained:
        name, family = f'{name}-untrained', f'{family}, untrained (architecture only)'
    spec = manifest(name, family, weights)
    build = models.get_model_builder(builder)
    model = build(weights=None, **architecture_kwargs(key, weights)) if untrained else build(weights=weights)
    dim, where = cut_head(model, key)
    model.eval()
    crop = spec['preprocess']['crop']
    batch = torch.rand(2, 3, crop, crop)
    with torch.no_grad():
        expected = model(batch)
    if tuple(expected.shape) != (2, dim):
        fail(f'{name}: the cut model gives {tuple(expected.shape)}, expected (2, {dim})')
    path = os.path.join(out, f'{name}.onnx')
    torch.onnx.export(model, batch, path, input_names=['input'], output_names=['embedding'], opset_version=opset,
                      dynamic_axes={'input': {0: 'batch'}, 'embedding': {0: 'batch'}}, **torchscript_exporter())
    check_onnx(path, batch, expected)
    with open(os.path.join(out, f'{name}.json'), 'w') as f:
        json.dump(spec, f, indent=2)
    p = spec['preprocess']
    print(f'{name}: {dim}-d {where}, {p["resize"]}/{p["crop"]} {p["interpolation"]}, '
          f'acc@1 {spec["metadata"]["imagenetAcc1"]} -> {path}', flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument('--weights', nargs='+', metavar='NAME', help='weights enum members, e.g. ResNet50_Weights.IMAGENET1K_V2')
    which.add_argument('--preset', choices=['paper', 'resnets'], help="paper: the paper's 17 models; resnets: ResNet, ResNeXt, Wide ResNet")
    parser.add_argument('--out', default='models/torchvision', help='output folder (default models/torchvision)')
    parser.add_argument('--no-weights', action='store_true', help='random weights (architecture only); manifest still from the weights enum')
    parser.add_argument('--opset', type=int, default=17, help='ONNX opset (default 17)')
    args = parser.parse_args()

    builders = classifiers()
    if args.preset == 'resnets':
        chosen = [(b, w) for e, b in builders.items() if family_key(b) in ('resnet', 'resnext', 'wide') for w in e]
        chosen.sort(key=lambda bw: (family_key(bw[0]), bw[1].meta['num_params']))
    else:
        chosen = [resolve(name, builders) for name in (PAPER if args.preset == 'paper' else args.weights)]
    os.makedirs(args.out, exist_ok=True)
    torch.onnx.register_custom_op_symbolic('aten::zero', zero, args.opset)
    for builder, weights in chosen:
        export(builder, weights, args.out, args.no_weights, args.opset)


if __name__ == '__main__':
    main()
