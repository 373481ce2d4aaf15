using System.Security.Cryptography;
using System.Text;

namespace FedFace.Core;

/// <summary>
/// An ordered set of named float32 tensors: a global model, a site's local backbone or a delta between two.
/// The order is part of the canonical encoding, so both sides of the wire agree on the hash.
/// </summary>
public sealed class ModelState
{
    private readonly Dictionary<string, NamedTensor> _byName;

    public ModelState(IEnumerable<NamedTensor> tensors)
    {
        Tensors = tensors.ToArray();
        _byName = new Dictionary<string, NamedTensor>(StringComparer.Ordinal);
        foreach (NamedTensor tensor in Tensors)
        {
            if (!_byName.TryAdd(tensor.Name, tensor))
            {
                throw new ArgumentException($"tensor name '{tensor.Name}' appears twice");
            }
        }
    }

    public IReadOnlyList<NamedTensor> Tensors { get; }

    public long ParameterCount => Tensors.Sum(t => (long)t.Values.Length);

    public long DataBytes => ParameterCount * sizeof(float);

    public NamedTensor this[string name] =>
        _byName.TryGetValue(name, out NamedTensor? tensor) ? tensor : throw new KeyNotFoundException($"no tensor named '{name}'");

    public bool TryGet(string name, out NamedTensor tensor) => _byName.TryGetValue(name, out tensor!);

    public bool Contains(string name) => _byName.ContainsKey(name);

    public ModelState Clone() => new(Tensors.Select(t => t.Clone()));

    /// <summary>this − baseline, tensor by tensor (same names, same shapes).</summary>
    public ModelState Minus(ModelState baseline)
    {
        return new ModelState(Tensors.Select(t =>
        {
            NamedTensor b = baseline[t.Name];
            if (!b.HasShape(t.Shape))
            {
                throw new ArgumentException($"tensor '{t.Name}' has shape {t.ShapeText} here and {b.ShapeText} in the baseline");
            }
            float[] difference = new float[t.Values.Length];
            System.Numerics.Tensors.TensorPrimitives.Subtract(t.Values, b.Values, difference);
            return new NamedTensor(t.Name, (long[])t.Shape.Clone(), difference);
        }));
    }

    /// <summary>SHA-256 of the canonical encoding: per tensor its UTF-8 name, NUL, rank, dims and little-endian data.</summary>
    public byte[] ComputeSha256()
    {
        using IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (NamedTensor tensor in Tensors)
        {
            AppendTensorHeader(hash, tensor.Name, tensor.Shape);
            hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(tensor.Values.AsSpan()));
        }
        return hash.GetHashAndReset();
    }

    /// <summary>What the canonical encoding puts before a tensor's data: its UTF-8 name, NUL, rank (int32) and dims (int64), little-endian. Public so that a download can hash a model as it streams in (FedFace.Protocol's StreamedModelHash).</summary>
    public static void AppendTensorHeader(IncrementalHash hash, string name, long[] shape)
    {
        Span<byte> scratch = stackalloc byte[8];
        hash.AppendData(Encoding.UTF8.GetBytes(name));
        hash.AppendData([0]);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(scratch, shape.Length);
        hash.AppendData(scratch[..4]);
        foreach (long dimension in shape)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(scratch, dimension);
            hash.AppendData(scratch);
        }
    }

    public string ComputeSha256Hex() => Convert.ToHexStringLower(ComputeSha256());
}
