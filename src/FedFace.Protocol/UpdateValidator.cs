using FedFace.Core;
using FedFace.Protos.V1;

namespace FedFace.Protocol;

/// <summary>Why an update was refused: a code for machines and a sentence for the site's operator.</summary>
public sealed record Rejection(RejectionCode Code, string Reason)
{
    public override string ToString() => $"{Code}: {Reason}";
}

/// <summary>Content checks on a site update against the global model's layout (names and shapes only).</summary>
public static class UpdateValidator
{
    /// <summary>
    /// The largest magnitude any element of an update may have: a bound against overflow, not a judgement of plausibility
    /// (norm bounds, the robust rules and <c>CandidateModelCheck</c> judge that). The round's sum Σ nᵢ·Δᵢ is kept in float32
    /// (max 3.4e38): with nᵢ ≤ <see cref="MaxExampleCountLimit"/> = 1e9 each term is at most 1e21, so no number of sites a
    /// federation could have (below 3e17) overflows it, and squares (a server optimiser's second moment, 1e24) stay inside
    /// float32 too. Honest deltas are far smaller, but not by as much as one might think: the BatchNorm running variance of a
    /// pretrained MobileFaceNet moved by 1.4e6 in one site's round.
    /// </summary>
    public const float MaxElementMagnitude = 1e12f;

    /// <summary>The highest example-count limit a federation may set (see <see cref="MaxElementMagnitude"/>).</summary>
    public const long MaxExampleCountLimit = 1_000_000_000;

    /// <summary>
    /// Checks the declared tensors before any data is read, so a hostile header cannot make us allocate. An example count
    /// above <paramref name="maxExampleCount"/> is refused: it would take the round's weight from every other site.
    /// </summary>
    public static Rejection? CheckDeclaredLayout(IReadOnlyList<TensorSpec> declared, long declaredDataBytes, long exampleCount, long maxExampleCount,
        ModelState layout)
    {
        if (exampleCount <= 0)
        {
            return new Rejection(RejectionCode.BadExampleCount, $"example count must be positive, got {exampleCount}");
        }
        if (exampleCount > maxExampleCount)
        {
            return new Rejection(RejectionCode.BadExampleCount,
                $"the update declares {exampleCount} examples, more than the {maxExampleCount} this federation allows one update");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (TensorSpec spec in declared)
        {
            if (!seen.Add(spec.Name))
            {
                return new Rejection(RejectionCode.Malformed, $"tensor '{spec.Name}' is declared twice");
            }
            if (!layout.TryGet(spec.Name, out NamedTensor expected))
            {
                return new Rejection(RejectionCode.UnknownTensor, $"tensor '{spec.Name}' is not part of the shared model");
            }
            if (spec.DataType != DataType.Float32)
            {
                return new Rejection(RejectionCode.Malformed, $"tensor '{spec.Name}' has data type {spec.DataType}; only float32 is accepted");
            }
            if (!expected.HasShape(spec.Shape))
            {
                return new Rejection(RejectionCode.WrongShape,
                    $"tensor '{spec.Name}' has shape [{string.Join(", ", spec.Shape)}], the model has {expected.ShapeText}");
            }
        }
        NamedTensor? missing = layout.Tensors.FirstOrDefault(t => !seen.Contains(t.Name));
        if (missing is not null)
        {
            return new Rejection(RejectionCode.MissingTensor, $"tensor '{missing.Name}' is missing from the update");
        }
        if (declaredDataBytes != layout.DataBytes)
        {
            return new Rejection(RejectionCode.Malformed,
                $"update declares {declaredDataBytes} data bytes, the model's tensors take {layout.DataBytes}");
        }
        return null;
    }

    /// <summary>The data must hash to what the header declares (an empty declaration is not checked: an older site).</summary>
    public static Rejection? CheckDeclaredHash(ReadOnlySpan<byte> declaredSha256, ModelState delta)
    {
        if (declaredSha256.IsEmpty)
        {
            return null;
        }
        byte[] actual = delta.ComputeSha256();
        return declaredSha256.SequenceEqual(actual) ? null : new Rejection(RejectionCode.Malformed,
            $"the data's SHA-256 {Convert.ToHexStringLower(actual)} differs from the header's {Convert.ToHexStringLower(declaredSha256)}");
    }

    /// <summary>
    /// NaN or ±Inf anywhere would poison the global model for every site, and so would a finite element too large to
    /// weigh and sum (<see cref="MaxElementMagnitude"/>).
    /// </summary>
    public static Rejection? CheckFinite(ModelState delta)
    {
        if (OutOfRangeValue.FirstIn(delta, MaxElementMagnitude) is not { } outside)
        {
            return null;
        }
        return new Rejection(RejectionCode.NonFinite, float.IsFinite(outside.Value)
            ? FormattableString.Invariant($"{outside}, beyond the ±{MaxElementMagnitude:0E+00} any update's element may hold (it would overflow once weighted and summed)")
            : outside.ToString());
    }
}
