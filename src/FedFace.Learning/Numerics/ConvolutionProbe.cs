using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FedFace.Learning.Numerics;

/// <summary>A 2-d convolution without bias: what the probe calls for every convolution, so a test can replace it.</summary>
internal delegate Tensor Convolution(Tensor input, Tensor weight, long stride, long padding, long groups);

/// <summary>
/// A small network of the layer kinds the backbones use, with the shapes oneDNN chooses its kernels by: MobileFaceNet's
/// stem exactly (3 → 64 channels, 3x3, stride 2, on a 112x112 face; where the faulty kernels were first seen) with
/// IResNet's PReLU, depthwise 3x3 with padding at stride 1 and 2, pointwise expansion and
/// projection with ReLU/ReLU6 (MobileFaceNet), an IResNet basic block with its strided 1x1 shortcut, an inverted
/// residual, a global depthwise convolution (GDConv), and BatchNorm in training mode throughout, on a fixed seeded input.
/// <see cref="Run"/> computes its output and the gradients of a fixed weighting of it with respect to the input and to
/// every weight, at any precision and layout. Its weights come from a private generator, so running it draws nothing
/// from the global torch RNG that seeded code depends on.
/// </summary>
internal sealed class ConvolutionProbe : IDisposable
{
    private const int Batch = 2;
    private const int Side = FedFace.Learning.Backbones.FaceBackbone.InputSize;
    private const ulong Seed = 20;

    private readonly Tensor _faces;
    private readonly Tensor _outputWeighting;
    private readonly Dictionary<string, Tensor> _parameters = [];

    public ConvolutionProbe()
    {
        using var generator = new Generator(Seed);
        _faces = rand([Batch, 3, Side, Side], ScalarType.Float64, generator: generator) * 2 - 1;
        AddConvolution("stem", 3, 64, 3, generator, withPReLU: true);
        AddConvolution("depthwise", 1, 64, 3, generator);
        AddConvolution("pointwise", 64, 32, 1, generator);
        AddConvolution("block.conv1", 32, 32, 3, generator, withPReLU: true, batchNormBefore: true);
        AddConvolution("block.conv2", 32, 64, 3, generator);
        AddConvolution("block.shortcut", 32, 64, 1, generator);
        AddConvolution("expand", 64, 128, 1, generator);
        AddConvolution("expand.depthwise", 1, 128, 3, generator);
        AddConvolution("project", 128, 64, 1, generator);
        AddConvolution("downsample.depthwise", 1, 64, 3, generator);
        _parameters["gdconv.weight"] = Kaiming([64, 1, 7, 7], generator);
        _outputWeighting = randn([Batch, 64], ScalarType.Float64, generator: generator);
    }

    /// <summary>The tensors <see cref="Run"/> returns, in its order: the output, the input's gradient, each weight's.</summary>
    public IReadOnlyList<string> TensorNames => ["output", "input gradient", .. _parameters.Keys.Select(k => $"{k} gradient")];

