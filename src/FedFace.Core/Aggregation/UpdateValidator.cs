using System.Numerics.Tensors;
using FedFace.Protos.V1;

namespace FedFace.Core.Aggregation;

/// <summary>Why an update was refused: a code for machines and a sentence for the site's operator.</summary>
public sealed record Rejection(RejectionCode Code, string Reason)
{
    public override string ToString() => $"{Code}: {Reason}";
}

/// <summary>Content checks on a site update against the global model's layout (names and shapes only).</summary>
public static class UpdateValidator
{
    /// <summary>Checks the declared tensors before any data is read, so a hostile header cannot make us allocate.</summary>
    public static Rejection? CheckDeclaredLayout(IReadOnlyList<TensorSpec> declared, long declaredDataBytes, long exampleCount, ModelState layout)
    {
        if (exampleCount <= 0)
        {
            return new Rejection(RejectionCode.BadExampleCount, $"example count must be positive, got {exampleCount}");
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

    /// <summary>NaN or ±Inf anywhere would poison the global model for every site.</summary>
    public static Rejection? CheckFinite(ModelState delta)
    {
        foreach (NamedTensor tensor in delta.Tensors)
        {
            // A sum over the tensor is finite iff no element is NaN/Inf, barring overflow, which also means an absurd update.
            float sum = TensorPrimitives.Sum(tensor.Values);
            if (!float.IsFinite(sum))
            {
                int index = Array.FindIndex(tensor.Values, v => !float.IsFinite(v));
                return index >= 0
                    ? new Rejection(RejectionCode.NonFinite, $"tensor '{tensor.Name}' holds {tensor.Values[index]} at element {index}")
                    : new Rejection(RejectionCode.NonFinite, $"tensor '{tensor.Name}' overflows float32 when summed: its values are out of any sane range");
            }
        }
        return null;
    }
}
