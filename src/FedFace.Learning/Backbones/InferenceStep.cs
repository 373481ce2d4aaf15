namespace FedFace.Learning.Backbones;

public enum Activation { None, ReLU, ReLU6 }

/// <summary>One step of a backbone's inference graph once BatchNorm is folded away.</summary>
public abstract record InferenceStep;

/// <summary>
/// Convolution <see cref="Convolution"/> (its weight, and bias if it has one) followed by BatchNorm <see cref="BatchNorm"/>
/// and an activation; square kernels, the kernel size comes from the weight's shape.
/// </summary>
public sealed record ConvolutionStep(string Convolution, string BatchNorm, long Stride, long Padding, long Groups, Activation Activation) : InferenceStep;

/// <summary>output = input + body(input).</summary>
public sealed record ResidualStep(IReadOnlyList<ConvolutionStep> Body) : InferenceStep;
