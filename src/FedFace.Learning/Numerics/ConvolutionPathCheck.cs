using static TorchSharp.torch;

namespace FedFace.Learning.Numerics;

/// <summary>How far one layout's float32 results were from the float64 reference: the worst tensor's relative error.</summary>
public sealed record LayoutAgreement(ConvolutionLayout Layout, double WorstRelativeError, string WorstTensor)
{
    public bool Agrees => WorstRelativeError <= ConvolutionPathCheck.Tolerance;

    public override string ToString() => $"{Layout.Name()} off by {WorstRelativeError:G3} in the {WorstTensor}";
}

/// <summary>The layout the backbones compute in, on which CPU, and the evidence for it.</summary>
public sealed record ConvolutionPathDecision(ConvolutionLayout Layout, CpuDescription Cpu, IReadOnlyList<LayoutAgreement> Checked, bool Forced, double CheckSeconds)
{
    public override string ToString() =>
        $"convolutions in the {Layout.Name()} layout{(Forced ? $" (set by {ConvolutionLayoutGuard.LayoutVariable})" : "")} on {Cpu}; checked against float64: {string.Join(", ", Checked)}";
}

/// <summary>No layout computes what the float64 reference computes on this machine: the process must not train or embed.</summary>
public sealed class UnreliableConvolutionsException(string message) : Exception(message);

/// <summary>
/// Proves that libtorch's float32 convolutions compute what a float64 reference computes, before any network uses
/// them. oneDNN's channels-last kernels computed wrong numbers on an AMD EPYC's AVX-512 path (embeddings at cosine
/// 0.96-0.98 of the right ones, BatchNorm statistics off by a quarter) while its contiguous ones were right; float64
/// does not go through oneDNN's float kernels. The check runs <see cref="ConvolutionProbe"/> (forward and backward) once
/// in float64 and in float32 in each candidate layout, fast path first, and picks the first that agrees; one line
/// names the CPU and the path when that is not the fast one; none agreeing is an <see cref="UnreliableConvolutionsException"/>.
/// </summary>
internal sealed class ConvolutionPathCheck
{
    /// <summary>
    /// Largest relative L2 error of any probe tensor. float32 rounding leaves up to about 4e-5 on this probe (worst in the
    /// stem BatchNorm's scale gradient, a sum of 6,272 products a channel); the wrong kernels were off by 0.2-0.3 (embeddings
    /// at cosine 0.96-0.98, a running variance 27% low). 3e-3 sits well over an order of magnitude from both.
    /// </summary>
    public const double Tolerance = 3e-3;

    private readonly Convolution _float32Convolution;
    private readonly CpuDescription _cpu;
    private readonly Action<string> _warn;

    /// <param name="float32Convolution">The convolution under test (libtorch's when null); the reference always uses libtorch's.</param>
    /// <param name="warn">Takes the one line written when the backbones leave the fast path.</param>
    public ConvolutionPathCheck(CpuDescription cpu, Action<string> warn, Convolution? float32Convolution = null)
    {
        _cpu = cpu;
        _warn = warn;
        _float32Convolution = float32Convolution ?? ConvolutionProbe.Convolve;
    }

    /// <summary>The layout to use: <paramref name="forced"/> if given and correct, else the fastest correct one.</summary>
    /// <exception cref="UnreliableConvolutionsException">when no candidate agrees with the reference.</exception>
    public ConvolutionPathDecision Decide(ConvolutionLayout? forced = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        ConvolutionLayout[] candidates = forced is { } layout ? [layout] : [ConvolutionLayout.ChannelsLast, ConvolutionLayout.Contiguous];
        using var probe = new ConvolutionProbe();
        IReadOnlyList<double[]> reference = probe.Run(ScalarType.Float64, ConvolutionLayout.Contiguous, ConvolutionProbe.Convolve);
        var checkedLayouts = new List<LayoutAgreement>();
        foreach (ConvolutionLayout candidate in candidates)
        {
            LayoutAgreement agreement = Compare(candidate, probe.Run(ScalarType.Float32, candidate, _float32Convolution), reference, probe.TensorNames);
            checkedLayouts.Add(agreement);
            if (agreement.Agrees)
            {
                var decision = new ConvolutionPathDecision(candidate, _cpu, checkedLayouts, forced is not null, clock.Elapsed.TotalSeconds);
                if (candidate != ConvolutionLayout.ChannelsLast)
                {
                    _warn(decision.ToString());
                }
                return decision;
            }
        }
        throw new UnreliableConvolutionsException(
            $"libtorch's float32 convolutions disagree with the float64 reference on this CPU ({_cpu}): {string.Join(", ", checkedLayouts)}; refusing to train or embed with them");
    }

    private static LayoutAgreement Compare(ConvolutionLayout layout, IReadOnlyList<double[]> actual, IReadOnlyList<double[]> reference, IReadOnlyList<string> names)
    {
        var worst = new LayoutAgreement(layout, 0, names[0]);
        for (int i = 0; i < reference.Count; i++)
        {
            double error = RelativeError(actual[i], reference[i]);
            // NaN never compares greater: count it as the worst possible disagreement.
            if (double.IsNaN(error) || error > worst.WorstRelativeError)
            {
                worst = new LayoutAgreement(layout, double.IsNaN(error) ? double.PositiveInfinity : error, names[i]);
            }
        }
        return worst;
    }

    /// <summary>‖actual − reference‖ / ‖reference‖.</summary>
    private static double RelativeError(double[] actual, double[] reference)
    {
        double difference = 0, scale = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            difference += (actual[i] - reference[i]) * (actual[i] - reference[i]);
            scale += reference[i] * reference[i];
        }
        return Math.Sqrt(difference / Math.Max(scale, double.Epsilon));
    }
}