    /// <summary>
    /// The output and the gradients, as float64 arrays in <see cref="TensorNames"/> order, computed in
    /// <paramref name="precision"/> on faces laid out as <paramref name="layout"/> (the weights contiguous, as the
    /// backbones keep them), every convolution by <paramref name="convolve"/>.
    /// </summary>
    public IReadOnlyList<double[]> Run(ScalarType precision, ConvolutionLayout layout, Convolution convolve)
    {
        using TorchSharp.DisposeScope scope = NewDisposeScope();
        using var grad = enable_grad();
        Tensor faces = Leaf(_faces, precision);
        Dictionary<string, Tensor> w = _parameters.ToDictionary(p => p.Key, p => Leaf(p.Value, precision));
        Tensor Bn(Tensor x, string name) => functional.batch_norm(x, zeros(x.shape[1], precision), ones(x.shape[1], precision),
            w[$"{name}.bn.weight"], w[$"{name}.bn.bias"], training: true);
        Tensor Conv(Tensor x, string name, long stride, long padding, long groups = 1) => Bn(convolve(x, w[$"{name}.weight"], stride, padding, groups), name);

        Tensor x = ConvolutionLayouts.Arrange(faces, layout);
        x = functional.prelu(Conv(x, "stem", 2, 1), w["stem.prelu.weight"]);                    // MobileFaceNet's conv1: 112 → 56
        x = functional.relu6(Conv(x, "depthwise", 2, 1, groups: 64));                           // 56 → 28
        x = functional.relu(Conv(x, "pointwise", 1, 0));
        Tensor body = Bn(x, "block.conv1.before");
        body = functional.prelu(Conv(body, "block.conv1", 1, 1), w["block.conv1.prelu.weight"]);
        body = Conv(body, "block.conv2", 2, 1);                                                   // 28 → 14
        x = body + Conv(x, "block.shortcut", 2, 0);
        Tensor hidden = functional.relu6(Conv(x, "expand", 1, 0));
        hidden = functional.relu6(Conv(hidden, "expand.depthwise", 1, 1, groups: 128));
        x = x + Conv(hidden, "project", 1, 0);
        x = functional.relu6(Conv(x, "downsample.depthwise", 2, 1, groups: 64));                 // 14 → 7
        Tensor output = convolve(x, w["gdconv.weight"], 1, 0, 64).flatten(1);                   // GDConv: 7 → 1
        Tensor loss = (output * _outputWeighting.to(precision)).sum();
        loss.backward();
        return [Values(output), Values(faces.grad!), .. w.Values.Select(p => Values(p.grad!))];
    }

    /// <summary>libtorch's own convolution, whichever kernel it picks for the input's layout and precision.</summary>
    public static Tensor Convolve(Tensor input, Tensor weight, long stride, long padding, long groups) =>
        functional.conv2d(input, weight, strides: [stride, stride], padding: [padding, padding], groups: groups);

    public void Dispose()
    {
        _faces.Dispose();
        _outputWeighting.Dispose();
        foreach (Tensor parameter in _parameters.Values)
        {
            parameter.Dispose();
        }
    }

    /// <summary>A convolution's weight (Kaiming normal, so activations keep their scale), its BatchNorm's γ and β near 1 and 0, and PReLU slopes.</summary>
    private void AddConvolution(string name, long inPerGroup, long outChannels, long kernel, Generator generator, bool withPReLU = false, bool batchNormBefore = false)
    {
        if (batchNormBefore)
        {
            AddBatchNorm($"{name}.before", inPerGroup, generator);
        }
        _parameters[$"{name}.weight"] = Kaiming([outChannels, inPerGroup, kernel, kernel], generator);
        AddBatchNorm(name, outChannels, generator);
        if (withPReLU)
        {
            _parameters[$"{name}.prelu.weight"] = full(outChannels, 0.25, ScalarType.Float64);
        }
    }

    private void AddBatchNorm(string name, long channels, Generator generator)
    {
        _parameters[$"{name}.bn.weight"] = randn(channels, ScalarType.Float64, generator: generator) * 0.1 + 1;
        _parameters[$"{name}.bn.bias"] = randn(channels, ScalarType.Float64, generator: generator) * 0.1;
    }

    private static Tensor Kaiming(long[] shape, Generator generator)
    {
        long fanIn = shape[1] * shape[2] * shape[3];
        return randn(shape, ScalarType.Float64, generator: generator) * Math.Sqrt(2.0 / fanIn);
    }

    /// <summary>A fresh leaf for autograd, in <paramref name="precision"/>: the stored float64 tensors never require grad, so no run sees another's.</summary>
    private static Tensor Leaf(Tensor stored, ScalarType precision) => stored.to(precision).detach().requires_grad_();

    private static double[] Values(Tensor t)
    {
        using Tensor flat = t.detach().to(ScalarType.Float64).contiguous().flatten();
        return flat.data<double>().ToArray();
    }
}
