namespace FedFace.Learning.Backbones;

public enum Activation { None, ReLU, ReLU6, PReLU }

/// <summary>One step of a backbone's inference graph once BatchNorm is folded away where it can be.</summary>
public abstract record InferenceStep;

/// <summary>
/// Convolution <see cref="Convolution"/> (its weight, and bias if it has one) followed by BatchNorm <see cref="BatchNorm"/>
/// (folded into it) and an activation; square kernels, the kernel size comes from the weight's shape. A PReLU takes
/// its per-channel slopes from <see cref="PReLUSlopes"/>.
/// </summary>
public sealed record ConvolutionStep(string Convolution, string BatchNorm, long Stride, long Padding, long Groups, Activation Activation,
    string? PReLUSlopes = null) : InferenceStep;

/// <summary>
/// A BatchNorm with no convolution right before it to fold into (IResNet's pre-activation BatchNorm: folding it into
/// the convolution after would be wrong at the zero-padded border).
/// </summary>
public sealed record BatchNormStep(string BatchNorm) : InferenceStep;

/// <summary>output = shortcut(input) + body(input); no <see cref="Shortcut"/> steps means the input itself.</summary>
public sealed record ResidualStep(string Name, IReadOnlyList<InferenceStep> Body, IReadOnlyList<ConvolutionStep> Shortcut) : InferenceStep;

/// <summary>Flatten to N x features, then the fully connected layer <see cref="Linear"/> with BatchNorm1d <see cref="BatchNorm"/> folded in.</summary>
public sealed record FlattenLinearStep(string Linear, string BatchNorm) : InferenceStep;

/// <summary>Flatten to N x features.</summary>
public sealed record FlattenStep : InferenceStep;

public static class InferenceSteps
{
    /// <summary>Every convolution of <paramref name="steps"/> in graph order, those inside residual bodies and shortcuts included.</summary>
    public static IEnumerable<ConvolutionStep> Convolutions(IEnumerable<InferenceStep> steps) => steps.SelectMany(step => step switch
    {
        ConvolutionStep c => [c],
        ResidualStep r => Convolutions(r.Body).Concat(r.Shortcut),
        _ => [],
    });
}
