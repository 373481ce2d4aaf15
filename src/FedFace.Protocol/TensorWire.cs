using System.Buffers;
using System.Runtime.InteropServices;
using FedFace.Core;
using FedFace.Protos.V1;
using Google.Protobuf;

namespace FedFace.Protocol;

/// <summary>
/// Moves named tensors over gRPC streams: the header names the tensors, then their little-endian float32
/// data follows in chunks of at most <see cref="MaxChunkBytes"/> (gRPC's default 4 MB message limit
/// would otherwise break model transfer).
/// </summary>
public static class TensorWire
{
    public const int MaxChunkBytes = 1 << 20;

    /// <summary>
    /// What we send: 64 KiB stays below .NET's large-object threshold, so each received chunk is a cheap
    /// gen-0 allocation instead of a fresh, page-faulting 1 MiB large-object array (measured: upload/download
    /// ratio to raw TLS 0.24 with 1 MiB chunks, 0.31 with 64 KiB, same run conditions).
    /// </summary>
    public const int DefaultChunkBytes = 64 << 10;

    public static IEnumerable<TensorSpec> Specs(ModelState state) =>
        state.Tensors.Select(t => new TensorSpec { Name = t.Name, Shape = { t.Shape }, DataType = DataType.Float32 });

    /// <summary>The tensors' data cut into chunks, crossing tensor boundaries so every chunk but the last is full.</summary>
    /// <remarks>
    /// A chunk that lies inside one tensor wraps that tensor's memory instead of copying it, and only a chunk
    /// that spans a tensor boundary is gathered into an array of its own: copying every chunk twice into a
    /// fresh 1 MiB large-object array cost page faults and gen-2 collections on every transfer (measured
    /// with lab/spine.sh). The chunks therefore share memory with <paramref name="state"/>, which must not
    /// change while they are in use (models are never changed in place once built; gRPC copies a chunk into
    /// its frame buffer before WriteAsync returns).
    /// </remarks>
    public static IEnumerable<ByteString> DataChunks(ModelState state, int chunkBytes = DefaultChunkBytes)
    {
        // Chunks hold whole floats: a size below 4 would never fit one (an endless run of empty chunks) and
        // a size that is not a multiple of 4 could not be filled, breaking "every chunk but the last is full".
        if (chunkBytes is < sizeof(float) or > MaxChunkBytes || chunkBytes % sizeof(float) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(chunkBytes),
                $"chunk size must be a multiple of {sizeof(float)} in {sizeof(float)}..{MaxChunkBytes} bytes, got {chunkBytes}");
        }
        long unsent = state.DataBytes;
        byte[]? gathered = null;
        int filled = 0;
        foreach (NamedTensor tensor in state.Tensors)
        {
            ReadOnlyMemory<byte> remaining = new FloatBytes(tensor.Values).Memory;
            while (!remaining.IsEmpty)
            {
                // The next chunk ends inside this tensor (or is the model's last): wrap it in place.
                if (gathered is null && (remaining.Length >= chunkBytes || remaining.Length == unsent))
                {
                    int length = Math.Min(remaining.Length, chunkBytes);
                    yield return UnsafeByteOperations.UnsafeWrap(remaining[..length]);
                    remaining = remaining[length..];
                    unsent -= length;
                    continue;
                }
                gathered ??= new byte[(int)Math.Min(chunkBytes, unsent)];
                int take = Math.Min(remaining.Length, gathered.Length - filled);
                remaining.Span[..take].CopyTo(gathered.AsSpan(filled));
                remaining = remaining[take..];
                filled += take;
                if (filled == gathered.Length)
                {
                    // A fresh array per gathered chunk: the chunk owns it, so wrapping it is safe.
                    yield return UnsafeByteOperations.UnsafeWrap(gathered);
                    unsent -= filled;
                    (gathered, filled) = (null, 0);
                }
            }
        }
    }

    /// <summary>A float array's memory seen as bytes, so a chunk can wrap a tensor without copying it.</summary>
    private sealed class FloatBytes(float[] values) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(values.AsSpan());

        // Chunks start on float boundaries, where the array's own pinning applies; a byte offset inside a
        // float would need unsafe code, and nothing pins a chunk there.
        public override MemoryHandle Pin(int elementIndex = 0) => elementIndex % sizeof(float) == 0
            ? values.AsMemory(elementIndex / sizeof(float)).Pin()
            : throw new NotSupportedException($"a tensor's bytes can be pinned only at a float boundary, not at byte {elementIndex}");

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }

    public static ModelHeader ModelHeaderOf(ModelState model, long version) => new()
    {
        ModelVersion = version,
        Sha256 = ByteString.CopyFrom(model.ComputeSha256()),
        Tensors = { Specs(model) },
        DataBytes = model.DataBytes,
    };
}

