using System.Numerics.Tensors;
using FedFace.Core.SecureAggregation;

namespace FedFace.Core.Privacy;

/// <summary>
/// A site's input to a secure distributed-DP round, with its noise added after quantization, in integers: the clipped
/// delta scaled to levels and rounded (stochastically, again until its squared norm is within
/// <see cref="DistributedDiscreteGaussian.NormSquaredBound"/>), then N_ℤ(0, σ²/γ²) on every coordinate from
/// <see cref="DiscreteGaussianSampler"/>; the adaptive-clipping bit likewise with its own variance; then the weight 1.
/// The words are what <see cref="SecAggClient.MaskInput(MaskedInputRequest, uint[])"/> masks.
/// </summary>
/// <remarks>
/// No noised coordinate may exceed L, or the sum of the sampled sites' could wrap 2³². The round's range leaves room for
/// the noise's maximum over all coordinates except with probability below e⁻³² (<see cref="SecureDpQuantization.CoordinateBound"/>);
/// a draw beyond it is drawn again, which conditions the noise on that event and moves its distribution by less than that
/// in total variation.
/// </remarks>
public sealed class DiscreteGaussianEncoder
{
    /// <summary>Each rounding meets the norm bound with probability at least 1 − e^(−½): 100 failures in a row never happen.</summary>
    private const int MaximumRoundings = 100;

    /// <summary>Relative margin on a computed norm for the rounding error of summing a million squares in doubles.</summary>
    private const double NormSlack = 1e-12;

    private readonly RoundConfiguration _configuration;
    private readonly DpSiteInstructions _instructions;

    public DiscreteGaussianEncoder(RoundConfiguration configuration, DpSiteInstructions instructions)
    {
        _configuration = configuration ?? throw new ArgumentNullException(nameof(configuration));
        _instructions = instructions ?? throw new ArgumentNullException(nameof(instructions));
        if (SecureDpQuantization.Problem(configuration, instructions) is string problem) throw new ArgumentException(problem, nameof(configuration));
        Noise = DistributedDiscreteGaussian.For(configuration, instructions);
    }

    public DistributedDiscreteGaussian Noise { get; }

    /// <param name="vector">The clipped delta, flattened, followed by the centred bit when the round asks for it; no noise yet.</param>
    /// <param name="random">Decides rounding and noise: <see cref="CryptoRandomWords"/> outside tests.</param>
    public uint[] Encode(ReadOnlySpan<float> vector, RandomWords random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (vector.Length != _configuration.VectorLength)
            throw new ArgumentException($"the input has {vector.Length} elements; round {_configuration.RoundId} aggregates {_configuration.VectorLength}", nameof(vector));
        if (!TensorPrimitives.IsFiniteAll(vector)) throw new ArgumentException("the input holds NaN or infinity", nameof(vector));

        int d = Noise.ModelLength;
        long[] levels = new long[_configuration.MaskedLength];
        RoundUpdate(vector[..d], levels.AsSpan(0, d), random);
        if (vector.Length > d) levels[d] = RoundStochastically(vector[d] / Noise.Step, random);

        AddNoise(levels.AsSpan(0, d), Noise.UpdateVariance, random);
        AddNoise(levels.AsSpan(d, vector.Length - d), Noise.IndicatorVariance, random);
        levels[^1] = SecureDpQuantization.SiteWeight;

        uint[] words = new uint[levels.Length];
        for (int i = 0; i < words.Length; i++) words[i] = unchecked((uint)(int)levels[i]);
        Array.Clear(levels);
        return words;
    }

    /// <summary>The delta clipped to C, in levels, rounded until its squared norm is within the bound (conditional randomized rounding).</summary>
    private void RoundUpdate(ReadOnlySpan<float> update, Span<long> levels, RandomWords random)
    {
        // In doubles: a float norm is off by ~10⁻⁷, which at c ≈ 10⁸ levels is far more than the bound's slack.
        double squares = 0;
        foreach (float value in update) squares += (double)value * value;
        double norm = Math.Sqrt(squares) * (1 + NormSlack);
        double toLevels = (norm > _instructions.ClipNorm ? _instructions.ClipNorm / norm : 1.0) / Noise.Step;
        for (int attempt = 0; attempt < MaximumRoundings; attempt++)
        {
            UInt128 squaredNorm = 0;
            for (int i = 0; i < update.Length; i++)
            {
                long level = RoundStochastically(update[i] * toLevels, random);
                levels[i] = level;
                squaredNorm += (ulong)(level * level);
            }
            if (squaredNorm <= Noise.NormSquaredBound) return;
        }
        throw new InvalidOperationException($"{MaximumRoundings} roundings in a row exceeded the norm bound: the clip or the bound is wrong");
    }

    /// <summary>Adds N_ℤ(0, variance) to every value, drawing again any that would leave [−L, L]; variance 0 adds nothing.</summary>
    private void AddNoise(Span<long> values, ulong variance, RandomWords random)
    {
        if (variance == 0 || values.IsEmpty) return;
        var sampler = new DiscreteGaussianSampler(variance, random);
        long limit = Noise.Levels;
        for (int i = 0; i < values.Length; i++)
        {
            long noised;
            do noised = values[i] + sampler.Next();
            while (noised > limit || noised < -limit);
            values[i] = noised;
        }
    }

    /// <summary>⌊x⌋ or ⌈x⌉, up with probability x − ⌊x⌋: unbiased. This rounds the data; the noise decides nothing in floating point.</summary>
    private static long RoundStochastically(double x, RandomWords random)
    {
        double floor = Math.Floor(x);
        return (long)floor + (random.NextFraction() < x - floor ? 1 : 0);
    }
}
