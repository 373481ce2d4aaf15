using System.Security.Cryptography;

namespace FedFace.Core.SecureAggregation;

/// <summary>
/// How a model's tensors line up as the one vector secure aggregation masks: each tensor's values in turn, in the
/// global model's tensor order. Aggregator and sites build it from the same global model, and the sites check its
/// <see cref="Sha256"/> against the round's, so both sides flatten and unflatten identically. A layout may end in
/// extra coordinates after the model's values (a DP round's adaptive-clipping bit), summed like the rest.
/// </summary>
public sealed class ModelVectorLayout
{
    private readonly (string Name, long[] Shape)[] _tensors;

    private ModelVectorLayout((string Name, long[] Shape)[] tensors, int extraCoordinates)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(extraCoordinates);
        _tensors = tensors;
        long length = tensors.Sum(t => NamedTensor.ElementCount(t.Shape)) + extraCoordinates;
        // One masked word per element plus the weight, in one array.
        if (length >= int.MaxValue) throw new ArgumentException($"a model of {length} elements is too large to aggregate securely as one vector");
        Length = (int)length;
        ExtraCoordinates = extraCoordinates;
        Sha256 = SHA256.HashData(Describe(tensors, extraCoordinates));
    }

    /// <param name="extraCoordinates">Scalars after the model's values (0 for a plain delta).</param>
    public static ModelVectorLayout Of(ModelState model, int extraCoordinates = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new ModelVectorLayout([.. model.Tensors.Select(t => (t.Name, (long[])t.Shape.Clone()))], extraCoordinates);
    }

    /// <summary>Elements of the flattened vector: the model's values, then the extra coordinates.</summary>
    public int Length { get; }

    /// <summary>Elements of the model's tensors alone.</summary>
    public int ModelLength => Length - ExtraCoordinates;

    /// <summary>Scalars that follow the model's values.</summary>
    public int ExtraCoordinates { get; }

    /// <summary>SHA-256 over every tensor's name and shape, in order, and the number of extra coordinates.</summary>
    public byte[] Sha256 { get; }

    /// <summary>The delta's tensors, looked up by name, one after another in this layout's order, then <paramref name="extras"/>.</summary>
    /// <exception cref="ArgumentException">a tensor is missing or has another shape, or the extras do not match the layout.</exception>
    public float[] Flatten(ModelState delta, ReadOnlySpan<float> extras = default)
    {
        ArgumentNullException.ThrowIfNull(delta);
        if (extras.Length != ExtraCoordinates)
            throw new ArgumentException($"the layout ends in {ExtraCoordinates} extra coordinates, not {extras.Length}", nameof(extras));
        float[] vector = new float[Length];
        extras.CopyTo(vector.AsSpan(ModelLength));
        int offset = 0;
        foreach ((string name, long[] shape) in _tensors)
        {
            if (!delta.TryGet(name, out NamedTensor tensor) || !tensor.HasShape(shape))
                throw new ArgumentException($"the delta lacks tensor '{name}' with shape [{string.Join(", ", shape)}]", nameof(delta));
            tensor.Values.CopyTo(vector, offset);
            offset += tensor.Values.Length;
        }
        return vector;
    }

    /// <summary>The vector's model part cut back into this layout's tensors.</summary>
    public ModelState Unflatten(ReadOnlySpan<float> vector)
    {
        CheckLength(vector);
        var tensors = new List<NamedTensor>(_tensors.Length);
        int offset = 0;
        foreach ((string name, long[] shape) in _tensors)
        {
            int count = (int)NamedTensor.ElementCount(shape);
            tensors.Add(new NamedTensor(name, (long[])shape.Clone(), vector.Slice(offset, count).ToArray()));
            offset += count;
        }
        return new ModelState(tensors);
    }

    /// <summary>The vector's extra coordinates, after the model's values.</summary>
    public float[] ExtrasOf(ReadOnlySpan<float> vector)
    {
        CheckLength(vector);
        return vector[ModelLength..].ToArray();
    }

    private void CheckLength(ReadOnlySpan<float> vector)
    {
        if (vector.Length != Length) throw new ArgumentException($"the layout holds {Length} elements, not {vector.Length}", nameof(vector));
    }

    /// <summary>
    /// The canonical byte form hashed into <see cref="Sha256"/>: length-prefixed names and shapes, unambiguous; the extra
    /// coordinates' count only when there are any, so a plain layout keeps its hash.
    /// </summary>
    private static byte[] Describe((string Name, long[] Shape)[] tensors, int extraCoordinates)
    {
        WireWriter writer = new WireWriter().Int32(tensors.Length);
        foreach ((string name, long[] shape) in tensors)
        {
            writer.String(name).Int32(shape.Length);
            foreach (long dimension in shape) writer.Int64(dimension);
        }
        if (extraCoordinates > 0) writer.Int32(extraCoordinates);
        return writer.ToArray();
    }
}