/// <summary>
/// Fills tensors declared by a header from a sequence of data chunks. Memory follows the data, not the header: a tensor's
/// array is allocated when its first bytes arrive and grows (doubling, capped at its declared size) as more do, so a
/// stream that declares a model and then sends nothing holds almost nothing (<see cref="AllocatedBytes"/>).
/// </summary>
public sealed class TensorAssembler
{
    /// <summary>The first allocation for a tensor: 64 KiB, one default chunk's worth.</summary>
    private const int InitialFloats = TensorWire.DefaultChunkBytes / sizeof(float);

    private readonly DeclaredTensor[] _specs;
    private readonly float[][] _values;
    private int _tensorIndex;
    private int _byteOffset;
    private long _received;

    public TensorAssembler(IEnumerable<TensorSpec> specs)
        : this(DeclaredTensor.Of(specs))
    {
    }

    public TensorAssembler(IReadOnlyList<DeclaredTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        _specs = [.. tensors];
        _values = [.. _specs.Select(_ => Array.Empty<float>())];
        ExpectedBytes = DeclaredTensor.TotalBytes(_specs);
        SkipEmptyTensors();
    }

    public long ExpectedBytes { get; }

    /// <summary>
    /// An assembler for data whose sender declared <paramref name="declaredBytes"/>, refused before anything is allocated
    /// when that exceeds <paramref name="maxBytes"/> or disagrees with the shapes: what a stream can make the receiver
    /// allocate, before any signature over it is checked, is then bounded by <paramref name="maxBytes"/>.
    /// </summary>
    public static TensorAssembler ForDeclared(IEnumerable<TensorSpec> specs, long declaredBytes, long maxBytes, string what) =>
        new(DeclaredTensor.OfDeclared(specs, declaredBytes, maxBytes, what));

    public long ReceivedBytes => _received;

    /// <summary>The bytes of the arrays holding received data: at most about twice <see cref="ReceivedBytes"/>.</summary>
    public long AllocatedBytes { get; private set; }

    public bool IsComplete => _received == ExpectedBytes;

    public void Append(ReadOnlySpan<byte> chunk)
    {
        if (_received + chunk.Length > ExpectedBytes)
        {
            throw new InvalidDataException($"more data than declared: {_received + chunk.Length} bytes for {ExpectedBytes} declared");
        }
        while (!chunk.IsEmpty)
        {
            int tensorBytes = _specs[_tensorIndex].Length * sizeof(float);
            int take = Math.Min(tensorBytes - _byteOffset, chunk.Length);
            EnsureCapacity(_byteOffset + take);
            chunk[..take].CopyTo(MemoryMarshal.AsBytes(_values[_tensorIndex].AsSpan())[_byteOffset..]);
            chunk = chunk[take..];
            _byteOffset += take;
            _received += take;
            if (_byteOffset == tensorBytes)
            {
                _tensorIndex++;
                _byteOffset = 0;
                SkipEmptyTensors();
            }
        }
    }

