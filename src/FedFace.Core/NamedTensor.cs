namespace FedFace.Core;

/// <summary>A float32 tensor known only by its name and shape: all the aggregator ever knows of a model.</summary>
public sealed class NamedTensor
{
    public NamedTensor(string name, long[] shape, float[] values)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(values);
        long count = ElementCount(shape);
        if (count != values.Length)
        {
            throw new ArgumentException(
                $"tensor '{name}' has shape [{string.Join(", ", shape)}] ({count} elements) but {values.Length} values");
        }
        Name = name;
        Shape = shape;
        Values = values;
    }

    public string Name { get; }
    public long[] Shape { get; }
    public float[] Values { get; }

    public static long ElementCount(IReadOnlyList<long> shape)
    {
        long count = 1;
        foreach (long dimension in shape)
        {
            if (dimension < 0)
            {
                throw new ArgumentException($"negative dimension {dimension} in shape [{string.Join(", ", shape)}]");
            }
            count = checked(count * dimension);
        }
        return count;
    }

    public bool HasShape(IReadOnlyList<long> shape) => Shape.AsSpan().SequenceEqual(shape.ToArray());

    public string ShapeText => $"[{string.Join(", ", Shape)}]";

    public NamedTensor Clone() => new(Name, (long[])Shape.Clone(), (float[])Values.Clone());

    public static NamedTensor Zeros(string name, long[] shape) => new(name, shape, new float[ElementCount(shape)]);
}
