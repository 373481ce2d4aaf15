using System.Security.Cryptography;

namespace FedFace.Core.SecureAggregation;

/// <summary>
/// How a model's tensors line up as the one vector secure aggregation masks: each tensor's values in turn, in the
/// global model's tensor order. Aggregator and sites build it from the same global model, and the sites check its
/// <see cref="Sha256"/> against the round's, so both sides flatten and unflatten identically.
/// </summary>
public sealed class ModelVectorLayout
{
    private readonly (string Name, long[] Shape)[] _tensors;

    private ModelVectorLayout((string Name, long[] Shape)[] tensors)
    {
        _tensors = tensors;
        long length = tensors.Sum(t => NamedTensor.ElementCount(t.Shape));
        // One masked word per element plus the weight, in one array.
        if (length >= int.MaxValue) throw new ArgumentException($"a model of {length} elements is too large to aggregate securely as one vector");
        Length = (int)length;
        Sha256 = SHA256.HashData(Describe(tensors));
    }

    public static ModelVectorLayout Of(ModelState model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new ModelVectorLayout([.. model.Tensors.Select(t => (t.Name, (long[])t.Shape.Clone()))]);
    }

    /// <summary>Elements of the flattened vector.</summary>
    public int Length { get; }

    /// <summary>SHA-256 over every tensor's name and shape, in order.</summary>
    public byte[] Sha256 { get; }

    /// <summary>The delta's tensors, looked up by name, one after another in this layout's order.</summary>
    /// <exception cref="ArgumentException">a tensor is missing or has another shape.</exception>
    public float[] Flatten(ModelState delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        float[] vector = new float[Length];
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

    /// <summary>The vector cut back into this layout's tensors.</summary>
    public ModelState Unflatten(ReadOnlySpan<float> vector)
    {
        if (vector.Length != Length) throw new ArgumentException($"the layout holds {Length} elements, not {vector.Length}", nameof(vector));
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

    /// <summary>The canonical byte form hashed into <see cref="Sha256"/>: length-prefixed names and shapes, unambiguous.</summary>
    private static byte[] Describe((string Name, long[] Shape)[] tensors)
    {
        WireWriter writer = new WireWriter().Int32(tensors.Length);
        foreach ((string name, long[] shape) in tensors)
        {
            writer.String(name).Int32(shape.Length);
            foreach (long dimension in shape) writer.Int64(dimension);
        }
        return writer.ToArray();
    }
}