    /// <summary>Grows the current tensor's array to hold <paramref name="bytes"/>: doubling keeps the copies linear overall.</summary>
    private void EnsureCapacity(int bytes)
    {
        float[] values = _values[_tensorIndex];
        int floats = (bytes + sizeof(float) - 1) / sizeof(float);
        if (floats <= values.Length)
        {
            return;
        }
        int capacity = (int)Math.Min(_specs[_tensorIndex].Length, Math.Max(floats, Math.Max(2L * values.Length, InitialFloats)));
        Array.Resize(ref _values[_tensorIndex], capacity);
        AllocatedBytes += (long)(capacity - values.Length) * sizeof(float);
    }

    private void SkipEmptyTensors()
    {
        while (_tensorIndex < _specs.Length && _specs[_tensorIndex].Length == 0)
        {
            _tensorIndex++;
        }
    }

    public ModelState Complete()
    {
        if (!IsComplete)
        {
            throw new InvalidDataException($"stream ended after {_received} of {ExpectedBytes} declared bytes");
        }
        // Every non-empty tensor was filled to its declared size, which caps its growth: each array is exactly its length.
        return new ModelState(_specs.Select((t, i) => new NamedTensor(t.Name, t.Shape, _values[i])));
    }
}

/// <summary>
/// A tensor as a header declares it, checked before anything is allocated for it: float32, a name that is not empty and not used before, and a
/// shape with no negative dimension whose elements fit one array. Every refusal is an <see cref="InvalidDataException"/>
/// naming the tensor.
/// </summary>
public sealed record DeclaredTensor(string Name, long[] Shape, int Length)
{
    /// <summary>The most elements of one tensor: its data's byte offsets must fit an int.</summary>
    public const int MaxLength = int.MaxValue / sizeof(float);

    public long Bytes => (long)Length * sizeof(float);

    public static DeclaredTensor[] Of(IEnumerable<TensorSpec> specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
        var names = new HashSet<string>(StringComparer.Ordinal);
        return [.. specs.Select(s =>
        {
            if (s.DataType != DataType.Float32)
            {
                throw new InvalidDataException($"tensor '{s.Name}' has data type {s.DataType}; only float32 is supported");
            }
            if (string.IsNullOrEmpty(s.Name))
            {
                throw new InvalidDataException("a tensor is declared without a name");
            }
            if (!names.Add(s.Name))
            {
                throw new InvalidDataException($"tensor name '{s.Name}' is declared twice");
            }
            long[] shape = s.Shape.ToArray();
            return new DeclaredTensor(s.Name, shape, LengthOf(s.Name, shape));
        })];
    }

    /// <summary>
    /// The tensors of data whose sender declared <paramref name="declaredBytes"/>, refused when that exceeds
    /// <paramref name="maxBytes"/> or disagrees with the shapes.
    /// </summary>
    public static DeclaredTensor[] OfDeclared(IEnumerable<TensorSpec> specs, long declaredBytes, long maxBytes, string what)
    {
        if (declaredBytes > maxBytes)
        {
            throw new InvalidDataException($"{what} declares {declaredBytes} bytes, more than the limit {maxBytes}");
        }
        DeclaredTensor[] tensors = Of(specs);
        long shapesHold = TotalBytes(tensors);
        return shapesHold == declaredBytes
            ? tensors
            : throw new InvalidDataException($"{what} declares {declaredBytes} bytes, but its tensors' shapes hold {shapesHold}");
    }

    public static long TotalBytes(IEnumerable<DeclaredTensor> tensors) => tensors.Sum(t => t.Bytes);

    private static int LengthOf(string name, long[] shape)
    {
        long count = 1;
        foreach (long dimension in shape)
        {
            if (dimension < 0)
            {
                throw new InvalidDataException($"tensor '{name}' has a negative dimension in shape [{string.Join(", ", shape)}]");
            }
            if (dimension != 0 && count > MaxLength / dimension)
            {
                throw new InvalidDataException($"tensor '{name}' has shape [{string.Join(", ", shape)}], more than the {MaxLength} elements one tensor may hold");
            }
            count *= dimension;
        }
        return (int)count;
    }
}
